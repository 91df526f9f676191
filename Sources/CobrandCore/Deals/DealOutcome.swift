import Foundation

/// Where the CRM says a registered deal stands. Cobrand registers deals; the CRM knows how they end.
public enum DealStage: String, Sendable, Codable, CaseIterable {
    case open, won, lost
}

/// One update the CRM sent about a deal (`POST /api/crm/updates`, or a row of `cobrand crm import`).
public struct DealUpdate: Sendable, Equatable {
    /// The CRM's own id for this event: the same event twice is applied once.
    public let eventID: String
    public let stage: DealStage
    /// What the deal closed at; a won update has one.
    public let amount: Money?
    /// `YYYY-MM-DD`, when the CRM says the deal closed.
    public let closeDate: String?
    /// The CRM's id for the opportunity, sent back in Cobrand's later outbox events.
    public let crmID: String?
    /// The CRM's clock: what orders updates that arrive out of order.
    public let at: Date

    public init(eventID: String, stage: DealStage, amount: Money?, closeDate: String?, crmID: String?, at: Date) {
        self.eventID = eventID
        self.stage = stage
        self.amount = amount
        self.closeDate = closeDate
        self.crmID = crmID
        self.at = at
    }
}

/// What an update from the CRM does to what Cobrand knows (a deal's outcome, a lead's qualification).
public enum CRMChange<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The new value.
    case applied(Value)
    /// This event id was applied before: nothing changes.
    case duplicate
    /// An update older (by the CRM's clock) than the one the value comes from, arriving late: nothing changes.
    case stale

    /// What the CRM is told became of its update.
    public var result: CRMUpdate.Result {
        switch self {
        case .applied: .applied
        case .duplicate: .duplicate
        case .stale: .stale
        }
    }

    /// The CRM's clock decides between updates, whatever order they arrive in; at the same instant the later
    /// arrival wins. `seen` says whether the update's event id was applied before.
    static func ordering(at: Date, after current: Date?, seen: Bool, _ value: () -> Value) -> CRMChange {
        guard !seen else { return .duplicate }
        if let current, at < current { return .stale }
        return .applied(value())
    }
}

/// What Cobrand knows of a deal's end: the CRM's latest update by the CRM's own clock.
public struct DealOutcome: Sendable, Equatable {
    public let stage: DealStage
    public let amount: Money?
    public let closeDate: String?
    public let crmID: String?
    /// The CRM timestamp of the update this outcome comes from.
    public let at: Date

    public init(stage: DealStage, amount: Money?, closeDate: String?, crmID: String?, at: Date) {
        self.stage = stage
        self.amount = amount
        self.closeDate = closeDate
        self.crmID = crmID
        self.at = at
    }

    public typealias Change = CRMChange<DealOutcome>

    /// Applies `update` to `current` (nil before the CRM said anything), in the CRM's order (`CRMChange`). A
    /// won or lost deal may reopen: the CRM's word is the deal's state. A CRM id once known stays when a
    /// later update leaves it out.
    public static func apply(_ update: DealUpdate, to current: DealOutcome?, seen: Bool) -> Change {
        .ordering(at: update.at, after: current?.at, seen: seen) {
            DealOutcome(stage: update.stage, amount: update.stage == .won ? update.amount : nil,
                        closeDate: update.stage == .open ? nil : update.closeDate, crmID: update.crmID ?? current?.crmID, at: update.at)
        }
    }
}

extension Deal {
    /// The registration once the CRM's `outcome` is known. One the rules accepted (`DealStatus.closable`)
    /// ends its protection as won or lost. Reopened, it goes back to where its protection stands: approved
    /// until its expiry, expired after it, pending when it was never approved; but a conflict when another
    /// partner's active registration took the account meanwhile (`accountHeldByOther`). A rejected or
    /// conflicting registration keeps its status and rule and only carries the outcome.
    public func recording(_ outcome: DealOutcome, at now: Date, accountHeldByOther: Bool) -> Deal {
        var deal = self
        deal.outcome = outcome
        let status: DealStatus, rule: DealRules.Rule
        switch outcome.stage {
        case .won, .lost:
            guard DealStatus.closable.contains(self.status) else { return deal }
            (status, rule) = outcome.stage == .won ? (.won, .wonInCRM) : (.lost, .lostInCRM)
        case .open:
            guard self.status == .won || self.status == .lost else { return deal }
            let protection: DealStatus = expiresAt.map { $0 > now ? .approved : .expired } ?? .pending
            (status, rule) = DealStatus.active.contains(protection) && accountHeldByOther ? (.conflict, .heldByAnotherPartner) : (protection, .reopenedInCRM)
        }
        guard status != self.status || rule != self.rule else { return deal }
        deal.status = status
        deal.rule = rule
        deal.decidedAt = now
        return deal
    }

