import Foundation

/// Decides MDF claims against tracked activity. Pure and deterministic: claims are taken in id order, each
/// sees the balance the earlier ones left, and the same data always gives the same decisions.
public struct Reconciler: Sendable {
    public struct Rules: Sendable, Equatable {
        /// Claimed results above this many times the tracked figure go to review.
        public var resultsRatioMax: Int
        /// Cost per lead caps in minor units per currency; above it, review.
        public var costPerLeadMax: [String: Int64]
        /// Which hits count as opens, clicks and views.
        public var engagement: EngagementRule
        /// Won revenue counts for a claim when its deal closed from the activity's start to this many days
        /// after its end.
        public var revenueWindowDays: Int
        /// A claim above the cost-per-lead cap is approved anyway when its won revenue in the window is at
        /// least the amount claimed (it paid for itself); off, it goes to review like any other.
        public var wonRevenueLiftsLeadCap: Bool

        public init(resultsRatioMax: Int = 10, costPerLeadMax: [String: Int64] = ["USD": 50_000, "EUR": 50_000, "GBP": 40_000],
                    engagement: EngagementRule = EngagementRule(), revenueWindowDays: Int = 180, wonRevenueLiftsLeadCap: Bool = false) {
            self.resultsRatioMax = resultsRatioMax
            self.costPerLeadMax = costPerLeadMax
            self.engagement = engagement
            self.revenueWindowDays = revenueWindowDays
            self.wonRevenueLiftsLeadCap = wonRevenueLiftsLeadCap
        }
    }

    /// What was tracked for a claim's partner and campaign inside its activity window.
    public struct Evidence: Sendable, Equatable {
        /// Day of the first kit download of the campaign, if any (any time before reconciliation).
        public var firstDownload: String?
        public var downloads = 0
        /// Engagement as `EngagementRule` counts it: distinct visitors per asset and day.
        public var opens = 0
        public var clicks = 0
        public var views = 0
        /// The raw hits behind `opens`, `clicks` and `views`, shown beside them when they differ.
        public var hits: [AssetEvent.Kind: Int] = [:]
        /// Lead submissions with source `webinar`.
        public var webinarRegistrations = 0
        public var leads = 0
        /// Deals registered for accounts of the campaign's leads (`DealStatus.evidence`: every one the rules accepted,
        /// expired ones too), and their total value in the claim's currency. Not "pipeline", which is active deals only.
        public var deals = 0
        public var registeredValueMinor: Int64 = 0
        /// Those deals the CRM reports won as the partner's own (`RevenueAttribution.sourcing`), in the claim's
        /// currency, whenever they closed (the rules keep those inside the revenue window).
        public var won: [RevenueAttribution.WonDeal] = []

        public init(firstDownload: String? = nil, downloads: Int = 0, opens: Int = 0, clicks: Int = 0, views: Int = 0,
                    webinarRegistrations: Int = 0, leads: Int = 0, deals: Int = 0, registeredValueMinor: Int64 = 0) {
            self.firstDownload = firstDownload
            self.downloads = downloads
            self.opens = opens
            self.clicks = clicks
            self.views = views
            self.webinarRegistrations = webinarRegistrations
            self.leads = leads
            self.deals = deals
            self.registeredValueMinor = registeredValueMinor
        }

        /// Counts and sums the deals registered for the campaign's leads' accounts that are evidence, in `currency`,
        /// and keeps those won.
        public mutating func add(deals registered: [Deal], currency: String) {
            let evidence = registered.filter { DealStatus.evidence.contains($0.status) && $0.value.currency == currency }
            deals = evidence.count
            registeredValueMinor = evidence.reduce(0) { $0 + $1.value.amountMinor }
            won = registered.compactMap(\.sourcedWin).filter { $0.amount.currency == currency }.sorted { $0.id < $1.id }
        }
    }

    public struct Claim: Sendable {
        public let id: Int64
        public let partner: String
        public let campaign: String
        public let activity: ClaimRequest.Activity
        public let start: String
        public let end: String
        public let amount: Money
        public let invoice: String
        public let results: [String: Int]
        public let evidence: Evidence
        /// An admin's decision, kept as it is and counted against the balance.
        public let override: (status: Decision.Status, approvedMinor: Int64)?

        public init(id: Int64, partner: String, campaign: String, activity: ClaimRequest.Activity, start: String, end: String, amount: Money,
                    invoice: String, results: [String: Int], evidence: Evidence, override: (status: Decision.Status, approvedMinor: Int64)? = nil) {
            self.id = id
            self.partner = partner
            self.campaign = campaign
            self.activity = activity
            self.start = start
            self.end = end
            self.amount = amount
            self.invoice = invoice
            self.results = results
            self.evidence = evidence
            self.override = override
        }
    }

    public struct Decision: Sendable, Equatable {
        public enum Status: String, Sendable, CaseIterable { case approved, partial, review, rejected }

