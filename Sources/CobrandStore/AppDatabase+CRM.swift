import CobrandCore
import Foundation
import GRDB

/// The CRM's word on deals and leads (`POST /api/crm/updates`, `cobrand crm import`). A batch is one
/// transaction: an update naming a deal or lead Cobrand does not have refuses the whole batch. Core orders
/// the updates (`DealOutcome.apply`, `LeadOutcome.apply`) and closes registrations (`Deal.recording`); the
/// store keeps the event ids it has seen. A change the CRM made is not sent back to it through the outbox.
extension AppDatabase {
    public func applyCRM(_ updates: [CRMUpdate], now: Date) throws -> [CRMUpdate.Result] {
        try writer.write { db in
            try updates.map { update in
                guard try CRMEventRecord.fetchOne(db, key: update.eventID) == nil else { return .duplicate }
                switch update {
                case let .deal(reference, change):
                    let deal = try Self.deal(reference, eventID: update.eventID, db)
                    let result: CRMUpdate.Result
                    switch DealOutcome.apply(change, to: deal.outcome, seen: false) {
                    case .duplicate, .stale: result = .stale
                    case let .applied(outcome):
                        if let crmID = outcome.crmID, let other = try DealRecord.filter(DealRecord.Columns.crmId == crmID && DealRecord.Columns.id != deal.id)
                            .fetchOne(db)?.id {
                            throw CRMUpdateError.taken(crmID, kind: "deal", by: other, eventID: update.eventID)
                        }
                        let next = deal.recording(outcome, at: now)
                        if next.status != deal.status || next.rule != deal.rule {
                            _ = try Self.save(next, actor: "crm", note: nil, type: nil, now: now, db)
                        } else {
                            var record = try DealRecord(next)
                            try record.update(db)
                        }
                        result = .applied
                    }
                    try CRMEventRecord(eventId: update.eventID, kind: "deal", targetId: deal.id, result: result, receivedAt: now).insert(db)
                    return result
                case let .lead(reference, change):
                    var lead = try Self.leadRecord(reference, eventID: update.eventID, db)
                    let result: CRMUpdate.Result
                    switch LeadOutcome.apply(change, to: lead.outcome, seen: false) {
                    case .duplicate, .stale: result = .stale
                    case let .applied(outcome):
                        if let crmID = outcome.crmID, let other = try LeadRecord.filter(LeadRecord.Columns.crmId == crmID && LeadRecord.Columns.id != lead.id)
                            .fetchOne(db)?.id {
                            throw CRMUpdateError.taken(crmID, kind: "lead", by: other, eventID: update.eventID)
                        }
                        lead.crmId = outcome.crmID
                        lead.qualification = outcome.qualification
                        lead.qualifiedAt = outcome.at
                        try lead.update(db)
                        result = .applied
                    }
                    try CRMEventRecord(eventId: update.eventID, kind: "lead", targetId: lead.id ?? 0, result: result, receivedAt: now).insert(db)
                    return result
                }
            }
        }
    }

    static func deal(_ reference: CRMReference, eventID: String, _ db: Database) throws -> Deal {
        let record = switch reference {
        case let .ours(id): try DealRecord.fetchOne(db, key: id)
        case let .crm(id): try DealRecord.filter(DealRecord.Columns.crmId == id).fetchOne(db)
        }
        guard let record else { throw CRMUnknownTarget(kind: "deal", reference: reference, eventID: eventID) }
        return try record.deal()
    }

    static func leadRecord(_ reference: CRMReference, eventID: String, _ db: Database) throws -> LeadRecord {
        let record = switch reference {
        case let .ours(id): try LeadRecord.fetchOne(db, key: id)
        case let .crm(id): try LeadRecord.filter(LeadRecord.Columns.crmId == id).fetchOne(db)
        }
        guard let record else { throw CRMUnknownTarget(kind: "lead", reference: reference, eventID: eventID) }
        return record
    }
}

/// A row of `crmEvent`: an event id the CRM sent and what it did.
struct CRMEventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "crmEvent"
    var eventId: String
    var kind: String
    var targetId: Int64
    var result: CRMUpdate.Result
    var receivedAt: Date
}

extension CRMUpdate.Result: Codable, DatabaseValueConvertible {}

extension CRMUpdateError {
    /// One CRM id names one deal (or lead): an update giving it to a second is refused.
    static func taken(_ crmID: String, kind: String, by other: Int64, eventID: String) -> CRMUpdateError {
        CRMUpdateError(field: "crm_id", problem: "'\(crmID)' of event '\(eventID)' already belongs to \(kind) \(other); one CRM record is one \(kind)",
                       eventID: eventID)
    }
}