    /// What one CRM update does to this registration: the answer for the CRM, the deal to save (nil when
    /// nothing changes) and whether the change is a decision for its history (a new status or rule; a CRM
    /// id or amount alone is not).
    public func applying(_ update: DealUpdate, seen: Bool, at now: Date, accountHeldByOther: Bool) -> (result: CRMUpdate.Result, deal: Deal?, decided: Bool) {
        let change = DealOutcome.apply(update, to: outcome, seen: seen)
        guard case let .applied(outcome) = change else { return (change.result, nil, false) }
        let next = recording(outcome, at: now, accountHeldByOther: accountHeldByOther)
        return (.applied, next, next.status != status || next.rule != rule)
    }

    /// This deal as won revenue, once the CRM reports it won with an amount and a close day. It is sourced
    /// (`RevenueAttribution`) when the registration closed as won after the channel team or the rules
    /// approved it: a pending one, never approved or sent back to review, sources nothing.
    public var win: RevenueAttribution.WonDeal? {
        guard let outcome, outcome.stage == .won, let amount = outcome.amount, let closeDate = outcome.closeDate else { return nil }
        return RevenueAttribution.WonDeal(id: id, partner: partner, status: status, domain: domain, amount: amount, closeDate: closeDate,
                                          sourced: RevenueAttribution.sourcing.contains(status) && expiresAt != nil, registeredAt: createdAt)
    }

    /// `win` when it is sourced.
    public var sourcedWin: RevenueAttribution.WonDeal? { win.flatMap { $0.sourced ? $0 : nil } }
}

/// Who gets credit for revenue the CRM reports as won. In plain words:
/// - **Sourced**: the partner whose approved registration ended as won (`Deal.recording`; won after the
///   protection expired still counts). A registration never approved, rejected or conflicting sources
///   nothing: the vendor closed that deal. Sourced revenue counts once, for one partner.
/// - **Influenced**: every other partner with a lead at the deal's account (the registrable domain) submitted
///   within `window` days before the close date: the partner's campaign reached the buyer, but another
///   partner (or the vendor directly) closed it. Influence is not split: each such partner sees the whole
///   amount as influenced, so influenced totals may exceed revenue.
public enum RevenueAttribution {
    /// A deal the CRM reports as won.
    public struct WonDeal: Sendable, Equatable {
        public let id: Int64
        /// The registering partner, nil for a deal the vendor closed directly.
        public let partner: String?
        /// The registration's status: `.won` when the CRM's win closed it.
        public let status: DealStatus?
        public let domain: String
        public let amount: Money
        public let closeDate: String
        /// Whether the registering partner sourced it (`Deal.win`).
        public let sourced: Bool
        /// When the registration was made.
        public let registeredAt: Date?

        public init(id: Int64, partner: String?, status: DealStatus?, domain: String, amount: Money, closeDate: String, sourced: Bool? = nil,
                    registeredAt: Date? = nil) {
            self.id = id
            self.partner = partner
            self.status = status
            self.domain = domain
            self.amount = amount
            self.closeDate = closeDate
            self.sourced = sourced ?? status.map(RevenueAttribution.sourcing.contains) ?? false
            self.registeredAt = registeredAt
        }
    }

    /// A lead a partner captured: at which account, when.
    public struct LeadTouch: Sendable, Equatable {
        public let partner: String
        public let domain: String
        public let submittedAt: Date

        public init(partner: String, domain: String, submittedAt: Date) {
            self.partner = partner
            self.domain = domain
            self.submittedAt = submittedAt
        }
    }

    public enum Kind: String, Sendable, Equatable { case sourced, influenced }

    public struct Credit: Sendable, Equatable {
        public let partner: String
        public let deal: Int64
        public let kind: Kind
        public let amount: Money

        public init(partner: String, deal: Int64, kind: Kind, amount: Money) {
            self.partner = partner
            self.deal = deal
            self.kind = kind
            self.amount = amount
        }
    }

    /// Registrations whose win counts as sourced for their partner (once approved, `Deal.win`).
    public static let sourcing: Set<DealStatus> = [.won]

    /// How long before a deal's close a lead counts as influencing it, in days.
    public static let windowDays = 180

    /// The credits for `won` deals given partners' `leads`, by deal then partner.
    public static func credits(won: [WonDeal], leads: [LeadTouch], window days: Int = windowDays) -> [Credit] {
        let byAccount = Dictionary(grouping: leads, by: \.domain)
        return won.sorted { $0.id < $1.id }.flatMap { deal -> [Credit] in
            let sourcer = deal.sourced ? deal.partner : nil
            var credits = sourcer.map { [Credit(partner: $0, deal: deal.id, kind: .sourced, amount: deal.amount)] } ?? []
            guard let close = Period.day(deal.closeDate) else { return credits }
            let from = close.addingTimeInterval(-Double(days) * 86_400), until = close.addingTimeInterval(86_400)
            let influencers = Set((byAccount[deal.domain] ?? []).filter { $0.submittedAt >= from && $0.submittedAt < until && $0.partner != sourcer }
                .map(\.partner))
            credits += influencers.sorted().map { Credit(partner: $0, deal: deal.id, kind: .influenced, amount: deal.amount) }
            return credits
        }
    }
}
