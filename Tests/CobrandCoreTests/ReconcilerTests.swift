import CobrandCore
import Foundation
import Testing

@Suite("MDF reconciliation rules")
struct ReconcilerTests {
    let reconciler = Reconciler(rules: .init(resultsRatioMax: 10, costPerLeadMax: ["EUR": 20_000]))
    let allocation = ["alpha": Money(amountMinor: 500_000, currency: "EUR")]
    let good = Reconciler.Evidence(firstDownload: "2026-10-20", downloads: 2, opens: 300, clicks: 40, views: 50, webinarRegistrations: 30, leads: 25,
                                   deals: 2, registeredValueMinor: 9_000_000)

    func claim(_ id: Int64, activity: ClaimRequest.Activity = .email, amount: Int64 = 240_000, currency: String = "EUR", invoice: String? = nil,
               start: String = "2026-11-02", end: String = "2026-11-20", results: [String: Int] = [:], evidence: Reconciler.Evidence? = nil,
               campaign: String = "launch") -> Reconciler.Claim {
        Reconciler.Claim(id: id, partner: "alpha", campaign: campaign, activity: activity, start: start, end: end,
                         amount: Money(amountMinor: amount, currency: currency), invoice: invoice ?? "INV-\(id)", results: results,
                         evidence: evidence ?? good)
    }

    func decide(_ claims: Reconciler.Claim...) -> [Reconciler.Decision] { reconciler.reconcile(claims, allocations: allocation) }

