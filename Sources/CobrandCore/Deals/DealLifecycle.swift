import Foundation

/// What the channel team may do with a registration in each state: the one definition the store's
/// transitions and the admin console's buttons share.
public enum DealLifecycle {
    public enum Action: String, Sendable, CaseIterable {
        case approve, reject, extend

        /// "deal 4 is expired and cannot be *extended*".
        public var pastTense: String { self == .approve ? "approved" : rawValue + "ed" }
    }

    /// An extension adds 1 to this many days.
    public static let extensionDays = 1...365

    /// Approve a pending registration; reject a pending one or an approved one still protecting its account;
    /// extend an approved one still protecting it.
    public static func allows(_ action: Action, status: DealStatus, expiresAt: Date?, now: Date) -> Bool {
        switch action {
        case .approve: status == .pending
        case .reject: status.isActive(expiresAt: expiresAt, at: now)
        case .extend: status == .approved && status.isActive(expiresAt: expiresAt, at: now)
        }
    }
}

extension DealRules {
    /// The currencies the portal's registration form offers: those with an auto-approval threshold, and the
    /// common ones (any other is reviewed, see `Rule.reviewCurrency`).
    public var formCurrencies: [String] { Array(Set(autoApproveBelow.keys).union(["USD", "EUR", "GBP"])).sorted() }
}
