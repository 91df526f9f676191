import Foundation

/// A deal registration and every way it changes. Each transition returns the new value or throws; the
/// store saves what it returns, with the decision log row, in one transaction.
public struct Deal: Sendable, Equatable {
    public var id: Int64
    public var partner: String
    /// Registrable domain of the account (`acme.com`).
    public var domain: String
    public var accountName: String
    public var value: Money
    public var products: [String]
    /// `YYYY-MM-DD`.
    public var expectedClose: String
    public var leadID: Int64?
    public var status: DealStatus
    /// Why it is in its status: the rule of the last decision.
    public var rule: DealRules.Rule
    public var note: String?
    public var idempotencyKey: String?
    public var createdAt: Date
    public var decidedAt: Date
    /// When an approval stops protecting the account; nil while not approved.
    public var expiresAt: Date?
    /// The visitor of the tracked lead an automatic approval rests on.
    public var evidenceVisitor: String?
    /// What the CRM last said of the deal; nil until it says anything.
    public var outcome: DealOutcome?

    public init(id: Int64, partner: String, domain: String, accountName: String, value: Money, products: [String], expectedClose: String,
                leadID: Int64?, status: DealStatus, rule: DealRules.Rule, note: String? = nil, idempotencyKey: String? = nil,
                createdAt: Date, decidedAt: Date, expiresAt: Date? = nil, evidenceVisitor: String? = nil, outcome: DealOutcome? = nil) {
        self.id = id
        self.partner = partner
        self.domain = domain
        self.accountName = accountName
        self.value = value
        self.products = products
        self.expectedClose = expectedClose
        self.leadID = leadID
        self.status = status
        self.rule = rule
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.expiresAt = expiresAt
        self.evidenceVisitor = evidenceVisitor
        self.outcome = outcome
    }

    /// A new registration as `DealRules` decided it (`id` 0 until stored). An approval starts its protection
    /// and keeps the tracked lead's visitor it rests on.
    public init(_ request: DealRequest, status: DealStatus, rule: DealRules.Rule, rules: DealRules, evidence: TrackedLeadRule.Submission?,
                idempotencyKey: String?, at now: Date) {
        self.init(id: 0, partner: request.partner, domain: request.domain, accountName: request.accountName, value: request.value,
                  products: request.products, expectedClose: request.expectedClose, leadID: request.leadID, status: status, rule: rule,
                  idempotencyKey: idempotencyKey, createdAt: now, decidedAt: now,
                  expiresAt: status == .approved ? rules.expiry(from: now) : nil, evidenceVisitor: status == .approved ? evidence?.visitor : nil)
    }

    /// "Active": it holds its account at `now` (pending, or approved and not yet expired).
    public func isActive(at now: Date) -> Bool { status.isActive(expiresAt: expiresAt, at: now) }

    /// The channel team approves a pending registration, unless another partner's active one holds the account.
    public func approved(note: String?, at now: Date, rules: DealRules, accountHeldByOther: Bool) throws(DealError) -> Deal {
        try check(.approve, at: now)
        guard !accountHeldByOther else { throw .accountTaken(id) }
        return decided(.approved, .manualApproval, note: note, at: now, expiresAt: rules.expiry(from: now))
    }

    /// The channel team rejects a pending registration or an approved one still protecting its account.
    public func rejected(note: String?, at now: Date) throws(DealError) -> Deal {
        try check(.reject, at: now)
        return decided(.rejected, .manualRejection, note: note, at: now, expiresAt: nil)
    }

    /// The channel team gives an approved registration `days` more, from the later of now and its expiry.
    /// Without a note of its own, the approval's note (which the partner sees) stays.
    public func extended(days: Int, note: String?, at now: Date) throws(DealError) -> Deal {
        guard DealLifecycle.extensionDays.contains(days) else { throw .extensionDays(days) }
        try check(.extend, at: now)
        let base = max(expiresAt ?? now, now)
        return decided(status, .extended, note: note ?? self.note, at: now, expiresAt: base.addingTimeInterval(Double(days) * 86_400))
    }