    @Test("a claim with all its evidence is approved, and the reasons cite the evidence")
    func approved() throws {
        let decision = try #require(decide(claim(1)).first)
        #expect(decision.status == .approved && decision.approvedMinor == 240_000)
        #expect(decision.reasons == [
            "within the remaining 5000.00 EUR", "kit downloaded on 2026-10-20, before the activity started on 2026-11-02",
            "300 tracked open(s) and 40 click(s) in 2026-11-02..2026-11-20", "25 lead(s) in 2026-11-02..2026-11-20, 96.00 EUR per lead",
            "2 registered deal(s) from the campaign's leads, worth 90000.00 EUR",
        ])
    }

    /// A deal of alpha's at one of the campaign's accounts, registered at 40000 EUR, as the CRM left it.
    static func deal(_ id: Int64, _ status: DealStatus, won amount: String? = nil, currency: String = "EUR", closed: String = "2026-12-15",
                     registered: String = "2026-11-05") -> Deal {
        let at = Period.day(registered)!
        return Deal(id: id, partner: "alpha", domain: "acme.com", accountName: "Acme", value: Money(amountMinor: 4_000_000, currency: "EUR"), products: [],
                    expectedClose: "2026-12-31", leadID: nil, status: status, rule: .manualApproval, createdAt: at, decidedAt: at,
                    expiresAt: at.addingTimeInterval(90 * 86_400),
                    outcome: amount.map { DealOutcome(stage: .won, amount: Money(major: $0, currency: currency), closeDate: closed, crmID: nil, at: at) })
    }

    /// Two leads for 2400 EUR is 1200 per lead, above the 200 cap: won revenue in the window may lift it.
    @Test("won revenue: it lifts the cost-per-lead cap only when the option is on and it covers the claim; the reasons name the deals", arguments: [
        (false, [deal(7, .won, won: "5000.00")], Reconciler.Decision.Status.review,
         "won revenue of 5000.00 EUR from deal 7 (5000.00 EUR, closed 2026-12-15) by 2027-05-19, 2.08 per unit claimed"),
        (true, [deal(7, .won, won: "5000.00")], .approved,
         "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR, but the claim paid for itself: won revenue of 5000.00 EUR from deal 7 (5000.00 EUR, closed 2026-12-15) by 2027-05-19"),
        (true, [deal(7, .won, won: "1000.00"), deal(8, .won, won: "1400.00", closed: "2026-11-02")], .approved,
         "won revenue of 2400.00 EUR from deal 7 (1000.00 EUR, closed 2026-12-15), deal 8 (1400.00 EUR, closed 2026-11-02) by 2027-05-19, 1.00 per unit claimed"),
        (true, [deal(7, .won, won: "1000.00")], .review, "won revenue of 1000.00 EUR from deal 7 (1000.00 EUR, closed 2026-12-15) by 2027-05-19, 0.42 per unit claimed"),
        (true, [deal(7, .won, won: "9000.00", closed: "2027-05-20"), deal(8, .won, won: "9000.00", closed: "2026-11-01")], .review,
         "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR"),
        // won in another currency, or on a registration that sourced nothing: not this claim's revenue
        (true, [deal(7, .won, won: "9000.00", currency: "USD"), deal(8, .rejected, won: "9000.00")], .review,
         "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR"),
        // registered before the activity started: the activity did not produce it
        (true, [deal(7, .won, won: "9000.00", registered: "2026-11-01")], .review,
         "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR"),
    ] as [(Bool, [Deal], Reconciler.Decision.Status, String)])
    func wonRevenue(lifts: Bool, deals: [Deal], status: Reconciler.Decision.Status, reason: String) throws {
        var evidence = good
        evidence.leads = 2
        evidence.add(deals: deals, currency: "EUR")
        let rules = Reconciler.Rules(resultsRatioMax: 10, costPerLeadMax: ["EUR": 20_000], wonRevenueLiftsLeadCap: lifts)
        let decision = try #require(Reconciler(rules: rules).reconcile([claim(1, evidence: evidence)], allocations: allocation).first)
        #expect(decision.status == status)
        #expect(decision.reasons.contains(reason), "\(decision.reasons)")
        #expect(evidence.deals == deals.filter { DealStatus.evidence.contains($0.status) }.count)
    }

    @Test("one deal's won revenue pays for claims once: the second claim it cannot cover goes to review")
    func wonRevenueOnce() throws {
        var evidence = good
        evidence.leads = 2
        evidence.add(deals: [Self.deal(7, .won, won: "3000.00")], currency: "EUR")
        let rules = Reconciler.Rules(resultsRatioMax: 10, costPerLeadMax: ["EUR": 20_000], wonRevenueLiftsLeadCap: true)
        let decisions = Reconciler(rules: rules).reconcile([claim(1, evidence: evidence), claim(2, activity: .syndication, evidence: evidence)],
                                                           allocations: allocation)
        #expect(decisions.map(\.status) == [.approved, .review])
        #expect(decisions[1].reasons.first == "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR")
    }

    @Test("each rule moves a claim to its decision", arguments: [
        ("currency", Reconciler.Decision.Status.rejected, "claimed in USD but the allocation is in EUR"),
        ("late kit", .review, "kit first downloaded on 2026-11-05, after the activity started on 2026-11-02"),
        ("no kit", .review, "the campaign's kit was never downloaded by this partner"),
        ("no opens", .review, "no tracked open or click of the campaign's emails in 2026-11-02..2026-11-20"),
        ("no registrations", .review, "no webinar registration tracked in 2026-11-02..2026-11-20"),
        ("no views", .review, "no tracked page view of the syndicated content in 2026-11-02..2026-11-20"),
        ("event", .review, "event has no tracked evidence; a person checks the proofs"),
        ("inflated", .review, "claims 5000 opens but 300 were tracked (more than 10x)"),
        ("cost per lead", .review, "2 lead(s) in 2026-11-02..2026-11-20, 1200.00 EUR per lead, above the cap of 200.00 EUR"),
    ])
    func rules(rule: String, status: Reconciler.Decision.Status, reason: String) throws {
        var evidence = good
        var c = claim(1)
        switch rule {
        case "currency": c = claim(1, currency: "USD")
        case "late kit": evidence.firstDownload = "2026-11-05"
        case "no kit": evidence.firstDownload = nil
        case "no opens": evidence.opens = 0; evidence.clicks = 0
        case "no registrations": c = claim(1, activity: .webinar, evidence: Reconciler.Evidence(firstDownload: "2026-10-01", leads: 3))
        case "no views": c = claim(1, activity: .syndication, evidence: Reconciler.Evidence(firstDownload: "2026-10-01"))
        case "event": c = claim(1, activity: .event)
        case "inflated": c = claim(1, results: ["opens": 5_000, "emails_sent": 20_000])
        case "cost per lead": evidence.leads = 2
        default: Issue.record("unknown rule")
        }
        if c.evidence == good, evidence != good { c = claim(1, evidence: evidence) }
        let decision = try #require(reconciler.reconcile([c], allocations: allocation).first)
        #expect(decision.status == status)
        #expect(decision.reasons.contains(reason), "\(decision.reasons)")
        #expect(decision.approvedMinor == 0)
    }

    @Test("duplicates by invoice or by overlapping window are rejected; a rejected claim is no precedent")
    func duplicates() {
        let decisions = decide(claim(1, amount: 100_000), claim(2, amount: 100_000, invoice: "INV-1"),
                               claim(3, amount: 100_000, start: "2026-11-15", end: "2026-11-30"),
                               claim(4, amount: 100_000, start: "2026-11-21", end: "2026-11-30"),
                               claim(5, currency: "USD", start: "2026-12-01", end: "2026-12-05"), claim(6, amount: 100_000, start: "2026-12-01", end: "2026-12-05"))
        #expect(decisions.map(\.status) == [.approved, .rejected, .rejected, .approved, .rejected, .approved])
        #expect(decisions[1].reasons.first == "duplicate: invoice INV-1 is already claimed in claim 1")
        #expect(decisions[2].reasons.first == "duplicate: claim 1 covers the same campaign and activity in an overlapping window (2026-11-02..2026-11-20)")
    }

    @Test("the balance makes the last claim partial, and the next rejected")
    func balance() {
        let decisions = decide(claim(1, amount: 300_000, start: "2026-10-25", end: "2026-10-31"), claim(2, amount: 300_000),
                               claim(3, amount: 100_000, start: "2026-12-01", end: "2026-12-02"))
        #expect(decisions.map(\.status) == [.approved, .partial, .rejected])
        #expect(decisions.map(\.approvedMinor) == [300_000, 200_000, 0])
        #expect(decisions[2].reasons.first == "the allocation of 5000.00 EUR is used up")
    }

    @Test("an override stands and counts against the balance")
    func override() {
        var decisions = reconciler.reconcile([
            Reconciler.Claim(id: 1, partner: "alpha", campaign: "launch", activity: .event, start: "2026-10-01", end: "2026-10-02",
                             amount: Money(amountMinor: 450_000, currency: "EUR"), invoice: "X", results: [:], evidence: good, override: (.approved, 450_000)),
            claim(2),
        ], allocations: allocation)
        #expect(decisions.map(\.status) == [.approved, .partial])
        #expect(decisions[1].approvedMinor == 50_000)
        decisions = reconciler.reconcile([claim(2)], allocations: [:])
        #expect(decisions.first?.status == .rejected)
    }

    @Test("approved amounts never exceed the allocation, whatever the claims and their order", arguments: 0..<200)
    func neverOverspent(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        let allocated = Int64.random(in: 1...1_000_000, using: &random)
        let claims = (0..<Int.random(in: 1...12, using: &random)).map { index -> Reconciler.Claim in
            let start = String(format: "2026-%02d-%02d", Int.random(in: 10...12, using: &random), Int.random(in: 1...28, using: &random))
            let override: (status: Reconciler.Decision.Status, approvedMinor: Int64)? = Int.random(in: 0..<6, using: &random) == 0
                ? (.approved, Int64.random(in: 0...200_000, using: &random)) : nil
            return Reconciler.Claim(id: Int64.random(in: 1...1_000_000, using: &random) * 100 + Int64(index), partner: "alpha", campaign: "c\(index % 3)",
                                    activity: [.email, .webinar, .syndication][index % 3], start: start, end: start,
                                    amount: Money(amountMinor: Int64.random(in: 1...400_000, using: &random), currency: "EUR"),
                                    invoice: "I\(Int.random(in: 0..<8, using: &random))", results: [:], evidence: good, override: override)
        }
        let decisions = Reconciler().reconcile(claims.shuffled(using: &random), allocations: ["alpha": Money(amountMinor: allocated, currency: "EUR")])
        // In claim order, no automatic approval takes the total past the allocation (an admin's override may).
        var total: Int64 = 0
        for (claim, decision) in zip(claims.sorted { $0.id < $1.id }, decisions) {
            if claim.override == nil, decision.approvedMinor > 0 { #expect(total + decision.approvedMinor <= allocated) }
            total += decision.approvedMinor
        }
        if claims.allSatisfy({ $0.override == nil }) { #expect(total <= allocated) }
        #expect(decisions.allSatisfy { $0.approvedMinor >= 0 })
        #expect(Reconciler().reconcile(claims, allocations: ["alpha": Money(amountMinor: allocated, currency: "EUR")]) == decisions)
    }
}

/// A small deterministic generator (SplitMix64) for property tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Engagement")
struct EngagementTests {
    static func hits(_ visitor: String, _ day: String, asset: String = "a", agent: String = "desktop", count: Int = 1,
                     kind: AssetEvent.Kind = .open) -> EngagementRule.Hits {
        .init(kind: kind, asset: asset, visitor: visitor, day: day, agentClass: agent, count: count)
    }

    @Test("one per visitor, asset and day; excluded agents and the partner's addresses count as raw hits only", arguments: [
        ([hits("v", "2026-11-03", count: 120)], EngagementRule(), EngagementRule.Figure(raw: 120, counted: 1)),
        ([hits("v", "2026-11-03"), hits("v", "2026-11-04")], EngagementRule(), .init(raw: 2, counted: 2)),
        ([hits("v", "2026-11-03"), hits("v", "2026-11-03", asset: "b")], EngagementRule(), .init(raw: 2, counted: 2)),
        ([hits("v", "2026-11-03"), hits("w", "2026-11-03")], EngagementRule(), .init(raw: 2, counted: 2)),
        ([hits("v", "2026-11-03", agent: "bot", count: 9)], EngagementRule(), .init(raw: 9, counted: 0)),
        ([hits("v", "2026-11-03", agent: "mail-proxy")], EngagementRule(), .init(raw: 1, counted: 1)),
        ([hits("v", "2026-11-03", agent: "mail-proxy")], EngagementRule(excludedAgents: [.bot, .mailProxy]), .init(raw: 1, counted: 0)),
        ([hits("partner", "2026-11-03", count: 5), hits("v", "2026-11-03")], EngagementRule(), .init(raw: 6, counted: 1)),
    ])
    func count(hits: [EngagementRule.Hits], rule: EngagementRule, figure: EngagementRule.Figure) {
        #expect(rule.count(hits, partnerVisitors: ["partner"]) == [.open: figure])
    }
}
