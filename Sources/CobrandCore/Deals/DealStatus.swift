import Foundation

/// Where a deal registration stands. The one list of statuses; the store's column, its `CHECK` and every
/// query that filters by status take their values from here.
public enum DealStatus: String, Sendable, Codable, CaseIterable {
    case pending, approved, rejected, expired, conflict
    /// The CRM reported the deal won or lost (`Deal.recording`): the registration's protection ended with it.
    case won, lost

    /// "Active": a registration that holds its account until `expiresAt` (pending ones hold it too).
    public static let active: [DealStatus] = [.pending, .approved]

    /// "Pipeline" in the portal's performance and the MDF report: the value of registrations still active.
    public static let pipeline: [DealStatus] = active

    /// What MDF reconciliation takes as evidence that a claim's activity produced registrations: every one
    /// the rules accepted, including those whose protection has since expired or whose deal has closed
    /// (the deal happened).
    public static let evidence: [DealStatus] = [.pending, .approved, .expired, .won, .lost]

    /// Registrations the CRM's outcome closes as won or lost: those the rules accepted. A rejected or
    /// conflicting registration keeps its status; its deal's outcome is recorded beside it.
    public static let closable: [DealStatus] = evidence

    /// Whether a registration in this status with this expiry holds its account at `now`: the one definition
    /// of "active" (`Deal.isActive`, the lifecycle, the portal's days left and the store's conflict check use it).
    public func isActive(expiresAt: Date?, at now: Date) -> Bool {
        Self.active.contains(self) && (expiresAt.map { $0 > now } ?? true)
    }

    /// `statuses` as an SQL list of literals, `('pending', 'approved')`, for a query that filters by them.
    public static func sqlList(_ statuses: [DealStatus]) -> String { "(" + statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")" }
}
