import Foundation

/// Where an MDF claim stands.
public enum ClaimStatus: String, Sendable, Codable, CaseIterable {
    case submitted, approved, partial, review, rejected

    /// Statuses whose approved amount counts against the allocation and may be paid.
    public static let approvedAmounts: [ClaimStatus] = [.approved, .partial]

    /// Counted as claimed (in a balance, and for the MDF report's campaigns): every claim not rejected.
    public var isClaimed: Bool { self != .rejected }

    /// The status a decision (the rules' or an admin's) gives a claim.
    public init(_ decision: Reconciler.Decision.Status) {
        switch decision {
        case .approved: self = .approved
        case .partial: self = .partial
        case .review: self = .review
        case .rejected: self = .rejected
        }
    }

    /// The decision this status records; nil while the claim is only submitted.
    public var decision: Reconciler.Decision.Status? {
        switch self {
        case .submitted: nil
        case .approved: .approved
        case .partial: .partial
        case .review: .review
        case .rejected: .rejected
        }
    }
}

/// The decision part of a stored claim, and the rules that change it: the claim deadline, an admin's
/// override, payment, and what reconciliation may still change. The store saves what these return.
public struct ClaimState: Sendable, Equatable {
    public var id: Int64
    public var amount: Money
    public var status: ClaimStatus
    public var approvedMinor: Int64?
    public var reasons: [String]
    public var overrideNote: String?
    public var decidedAt: Date?
    public var paidAt: Date?
    public var paymentReference: String?

    public init(id: Int64, amount: Money, status: ClaimStatus = .submitted, approvedMinor: Int64? = nil, reasons: [String] = [],
                overrideNote: String? = nil, decidedAt: Date? = nil, paidAt: Date? = nil, paymentReference: String? = nil) {
        self.id = id
        self.amount = amount
        self.status = status
        self.approvedMinor = approvedMinor
        self.reasons = reasons
        self.overrideNote = overrideNote
        self.decidedAt = decidedAt
        self.paidAt = paidAt
        self.paymentReference = paymentReference
    }

    /// A claim is accepted until the allocation's deadline day (inclusive, UTC): both `YYYY-MM-DD`.
    public static func isOpen(today: String, deadline: String) -> Bool { today <= deadline }

    public static func checkDeadline(today: String, period: String, deadline: String) throws(ClaimError) {
        guard isOpen(today: today, deadline: deadline) else { throw .pastDeadline(period: period, deadline: deadline) }
    }

    /// Reconciliation leaves a claim alone once an admin decided it or it was paid.
    public var isSettled: Bool { overrideNote != nil || paidAt != nil }

    /// What reconciliation keeps for a settled claim (its status and approved amount).
    public var settledDecision: (status: Reconciler.Decision.Status, approvedMinor: Int64)? {
        // Settled claims were decided (an override) or paid (approved or partial): they always have a decision.
        guard isSettled, let decision = status.decision else { return nil }
        return (decision, approvedMinor ?? 0)
    }

    /// Reconciliation's decision applied; nil when the claim is settled or the decision changes nothing.
    public func reconciled(_ decision: Reconciler.Decision, at now: Date) -> ClaimState? {
        guard !isSettled else { return nil }
        var next = self
        next.status = ClaimStatus(decision.status)
        next.approvedMinor = decision.approvedMinor
        next.reasons = decision.reasons
        guard next.status != status || next.approvedMinor != approvedMinor || next.reasons != reasons else { return nil }
        next.decidedAt = now
        return next
    }