        public let claim: Int64
        public let status: Status
        public let approvedMinor: Int64
        /// Why, each citing its evidence; the failing ones first.
        public let reasons: [String]
    }

    public let rules: Rules

    public init(rules: Rules = Rules()) { self.rules = rules }

    /// Decides every claim; `allocations` maps partner to its allocation for the period.
    public func reconcile(_ claims: [Claim], allocations: [String: Money]) -> [Decision] {
        var decided: [String: [ClaimState]] = [:]  // each partner's earlier decisions, for the balance
        var accepted: [String: [Claim]] = [:]  // each partner's earlier claims that were not rejected, for the duplicate rule
        var revenueUsed: [Int64: Int64] = [:]  // won revenue, by deal, that already lifted an earlier claim's cap
        var decisions: [Decision] = []
        for claim in claims.sorted(by: { $0.id < $1.id }) {
            let decision: Decision
            if let override = claim.override {
                decision = Decision(claim: claim.id, status: override.status, approvedMinor: override.approvedMinor, reasons: ["overridden by an admin"])
            } else {
                // What is left is the allocation's `MDFBalance` over the decisions so far.
                let remaining = allocations[claim.partner].map { MDFBalance(allocation: $0, claims: decided[claim.partner] ?? []).remaining.amountMinor }
                decision = decide(claim, allocation: allocations[claim.partner], remaining: max(0, remaining ?? 0), earlier: accepted[claim.partner] ?? [],
                                  revenueUsed: &revenueUsed)
            }
            decided[claim.partner, default: []].append(ClaimState(id: claim.id, amount: claim.amount, status: ClaimStatus(decision.status),
                                                                  approvedMinor: decision.approvedMinor))
            if decision.status != .rejected { accepted[claim.partner, default: []].append(claim) }
            decisions.append(decision)
        }
        return decisions
    }

