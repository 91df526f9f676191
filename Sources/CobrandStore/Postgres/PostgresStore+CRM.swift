import CobrandCore
import Foundation
import PostgresNIO

/// The CRM's updates on PostgreSQL, as `AppDatabase.applyCRM`. One node applies a batch at a time (the
/// `crm` lock): two nodes receiving one event twice apply it once. Each deal is changed under its account's
/// lock, then its row's, as the channel team's decisions are.
extension PostgresStore {
    public func applyCRM(_ updates: [CRMUpdate], now: Date) async throws -> [CRMUpdate.Result] {
        try await write { db in
            try await db.lock("crm")
            var results: [CRMUpdate.Result] = []
            for update in updates {
                let seen = try await db.value(Int.self, "SELECT 1 FROM crmEvent WHERE eventId = \(update.eventID)") != nil
                let kind: CRMUpdate.Kind, target: Int64, result: CRMUpdate.Result
                switch update {
                case let .deal(reference, change):
                    let found = try await Self.deal(reference, eventID: update.eventID, db)
                    try await db.lock("deal:\(found.domain)")
                    let deal = try await Self.deal(found.id, db, forUpdate: true)
                    let held = try await Self.activeDeals(domain: deal.domain, now: now, db).contains { $0.partner != deal.partner && $0.id != deal.id }
                    let step = deal.applying(change, seen: seen, at: now, accountHeldByOther: held)
                    if let next = step.deal {
                        try await Self.checkCRMID(next.outcome?.crmID, kind: .deal, of: deal.id, eventID: update.eventID, db)
                        if step.decided {
                            _ = try await Self.save(next, actor: "crm", note: nil, type: nil, now: now, db)
                        } else {
                            try await Self.saveOutcome(try DealRecord(next), db)
                        }
                    }
                    (kind, target, result) = (.deal, deal.id, step.result)
                case let .lead(reference, change):
                    let lead = try await Self.leadRecord(reference, eventID: update.eventID, db)
                    let id = lead.id ?? 0
                    let change = LeadOutcome.apply(change, to: lead.outcome, seen: seen)
                    if case let .applied(outcome) = change {
                        try await Self.checkCRMID(outcome.crmID, kind: .lead, of: id, eventID: update.eventID, db)
                        try await db.run("""
                            UPDATE lead SET crmId = \(outcome.crmID), qualification = \(outcome.qualification.rawValue), qualifiedAt = \(outcome.at)
                            WHERE id = \(id)
                            """)
                    }
                    (kind, target, result) = (.lead, id, change.result)
                }
                if !seen {
                    try await db.run("""
                        INSERT INTO crmEvent (eventId, kind, targetId, result, receivedAt)
                        VALUES (\(update.eventID), \(kind.rawValue), \(target), \(result.rawValue), \(now))
                        """)
                }
                results.append(result)
            }
            return results
        }
    }

    /// One CRM record is one deal (or lead), as SQLite's `checkCRMID`.
    static func checkCRMID(_ crmID: String?, kind: CRMUpdate.Kind, of id: Int64, eventID: String, _ db: PostgresDB) async throws {
        guard let crmID else { return }
        let other = switch kind {
        case .deal: try await db.value(Int64.self, "SELECT id FROM deal WHERE crmId = \(crmID) AND id <> \(id)")
        case .lead: try await db.value(Int64.self, "SELECT id FROM lead WHERE crmId = \(crmID) AND id <> \(id)")
        }
        if let other { throw CRMUpdateError.taken(crmID, kind: kind, by: other, eventID: eventID) }
    }

    static func deal(_ reference: CRMReference, eventID: String, _ db: PostgresDB) async throws -> Deal {
        let record = switch reference {
        case let .ours(id): try await db.one(DealRecord.self, "SELECT * FROM deal WHERE id = \(id)")
        case let .crm(id): try await db.one(DealRecord.self, "SELECT * FROM deal WHERE crmId = \(id)")
        }
        guard let record else { throw CRMUnknownTarget(kind: .deal, reference: reference, eventID: eventID) }
        return try record.deal()
    }

    static func leadRecord(_ reference: CRMReference, eventID: String, _ db: PostgresDB) async throws -> LeadRecord {
        let record = switch reference {
        case let .ours(id): try await db.one(LeadRecord.self, "SELECT * FROM lead WHERE id = \(id) FOR UPDATE")
        case let .crm(id): try await db.one(LeadRecord.self, "SELECT * FROM lead WHERE crmId = \(id) FOR UPDATE")
        }
        guard let record else { throw CRMUnknownTarget(kind: .lead, reference: reference, eventID: eventID) }
        return record
    }
}