    /// An approval whose protection ended becomes expired (it stopped being active at `expiresAt` already).
    public func expired(at now: Date) throws(DealError) -> Deal {
        guard status == .approved, let expiresAt, expiresAt <= now else { throw .transition(id: id, from: status, action: "expired") }
        var deal = self
        deal.status = .expired
        deal.rule = .expired
        deal.decidedAt = now
        return deal
    }

    /// The partner used the address of the lead an automatic approval rests on: back to review (pending, still
    /// holding the account). Nil when this registration is not contradicted by `partnerVisitor`.
    public func contradicted(by partnerVisitor: String, rules: DealRules, at now: Date) -> Deal? {
        guard status == .approved, rules.contradicts(evidence: evidenceVisitor, partnerVisitor: partnerVisitor, rule: rule) else { return nil }
        return decided(.pending, .reviewContradicted, note: note, at: now, expiresAt: nil)
    }

    private func check(_ action: DealLifecycle.Action, at now: Date) throws(DealError) {
        guard DealLifecycle.allows(action, status: status, expiresAt: expiresAt, now: now) else {
            throw .transition(id: id, from: status, action: action.pastTense)
        }
    }

    private func decided(_ status: DealStatus, _ rule: DealRules.Rule, note: String?, at now: Date, expiresAt: Date?) -> Deal {
        var deal = self
        deal.status = status
        deal.rule = rule
        deal.note = note
        deal.decidedAt = now
        deal.expiresAt = expiresAt
        return deal
    }
}

/// Why a registration request or a decision on a deal was refused.
public enum DealError: Error, Equatable, CustomStringConvertible {
    case notFound(Int64)
    case leadNotFound(Int64)
    case leadWithoutDomain(Int64)
    case transition(id: Int64, from: DealStatus, action: String)
    case accountTaken(Int64)
    case extensionDays(Int)

    public var description: String {
        switch self {
        case let .notFound(id): "no deal \(id)"
        case let .leadNotFound(id): "no lead \(id) of this partner"
        case let .leadWithoutDomain(id): "lead \(id) has no company domain (free-mail address and no website); give the account domain instead"
        case let .transition(id, from, action): "deal \(id) is \(from.rawValue) and cannot be \(action)"
        case let .accountTaken(id): "deal \(id)'s account is held by another partner's active registration"
        case let .extensionDays(days):
            "an extension is \(DealLifecycle.extensionDays.lowerBound) to \(DealLifecycle.extensionDays.upperBound) days, not \(days)"
        }
    }
}

extension Deal {
    /// A deal as its partner sees it in the API, and the CRM (which also gets `partner`): never another
    /// partner's name.
    public var payload: [String: Any] {
        [
            "id": id, "status": status.rawValue, "rule": rule.rawValue, "explanation": rule.explanation, "account_domain": domain,
            "account_name": accountName, "value": value.majorText, "currency": value.currency, "products": products,
            "expected_close": expectedClose, "lead_id": leadID as Any? ?? NSNull(), "note": note as Any? ?? NSNull(),
            "created_at": Timestamp.iso8601(createdAt), "decided_at": Timestamp.iso8601(decidedAt),
            "expires_at": expiresAt.map(Timestamp.iso8601) as Any? ?? NSNull(),
            "crm_id": outcome?.crmID as Any? ?? NSNull(), "outcome": outcome.map(\.payload) as Any? ?? NSNull(),
        ]
    }
}

extension DealOutcome {
    /// In words, for the channel team: `won at 48000.00 EUR, closed 2027-02-10 (CRM id 006Q)`.
    public var summary: String {
        stage.rawValue + (amount.map { " at \($0.majorText) \($0.currency)" } ?? "") + (closeDate.map { ", closed \($0)" } ?? "")
            + (crmID.map { " (CRM id \($0))" } ?? "")
    }

    /// The outcome in a deal's payload: stage, revenue when won, the close date and the CRM's clock.
    public var payload: [String: Any] {
        ["stage": stage.rawValue, "amount": amount?.majorText as Any? ?? NSNull(), "currency": amount?.currency as Any? ?? NSNull(),
         "close_date": closeDate as Any? ?? NSNull(), "updated_at": Timestamp.iso8601(at)]
    }
}