    /// One claim's decision; `earlier` are the partner's earlier claims that were not rejected.
    func decide(_ claim: Claim, allocation: Money?, remaining: Int64, earlier: [Claim], revenueUsed: inout [Int64: Int64]) -> Decision {
        var rejections: [String] = [], reviews: [String] = [], passes: [String] = []
        let evidence = claim.evidence
        let window = "\(claim.start)..\(claim.end)"
        func money(_ minor: Int64) -> String { "\(Money(amountMinor: minor, currency: claim.amount.currency).majorText) \(claim.amount.currency)" }

        // Allocation and currency.
        guard let allocation else {
            return Decision(claim: claim.id, status: .rejected, approvedMinor: 0, reasons: ["no allocation for this partner in the period"])
        }
        if allocation.currency != claim.amount.currency {
            rejections.append("claimed in \(claim.amount.currency) but the allocation is in \(allocation.currency)")
        }
        // Duplicates, among the partner's own earlier claims.
        if let twin = earlier.first(where: { $0.invoice == claim.invoice }) {
            rejections.append("duplicate: invoice \(claim.invoice) is already claimed in claim \(twin.id)")
        } else if let twin = earlier.first(where: {
            $0.campaign == claim.campaign && $0.activity == claim.activity && $0.start <= claim.end && claim.start <= $0.end
        }) {
            rejections.append("duplicate: claim \(twin.id) covers the same campaign and activity in an overlapping window (\(twin.start)..\(twin.end))")
        }
        // The kit was downloaded before the activity started.
        if let first = evidence.firstDownload, first <= claim.start {
            passes.append("kit downloaded on \(first), before the activity started on \(claim.start)")
        } else if let first = evidence.firstDownload {
            reviews.append("kit first downloaded on \(first), after the activity started on \(claim.start)")
        } else {
            reviews.append("the campaign's kit was never downloaded by this partner")
        }
        // Activity evidence inside the window.
        switch claim.activity {
        case .email:
            if evidence.opens + evidence.clicks > 0 {
                passes.append("\(evidence.opens) tracked open(s) and \(evidence.clicks) click(s) in \(window)"
                              + evidence.rawNote([(.open, evidence.opens), (.click, evidence.clicks)]))
            } else {
                reviews.append("no tracked open or click of the campaign's emails in \(window)")
            }
        case .webinar:
            if evidence.webinarRegistrations > 0 {
                passes.append("\(evidence.webinarRegistrations) webinar registration(s) and \(evidence.downloads) kit download(s) in \(window)")
            } else {
                reviews.append("no webinar registration tracked in \(window)")
            }
        case .syndication:
            if evidence.views > 0 {
                passes.append("\(evidence.views) tracked page view(s) in \(window)" + evidence.rawNote([(.view, evidence.views)]))
            } else {
                reviews.append("no tracked page view of the syndicated content in \(window)")
            }
        case .event, .paidSocial, .other:
            reviews.append("\(claim.activity.rawValue) has no tracked evidence; a person checks the proofs")
        }
        // Claimed results against tracked ones.
        let tracked: [String: Int] = [
            "opens": evidence.opens, "clicks": evidence.clicks, "page_views": evidence.views, "registrations": evidence.webinarRegistrations,
            "attendees": evidence.webinarRegistrations, "leads": evidence.leads,
        ]
        for (name, claimed) in claim.results.sorted(by: { $0.key < $1.key }) {
            guard let seen = tracked[name] else { continue }
            let (limit, overflow) = max(seen, 1).multipliedReportingOverflow(by: rules.resultsRatioMax)
            if !overflow, claimed > limit {
                reviews.append("claims \(claimed) \(name) but \(seen) were tracked (more than \(rules.resultsRatioMax)x)")
            }
        }
        // Won revenue the activity produced: deals registered from its start and closed by `revenueWindowDays` after its end.
        let revenueEnd = Period.add(rules.revenueWindowDays, to: claim.end)
        let won = evidence.won.filter { deal in
            deal.closeDate >= claim.start && deal.closeDate <= revenueEnd && (deal.registeredAt.map { Timestamp.day($0) >= claim.start } ?? true)
        }
        let revenue = won.reduce(Int64(0)) { $0 + $1.amount.amountMinor }
        let wonText = "won revenue of \(money(revenue)) from " + won.map { "deal \($0.id) (\(money($0.amount.amountMinor)), closed \($0.closeDate))" }
            .joined(separator: ", ") + " by \(revenueEnd)"
        // What of it no earlier claim's lifted cap used: one deal's revenue pays for a claim once.
        let unused = won.map { ($0.id, $0.amount.amountMinor - (revenueUsed[$0.id] ?? 0)) }.filter { $0.1 > 0 }
        var lifted = false
        // Leads, deals and cost per lead.
        if evidence.leads > 0 {
            let costPerLead = claim.amount.amountMinor / Int64(evidence.leads)
            let summary = "\(evidence.leads) lead(s) in \(window), \(money(costPerLead)) per lead"
            if let cap = rules.costPerLeadMax[claim.amount.currency], costPerLead > cap {
                if rules.wonRevenueLiftsLeadCap, unused.reduce(0, { $0 + $1.1 }) >= claim.amount.amountMinor {
                    let shared = won.contains { (revenueUsed[$0.id] ?? 0) > 0 } ? " (less what it paid for earlier claims)" : ""
                    passes.append("\(summary), above the cap of \(money(cap)), but the claim paid for itself: \(wonText)\(shared)")
                    lifted = true
                } else {
                    reviews.append("\(summary), above the cap of \(money(cap))")
                }
            } else {
                passes.append(summary)
            }
        } else {
            passes.append("no leads attributed in \(window)")
        }
        if evidence.deals > 0 {
            passes.append("\(evidence.deals) registered deal(s) from the campaign's leads, worth \(money(evidence.registeredValueMinor))")
        }
        if !won.isEmpty {
            passes.append("\(wonText), \(MDFReportRow.ratio(revenue, claim.amount.amountMinor)) per unit claimed")
        }
        // The balance decides how much of a claim that passes is paid.
        let reasons = rejections + reviews + passes
        if !rejections.isEmpty { return Decision(claim: claim.id, status: .rejected, approvedMinor: 0, reasons: reasons) }
        if !reviews.isEmpty { return Decision(claim: claim.id, status: .review, approvedMinor: 0, reasons: reasons) }
        if lifted, remaining > 0 {
            // The claim's amount is spent from the deals' unused revenue, oldest deal first.
            var left = claim.amount.amountMinor
            for (deal, available) in unused where left > 0 {
                let take = min(available, left)
                revenueUsed[deal, default: 0] += take
                left -= take
            }
        }
        if remaining == 0 {
            return Decision(claim: claim.id, status: .rejected, approvedMinor: 0,
                            reasons: ["the allocation of \(money(allocation.amountMinor)) is used up"] + reasons)
        }
        if claim.amount.amountMinor > remaining {
            return Decision(claim: claim.id, status: .partial, approvedMinor: remaining,
                            reasons: ["partial: \(money(remaining)) left of the \(money(allocation.amountMinor)) allocation"] + reasons)
        }
        return Decision(claim: claim.id, status: .approved, approvedMinor: claim.amount.amountMinor,
                        reasons: ["within the remaining \(money(remaining))"] + reasons)
    }
}

extension Reconciler.Evidence {
    /// " (distinct visitors per asset and day, from 120 and 1 hits)" when raw hits differ from what counted.
    func rawNote(_ figures: [(AssetEvent.Kind, Int)]) -> String {
        guard figures.contains(where: { kind, counted in (hits[kind] ?? counted) != counted }) else { return "" }
        let raw = figures.map { kind, counted in String(hits[kind] ?? counted) }
        return " (distinct visitors per asset and day, from \(raw.joined(separator: " and ")) hits)"
    }
}
