import Foundation

/// Where a partner's change to one field stands.
public enum ChangeStatus: String, Sendable, Codable, CaseIterable {
    case applied, pending, approved, rejected, withdrawn

    /// The value of an applied or approved change is in effect (an override).
    public var takesEffect: Bool { self == .applied || self == .approved }
}

/// The partner-change workflow: a field that needs approval waits as pending (replacing, as withdrawn, an
/// earlier pending change of the same field); others take effect at once; the channel team approves or
/// rejects what waits.
public enum ChangeWorkflow {
    /// The status a new change starts in. Nil when it needs approval and asks for the value already in
    /// effect: then it only withdraws what was waiting.
    public static func start(needsApproval: Bool, oldValue: String?, newValue: String) -> ChangeStatus? {
        guard needsApproval else { return .applied }
        return newValue == oldValue ?? "" ? nil : .pending
    }

    /// The channel team's decision on change `id`, now `status`.
    public static func decide(_ id: Int64, status: ChangeStatus, approve: Bool) throws(ChangeError) -> ChangeStatus {
        guard status == .pending else { throw .notPending(id: id, status: status) }
        return approve ? .approved : .rejected
    }
}

public enum ChangeError: Error, Equatable, CustomStringConvertible {
    case notFound(Int64)
    case notPending(id: Int64, status: ChangeStatus)

    public var description: String {
        switch self {
        case let .notFound(id): "no change \(id); cobrand partners changes lists them"
        case let .notPending(id, status): "change \(id) is \(status.rawValue), not pending; only pending changes are approved or rejected"
        }
    }
}