    /// An admin decides instead of the rules. Approved defaults to the whole claim; partial needs an amount
    /// above 0 and below the claim; review and rejected approve nothing. A paid claim's decision is final.
    public func overridden(_ decision: Reconciler.Decision.Status, approvedMinor requested: Int64?, note: String, at now: Date) throws(ClaimError) -> ClaimState {
        guard paidAt == nil else { throw .paidIsFinal(id: id, reference: paymentReference ?? "") }
        let approved: Int64 = switch decision {
        case .approved: requested ?? amount.amountMinor
        case .partial: requested ?? 0
        case .review, .rejected: 0
        }
        guard approved >= 0, approved <= amount.amountMinor, decision != .partial || (approved > 0 && approved < amount.amountMinor) else {
            throw .approvedAmount(claimed: amount, partial: decision == .partial)
        }
        var next = self
        next.status = ClaimStatus(decision)
        next.approvedMinor = approved
        next.overrideNote = note
        next.reasons = ["overridden by an admin: \(note)"]
        next.decidedAt = now
        return next
    }

    /// Payment of the approved amount of an approved or partial claim, once.
    public func paid(reference: String, at now: Date) throws(ClaimError) -> ClaimState {
        guard paidAt == nil else { throw .alreadyPaid(id: id, reference: paymentReference ?? "") }
        guard ClaimStatus.approvedAmounts.contains(status) else { throw .notPayable(id: id, status: status) }
        var next = self
        next.paidAt = now
        next.paymentReference = reference
        return next
    }
}

/// A partner's money in one allocation: the one definition of "balance".
public struct MDFBalance: Sendable, Equatable {
    public let allocated: Money
    /// Every claim not rejected.
    public let claimed: Money
    /// Approved and partial claims' approved amounts.
    public let approved: Money
    /// Approved amounts marked paid.
    public let paid: Money
    /// Allocated minus approved.
    public var remaining: Money { Money(amountMinor: allocated.amountMinor - approved.amountMinor, currency: allocated.currency) }

    /// Sums the claims in the allocation's currency (a claim in another currency does not draw on it).
    public init(allocation: Money, claims: [ClaimState]) {
        let own = claims.filter { $0.amount.currency == allocation.currency }
        func sum(_ values: [Int64]) -> Money { Money(amountMinor: values.reduce(0, +), currency: allocation.currency) }
        allocated = allocation
        claimed = sum(own.filter(\.status.isClaimed).map(\.amount.amountMinor))
        approved = sum(own.filter { ClaimStatus.approvedAmounts.contains($0.status) }.map { $0.approvedMinor ?? 0 })
        paid = sum(own.filter { $0.paidAt != nil }.map { $0.approvedMinor ?? 0 })
    }
}

/// Why a claim was refused or cannot change.
public enum ClaimError: Error, Equatable, CustomStringConvertible {
    case noAllocation(partner: String, day: String)
    case pastDeadline(period: String, deadline: String)
    case notFound(Int64)
    case paidIsFinal(id: Int64, reference: String)
    case alreadyPaid(id: Int64, reference: String)
    case notPayable(id: Int64, status: ClaimStatus)
    case approvedAmount(claimed: Money, partial: Bool)

    public var description: String {
        switch self {
        case let .noAllocation(partner, day): "partner \(partner) has no MDF allocation for a period that contains \(day)"
        case let .pastDeadline(period, deadline): "claims for \(period) closed on \(deadline)"
        case let .notFound(id): "no claim \(id)"
        case let .paidIsFinal(id, reference): "claim \(id) was paid (\(reference)); its decision is final"
        case let .alreadyPaid(id, reference): "claim \(id) was already paid (\(reference))"
        case let .notPayable(id, status): "claim \(id) is \(status.rawValue); only approved or partial claims are paid"
        case let .approvedAmount(claimed, partial):
            "the approved amount must be at most the claimed \(claimed.majorText) \(claimed.currency)" + (partial ? ", above 0 and below the claim for partial" : "")
        }
    }

    /// The request field a partner should change.
    public var field: String {
        switch self {
        case .noAllocation, .pastDeadline: "activity_start"
        case .notFound, .paidIsFinal, .alreadyPaid, .notPayable: "id"
        case .approvedAmount: "approved"
        }
    }
}
