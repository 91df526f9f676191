import Foundation

/// What the vendor's sales team decided about a lead Cobrand sent: worth pursuing or not.
public enum LeadQualification: String, Sendable, Codable, CaseIterable {
    case qualified, disqualified
}

/// One update the CRM sent about a lead.
public struct LeadUpdate: Sendable, Equatable {
    /// The CRM's own id for this event: the same event twice is applied once.
    public let eventID: String
    public let qualification: LeadQualification
    /// The CRM's id for the lead (or contact), sent back in Cobrand's later outbox events.
    public let crmID: String?
    /// The CRM's clock: what orders updates that arrive out of order.
    public let at: Date

    public init(eventID: String, qualification: LeadQualification, crmID: String?, at: Date) {
        self.eventID = eventID
        self.qualification = qualification
        self.crmID = crmID
        self.at = at
    }
}

/// What Cobrand knows of a lead's qualification: the CRM's latest update by the CRM's own clock.
public struct LeadOutcome: Sendable, Equatable {
    public let qualification: LeadQualification
    public let crmID: String?
    public let at: Date

    public init(qualification: LeadQualification, crmID: String?, at: Date) {
        self.qualification = qualification
        self.crmID = crmID
        self.at = at
    }

    /// Applies `update` to `current` in the CRM's order (`CRMChange`); a CRM id once known stays.
    public static func apply(_ update: LeadUpdate, to current: LeadOutcome?, seen: Bool) -> CRMChange<LeadOutcome> {
        .ordering(at: update.at, after: current?.at, seen: seen) {
            LeadOutcome(qualification: update.qualification, crmID: update.crmID ?? current?.crmID, at: update.at)
        }
    }
}
