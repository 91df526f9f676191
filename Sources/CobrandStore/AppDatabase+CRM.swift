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
                let seen = try CRMEventRecord.fetchOne(db, key: update.eventID) != nil
                let kind: CRMUpdate.Kind, target: Int64, result: CRMUpdate.Result
                switch update {
                case let .deal(reference, change):
                    let deal = try Self.deal(reference, eventID: update.eventID, db)
                    let held = try Self.activeDeals(domain: deal.domain, now: now, db).contains { $0.partner != deal.partner && $0.id != deal.id }
                    let step = deal.applying(change, seen: seen, at: now, accountHeldByOther: held)
                    if let next = step.deal {
                        try Self.checkCRMID(next.outcome?.crmID, kind: .deal, of: deal.id, eventID: update.eventID, db)
                        if step.decided {
                            _ = try Self.save(next, actor: "crm", note: nil, type: nil, now: now, db)
                        } else {
                            var record = try DealRecord(next)
                            try record.update(db)
                        }
                    }
                    (kind, target, result) = (.deal, deal.id, step.result)
                case let .lead(reference, change):
                    var lead = try Self.leadRecord(reference, eventID: update.eventID, db)
                    let id = lead.id ?? 0
                    let change = LeadOutcome.apply(change, to: lead.outcome, seen: seen)
                    if case let .applied(outcome) = change {
                        try Self.checkCRMID(outcome.crmID, kind: .lead, of: id, eventID: update.eventID, db)
                        (lead.crmId, lead.qualification, lead.qualifiedAt) = (outcome.crmID, outcome.qualification, outcome.at)
                        try lead.update(db)
                    }
                    (kind, target, result) = (.lead, id, change.result)
                }
                if !seen { try CRMEventRecord(eventId: update.eventID, kind: kind, targetId: target, result: result, receivedAt: now).insert(db) }
                return result
            }
        }
    }

    /// One CRM record is one deal (or lead): giving its id to a second is refused.
    static func checkCRMID(_ crmID: String?, kind: CRMUpdate.Kind, of id: Int64, eventID: String, _ db: Database) throws {
        guard let crmID else { return }
        let other = switch kind {
        case .deal: try DealRecord.filter(DealRecord.Columns.crmId == crmID && DealRecord.Columns.id != id).fetchOne(db)?.id
        case .lead: try LeadRecord.filter(LeadRecord.Columns.crmId == crmID && LeadRecord.Columns.id != id).fetchOne(db)?.id
        }
        if let other { throw CRMUpdateError.taken(crmID, kind: kind, by: other, eventID: eventID) }
    }

    static func deal(_ reference: CRMReference, eventID: String, _ db: Database) throws -> Deal {
        let record = switch reference {
        case let .ours(id): try DealRecord.fetchOne(db, key: id)
        case let .crm(id): try DealRecord.filter(DealRecord.Columns.crmId == id).fetchOne(db)
        }
        guard let record else { throw CRMUnknownTarget(kind: .deal, reference: reference, eventID: eventID) }
        return try record.deal()
    }

    static func leadRecord(_ reference: CRMReference, eventID: String, _ db: Database) throws -> LeadRecord {
        let record = switch reference {
        case let .ours(id): try LeadRecord.fetchOne(db, key: id)
        case let .crm(id): try LeadRecord.filter(LeadRecord.Columns.crmId == id).fetchOne(db)
        }
        guard let record else { throw CRMUnknownTarget(kind: .lead, reference: reference, eventID: eventID) }
        return record
    }
}

/// A row of `crmEvent`: an event id the CRM sent and what it did.
struct CRMEventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "crmEvent"
    var eventId: String
    var kind: CRMUpdate.Kind
    var targetId: Int64
    var result: CRMUpdate.Result
    var receivedAt: Date
}

extension CRMUpdate.Result: Codable, DatabaseValueConvertible {}
extension CRMUpdate.Kind: Codable, DatabaseValueConvertible {}

extension CRMUpdateError {
    /// One CRM id names one deal (or lead): an update giving it to a second is refused.
    static func taken(_ crmID: String, kind: CRMUpdate.Kind, by other: Int64, eventID: String) -> CRMUpdateError {
        CRMUpdateError(field: "crm_id", problem: "'\(crmID)' of event '\(eventID)' already belongs to \(kind) \(other); one CRM record is one \(kind)",
                       eventID: eventID)
    }
}
