import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Testing

@Suite("MDF reconciliation against the database")
struct ReconcileStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15
    let q4 = Period("2026-Q4")!

    func at(_ day: String, _ time: TimeInterval = 3_600) -> Date { Period.day(day)!.addingTimeInterval(time) }

    func event(_ kind: AssetEvent.Kind, _ partner: String, _ campaign: String, _ day: String) -> AssetEvent {
        AssetEvent(kind: kind, partner: partner, campaign: campaign, asset: "a", locale: "en-US", occurredAt: at(day), ipHash: "h", agentClass: "desktop")
    }

    func claim(_ partner: String, _ campaign: String, _ activity: String, _ start: String, _ end: String, _ amount: String, invoice: String,
               results: [String: Int] = [:]) throws -> ClaimRequest {
        try ClaimRequest.validated(partner: partner, campaign: campaign, activity: activity, start: start, end: end, amount: amount, currency: "EUR",
                                   invoice: invoice, results: results, campaigns: ["launch", "summit", "articles"])
    }

    @Test("a scenario of events, leads, deals and claims gets the decisions and reasons the rules give; re-running changes nothing", arguments: Engine.all)
    func scenario(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR")),
                                   .init(partner: "beta", amount: Money(amountMinor: 100_000, currency: "EUR"))],
                                  period: q4, deadlineDays: 60, actor: "test", now: now)
            try await database.insertEvents([
                event(.download, "alpha", "launch", "2026-10-20"), event(.open, "alpha", "launch", "2026-11-03"), event(.click, "alpha", "launch", "2026-11-04"),
                event(.open, "alpha", "launch", "2026-12-24"),  // outside the window
                event(.download, "alpha", "summit", "2026-11-01"), event(.download, "alpha", "articles", "2026-11-10"),
                event(.view, "alpha", "articles", "2026-11-12"), event(.download, "beta", "launch", "2026-11-05"), event(.open, "beta", "launch", "2026-11-06"),
            ])
            for (index, source, campaign, day) in [(1, "landing", "launch", "2026-11-05"), (2, "webinar", "summit", "2026-11-08"), (3, "webinar", "summit", "2026-11-09")] {
                let lead = Lead(partner: "alpha", campaign: campaign, asset: nil, locale: "en-US", source: source,
                                email: EmailAddress("p\(index)@corp\(index).example")!, companyDomain: "corp\(index).example")
                try await database.record(lead, ipHash: "h", now: at(day))
            }
            _ = try await database.register(DealRequest(partner: "alpha", domain: "corp1.example", accountName: "Corp", value: Money(amountMinor: 4_000_000, currency: "EUR"),
                                              products: ["P"], expectedClose: "2027-03-01"), rules: DealRules(), idempotencyKey: nil, now: at("2026-11-10"))
            func submit(_ request: ClaimRequest) async throws -> Int64 {
                try await database.submit(request, proofs: [], idempotencyKey: nil, actor: "test", now: at("2026-12-30")).claim.id
            }
            let email = try await submit(claim("alpha", "launch", "email", "2026-11-02", "2026-11-20", "2400", invoice: "A-1", results: ["opens": 2]))
            let webinar = try await submit(claim("alpha", "summit", "webinar", "2026-11-02", "2026-11-20", "1000", invoice: "A-2", results: ["attendees": 500]))
            let articles = try await submit(claim("alpha", "articles", "syndication", "2026-11-11", "2026-11-30", "1000", invoice: "A-3"))
            let twin = try await submit(claim("alpha", "launch", "email", "2026-11-15", "2026-11-25", "500", invoice: "A-4"))
            let beta = try await submit(claim("beta", "launch", "email", "2026-11-01", "2026-11-20", "1500", invoice: "B-1"))
            let decisions = try await database.reconcile(period: "2026-Q4", rules: .init(resultsRatioMax: 10, costPerLeadMax: ["EUR": 500_000]), actor: "test", now: now)
            let byClaim = Dictionary(uniqueKeysWithValues: decisions.map { ($0.claim, $0) })
            #expect(byClaim[email]?.status == .approved)
            #expect(byClaim[email]?.reasons.contains("1 tracked open(s) and 1 click(s) in 2026-11-02..2026-11-20") == true)
            #expect(byClaim[email]?.reasons.contains("1 registered deal(s) from the campaign's leads, worth 40000.00 EUR") == true)
            #expect(byClaim[webinar]?.status == .review)
            #expect(byClaim[webinar]?.reasons.first == "claims 500 attendees but 2 were tracked (more than 10x)")
            #expect(byClaim[articles]?.status == .approved)
            #expect(byClaim[articles]?.reasons.contains("1 tracked page view(s) in 2026-11-11..2026-11-30") == true)
            #expect(byClaim[twin]?.status == .rejected)
            #expect(byClaim[beta]?.status == .review)  // beta's kit came after its activity started
            #expect(byClaim[beta]?.reasons.first == "kit first downloaded on 2026-11-05, after the activity started on 2026-11-01")

            let audited = try await database.auditCount()
            let again = try await database.reconcile(period: "2026-Q4", rules: .init(resultsRatioMax: 10, costPerLeadMax: ["EUR": 500_000]), actor: "test", now: now)
            #expect(again == decisions)
            #expect(try await database.auditCount() == audited)

            _ = try await database.override(claim: webinar, status: .partial, approvedMinor: 50_000, note: "attendance list checked", actor: "test", now: now)
            let third = try await database.reconcile(period: "2026-Q4", rules: .init(resultsRatioMax: 10, costPerLeadMax: ["EUR": 500_000]), actor: "test", now: now)
            #expect(third.first { $0.claim == webinar }?.status == .partial)
            let alpha = try #require(try await database.balances(period: "2026-Q4").first)
            #expect(alpha.fields == ["alpha", "2026-Q4", "EUR", "5000.00", "4400.00", "3900.00", "0.00", "1100.00", "2027-03-01"])
            #expect(try await database.verifyAudit() == nil)

            // The report: 3 leads of claimed campaigns, 3900 approved, one pending deal of 40000 from them.
            let report = try await database.mdfReport(period: "2026-Q4")
            #expect(report.map(\.fields) == [
                ["alpha", "2026-Q4", "EUR", "5000.00", "4400.00", "3900.00", "1100.00", "3", "1300.00", "40000.00", "0.00", "0.00", "0.00"],
                ["beta", "2026-Q4", "EUR", "1000.00", "1500.00", "0.00", "1000.00", "0", "", "0.00", "0.00", "0.00", ""],
            ])
            try await database.decide(1, .approve, note: nil, rules: DealRules(), now: now)
            #expect(try await database.mdfReport(period: "2026-Q4").first?.fields.suffix(3) == ["40000.00", "0.00", "0.00"])
            // ROI is on won revenue: the CRM reports the deal won at 40000.00.
            let won = DealUpdate(eventID: "w1", stage: .won, amount: Money(major: "40000", currency: "EUR"), closeDate: "2026-12-01", crmID: nil, at: now)
            #expect(try await database.applyCRM([.deal(.ours(1), won)], now: now) == [.applied])
            #expect(try await database.mdfReport(period: "2026-Q4").first?.fields.suffix(3) == ["0.00", "40000.00", "10.26"])

            // Paying a claim freezes its decision; a review claim cannot be paid, nor one paid twice.
            _ = try await database.markPaid(claim: email, reference: "SEPA-1", actor: "test", now: now)
            await #expect(throws: AppDatabase.ClaimError.self) { try await database.markPaid(claim: email, reference: "SEPA-2", actor: "test", now: now) }
            await #expect(throws: AppDatabase.ClaimError.self) { try await database.markPaid(claim: beta, reference: "SEPA-3", actor: "test", now: now) }
            #expect(try await database.balances(period: "2026-Q4").first?.paid == "2400.00")
            try await database.execute("DELETE FROM event WHERE partner = 'alpha' AND campaign = 'launch'")
            try await database.reconcile(period: "2026-Q4", rules: .init(), actor: "test", now: now)
            #expect(try await database.claim(email).status == .approved)
            await #expect(throws: AppDatabase.ClaimError.self) {
                try await database.override(claim: email, status: .rejected, approvedMinor: nil, note: "too late", actor: "test", now: now)
            }
            #expect(try await database.verifyAudit() == nil)
        }
    }

    @Test("the funnel's facts read alike on both engines: hits grouped by agent class, leads, deals with the CRM's outcome, approved claims",
          arguments: Engine.all)
    func funnel(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: q4, deadlineDays: 60,
                                        actor: "test", now: now)
            func hit(_ kind: AssetEvent.Kind, _ partner: String, _ day: String, _ agent: String = "desktop") -> AssetEvent {
                AssetEvent(kind: kind, partner: partner, campaign: "launch", asset: "a", locale: "en-US", occurredAt: at(day), ipHash: "h", agentClass: agent)
            }
            try await database.insertEvents([
                hit(.download, "alpha", "2026-10-20"), hit(.open, "alpha", "2026-11-03"), hit(.open, "alpha", "2026-11-03", "mail-proxy"),
                hit(.open, "alpha", "2026-11-03", "bot"), hit(.click, "alpha", "2026-11-04"), hit(.view, "beta", "2026-11-07"),
            ])
            for (partner, day) in [("alpha", "2026-11-05"), ("beta", "2026-11-06")] {
                try await database.record(Lead(partner: partner, campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                               email: EmailAddress("buyer@corp1.example")!, companyDomain: "corp1.example"), ipHash: "v", now: at(day))
            }
            let deal = try await database.register(DealRequest(partner: "alpha", domain: "corp1.example", accountName: "Corp", value: Money(amountMinor: 800_000, currency: "EUR"),
                                                               products: ["P"], expectedClose: "2027-01-31"), rules: DealRules(), idempotencyKey: nil, now: at("2026-11-10")).deal
            try await database.decide(deal.id, .approve, note: nil, rules: DealRules(), now: at("2026-11-11"))
            let won = DealUpdate(eventID: "w", stage: .won, amount: Money(amountMinor: 900_000, currency: "EUR"), closeDate: "2026-12-01", crmID: nil, at: now)
            #expect(try await database.applyCRM([.deal(.ours(deal.id), won)], now: now) == [.applied])
            _ = try await database.submit(try claim("alpha", "launch", "email", "2026-11-02", "2026-11-20", "2400", invoice: "A-1"), proofs: [],
                                          idempotencyKey: nil, actor: "test", now: at("2026-12-30"))
            let decisions = try await database.reconcile(period: q4.id, rules: .init(resultsRatioMax: 10, costPerLeadMax: ["EUR": 500_000]), actor: "test", now: now)
            #expect(decisions.map(\.status) == [.approved])
            #expect(decisions.first?.reasons.last == "won revenue of 9000.00 EUR from deal \(deal.id) (9000.00 EUR, closed 2026-12-01) by 2027-05-19, 3.75 per unit claimed")
            #expect(Funnel.report(try await database.funnelFacts(partner: nil, from: nil, until: nil)).map(\.fields) == [
                ["alpha", "launch", "en-US", "", "0", "0", "0", "0", "1", "0", "1", "1", "0", "9000.00 EUR", "", "", ""],
                ["alpha", "launch", "en-US", "a", "1", "2", "1", "1", "0", "0", "0", "0", "0", "", "", "", ""],
                ["alpha", "launch", "*", "*", "1", "2", "1", "1", "1", "0", "1", "1", "0", "9000.00 EUR", "", "2400.00 EUR", "3.75"],
                ["beta", "launch", "en-US", "", "0", "0", "0", "0", "1", "0", "0", "0", "0", "", "9000.00 EUR", "", ""],
                ["beta", "launch", "en-US", "a", "1", "0", "0", "0", "0", "0", "0", "0", "0", "", "", "", ""],
                ["beta", "launch", "*", "*", "1", "0", "0", "0", "1", "0", "0", "0", "0", "", "9000.00 EUR", "", ""],
            ])
            // One partner's facts still hold the registrations at its accounts: beta's influence shows, alpha's rows do not.
            #expect(Funnel.report(try await database.funnelFacts(partner: "beta", from: nil, until: nil), partner: "beta").map { $0.fields[14] }
                == ["9000.00 EUR", "", "9000.00 EUR"])
            // From 2026-11-06: alpha's hits, lead and claim are before it; its deal (registered 2026-11-10) has no lead left to sit at.
            let later = Funnel.report(try await database.funnelFacts(partner: "alpha", from: at("2026-11-06", 0), until: nil), partner: "alpha")
            #expect(later.map(\.fields) == [["alpha", "", "", "", "0", "0", "0", "0", "0", "0", "1", "1", "0", "9000.00 EUR", "", "", ""],
                                            ["alpha", "", "*", "*", "0", "0", "0", "0", "0", "0", "1", "1", "0", "9000.00 EUR", "", "", ""]])
        }
    }

    /// The replayed-pixel attack: 120 fetches of the partner's own open pixel once turned a $400 claim from review into approved.
    @Test("a claim's window takes its first and last day whole and nothing beside; overlapping claims each get their hits, leads and the campaign's deals; a claim with nothing tracked gets none",
          arguments: Engine.all)
    func windowEdges(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: q4, deadlineDays: 60, actor: "test", now: now)
            func open(_ visitor: String, _ day: String, _ seconds: TimeInterval) -> AssetEvent {
                AssetEvent(kind: .open, partner: "alpha", campaign: "launch", asset: "a", locale: "en-US", occurredAt: at(day, seconds), ipHash: visitor, agentClass: "desktop")
            }
            try await database.insertEvents([
                event(.download, "alpha", "launch", "2026-10-20"),
                open("before", "2026-11-01", 86_399.999), open("first", "2026-11-02", 0), open("last", "2026-11-20", 86_399.999), open("after", "2026-11-21", 0),
            ])
            for (index, day, seconds) in [(1, "2026-11-01", 86_399.999), (2, "2026-11-02", 0.0), (3, "2026-11-20", 86_399.999), (4, "2026-11-21", 0.0)] {
                let lead = Lead(partner: "alpha", campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                email: EmailAddress("p\(index)@corp\(index).example")!, companyDomain: "corp\(index).example")
                try await database.record(lead, ipHash: "h", now: at(day, seconds))
            }
            _ = try await database.register(DealRequest(partner: "alpha", domain: "corp1.example", accountName: "Corp", value: Money(amountMinor: 4_000_000, currency: "EUR"),
                                                        products: ["P"], expectedClose: "2027-03-01"), rules: DealRules(), idempotencyKey: nil, now: at("2026-11-10"))
            func submit(_ start: String, _ end: String, _ invoice: String) async throws -> Int64 {
                try await database.submit(try claim("alpha", "launch", "email", start, end, "100", invoice: invoice), proofs: [], idempotencyKey: nil, actor: "test",
                                          now: at("2026-12-30")).claim.id
            }
            let window = try await submit("2026-11-02", "2026-11-20", "A-1")
            let overlapping = try await submit("2026-11-20", "2026-11-21", "A-2")
            let quiet = try await submit("2026-12-01", "2026-12-10", "A-3")
            let decisions = Dictionary(uniqueKeysWithValues: try await database.reconcile(period: "2026-Q4", rules: .init(), actor: "test", now: now).map { ($0.claim, $0) })
            #expect(decisions[window]?.reasons.contains("2 tracked open(s) and 0 click(s) in 2026-11-02..2026-11-20") == true, "\(decisions[window]?.reasons ?? [])")
            #expect(decisions[window]?.reasons.contains { $0.hasPrefix("2 lead(s)") } == true, "\(decisions[window]?.reasons ?? [])")
            #expect(decisions[overlapping]?.reasons.contains("2 tracked open(s) and 0 click(s) in 2026-11-20..2026-11-21") == true, "\(decisions[overlapping]?.reasons ?? [])")
            for id in [window, overlapping, quiet] {
                #expect(decisions[id]?.reasons.contains("1 registered deal(s) from the campaign's leads, worth 40000.00 EUR") == true, "\(decisions[id]?.reasons ?? [])")
            }
            #expect(decisions[overlapping]?.reasons.contains { $0.hasPrefix("2 lead(s)") } == true, "\(decisions[overlapping]?.reasons ?? [])")
            #expect(decisions[quiet]?.reasons.contains("no tracked open or click of the campaign's emails in 2026-12-01..2026-12-10") == true)
            #expect(decisions[quiet]?.reasons.contains("no leads attributed in 2026-12-01..2026-12-10") == true, "\(decisions[quiet]?.reasons ?? [])")
        }
    }

    @Test("engagement is distinct visitors per asset per day: a replayed pixel, bots and the partner's own address do not inflate it", arguments: Engine.all)
    func replayedPixel(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: q4, deadlineDays: 60, actor: "test", now: now)
            func hit(_ visitor: String, _ day: String, agent: String = "desktop", asset: String = "a") -> AssetEvent {
                AssetEvent(kind: .open, partner: "alpha", campaign: "launch", asset: asset, locale: "en-US", occurredAt: at(day), ipHash: visitor, agentClass: agent)
            }
            var events = [event(.download, "alpha", "launch", "2026-10-20")]
            events += Array(repeating: hit("attacker", "2026-11-03"), count: 120)
            events += [hit("reader", "2026-11-03"), hit("reader", "2026-11-04"), hit("reader", "2026-11-04", asset: "b"), hit("crawler", "2026-11-05", agent: "bot"),
                       hit("office", "2026-11-05")]
            try await database.insertEvents(events)
            try await database.notePartnerAddress(partner: "alpha", visitor: "office", rules: DealRules(), now: now)
            let request = try claim("alpha", "launch", "email", "2026-11-02", "2026-11-20", "400", invoice: "A-1", results: ["opens": 120])
            let id = try await database.submit(request, proofs: [], idempotencyKey: nil, actor: "test",
                                         now: at("2026-12-30")).claim.id
            let decision = try #require(try await database.reconcile(period: "2026-Q4", rules: .init(), actor: "test", now: now).first { $0.claim == id })
            #expect(decision.status == .review)
            #expect(decision.reasons.contains("claims 120 opens but 4 were tracked (more than 10x)"))
            #expect(decision.reasons.contains("4 tracked open(s) and 0 click(s) in 2026-11-02..2026-11-20 (distinct visitors per asset and day, from 125 and 0 hits)"))
        }
    }
}

@Suite("MDF report arithmetic")
struct MDFRatioTests {
    /// Deal values are partner input of up to 15 digits in major units: the old `a * 200` trapped on them.
    @Test("ROI is a / b with two decimals, rounded half up, without overflowing on huge pipelines", arguments: [
        (Int64(300), Int64(100), "3.00"), (1, 3, "0.33"), (2, 3, "0.67"), (1, 8, "0.13"), (0, 5, "0.00"),
        (Int64.max, 1, "9223372036854775807.00"), (99_999_999_999_999_999, 40_000, "2500000000000.00"), (99_999_999_999_999_600, 40_000, "2499999999999.99"),
    ])
    func ratio(a: Int64, b: Int64, text: String) {
        #expect(MDFReportRow.ratio(a, b) == text)
    }
}
