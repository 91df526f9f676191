import CobrandCore
import Foundation
import GRDB

/// The CRM's columns and tables, written once for both engines (`v15-crm-outcomes`, PostgreSQL's `v6`).
enum CRMSchema {
    static func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }

    /// `deal`'s outcome: the CRM's latest word (`DealOutcome`), its id for the opportunity.
    static func dealColumnDefinitions(time: String) -> [String] {
        ["crmId TEXT", "outcomeStage TEXT CHECK (outcomeStage IN (\(list(DealStage.allCases.map(\.rawValue)))))",
         "outcomeMinor BIGINT CHECK (outcomeMinor >= 0)", "outcomeCurrency TEXT CHECK (length(outcomeCurrency) = 3)", "closeDate TEXT",
         "outcomeAt \(time)"]
    }

    static var dealColumns: String { dealColumnDefinitions(time: "TIMESTAMPTZ").map { "ADD COLUMN \($0)" }.joined(separator: ", ") }

    /// One CRM opportunity is one registration: updates keyed by its id must find one deal.
    static let dealCRMIndex = "CREATE UNIQUE INDEX deal_crm ON deal (crmId) WHERE crmId IS NOT NULL"

    static var leadColumns: String { leadColumnDefinitions(time: "TIMESTAMPTZ").map { "ADD COLUMN \($0)" }.joined(separator: ", ") }

    static func leadColumnDefinitions(time: String) -> [String] {
        ["crmId TEXT", "qualification TEXT CHECK (qualification IN (\(list(LeadQualification.allCases.map(\.rawValue)))))", "qualifiedAt \(time)"]
    }

    static let leadCRMIndex = "CREATE UNIQUE INDEX lead_crm ON lead (crmId) WHERE crmId IS NOT NULL"

    /// The CRM events applied (or found stale): a second delivery of one is a duplicate.
    static func eventTable(time: String) -> String {
        """
        CREATE TABLE crmEvent (eventId TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN (\(list(CRMUpdate.Kind.allCases.map(\.rawValue))))), targetId BIGINT NOT NULL,
          result TEXT NOT NULL CHECK (result IN (\(list([CRMUpdate.Result.applied, .stale].map(\.rawValue))))), receivedAt \(time) NOT NULL)
        """
    }
}

extension DealStage: DatabaseValueConvertible {}
extension LeadQualification: DatabaseValueConvertible {}
