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
                guard try await db.value(Int.self, "SELECT 1 FROM crmEvent WHERE eventId = \(update.eventID)") == nil else {
                    results.append(.duplicate)
                    continue
                }
                let kind: String, target: Int64, result: CRMUpdate.Result
                switch update {
                case let .deal(reference, change):
                    let found = try await Self.deal(reference, eventID: update.eventID, db)
                    try await db.lock("deal:\(found.domain)")
                    let deal = try await Self.deal(found.id, db, forUpdate: true)
                    (kind, target) = ("deal", deal.id)
                    switch DealOutcome.apply(change, to: deal.outcome, seen: false) {
                    case .duplicate, .stale: result = .stale
                    case let .applied(outcome):
                        if let crmID = outcome.crmID,
                           let other = try await db.value(Int64.self, "SELECT id FROM deal WHERE crmId = \(crmID) AND id <> \(deal.id)") {
                            throw CRMUpdateError.taken(crmID, kind: "deal", by: other, eventID: update.eventID)
                        }
                        let next = deal.recording(outcome, at: now)
                        if next.status != deal.status || next.rule != deal.rule {
                            _ = try await Self.save(next, actor: "crm", note: nil, type: nil, now: now, db)
                        } else {
                            try await Self.saveOutcome(try DealRecord(next), db)
                        }
                        result = .applied
                    }
                case let .lead(reference, change):
                    let lead = try await Self.leadRecord(reference, eventID: update.eventID, db)
                    (kind, target) = ("lead", lead.id ?? 0)
                    switch LeadOutcome.apply(change, to: lead.outcome, seen: false) {
                    case .duplicate, .stale: result = .stale
                    case let .applied(outcome):
                        if let crmID = outcome.crmID,
                           let other = try await db.value(Int64.self, "SELECT id FROM lead WHERE crmId = \(crmID) AND id <> \(target)") {
                            throw CRMUpdateError.taken(crmID, kind: "lead", by: other, eventID: update.eventID)
                        }
                        try await db.run("""
                            UPDATE lead SET crmId = \(outcome.crmID), qualification = \(outcome.qualification.rawValue), qualifiedAt = \(outcome.at)
                            WHERE id = \(target)
                            """)
                        result = .applied
                    }
                }
                try await db.run("""
                    INSERT INTO crmEvent (eventId, kind, targetId, result, receivedAt) VALUES (\(update.eventID), \(kind), \(target), \(result.rawValue), \(now))
                    """)
                results.append(result)
            }
            return results
        }
    }

    static func deal(_ reference: CRMReference, eventID: String, _ db: PostgresDB) async throws -> Deal {
        let record = switch reference {
        case let .ours(id): try await db.one(DealRecord.self, "SELECT * FROM deal WHERE id = \(id)")
        case let .crm(id): try await db.one(DealRecord.self, "SELECT * FROM deal WHERE crmId = \(id)")
        }
        guard let record else { throw CRMUnknownTarget(kind: "deal", reference: reference, eventID: eventID) }
        return try record.deal()
    }

    static func leadRecord(_ reference: CRMReference, eventID: String, _ db: PostgresDB) async throws -> LeadRecord {
        let record = switch reference {
        case let .ours(id): try await db.one(LeadRecord.self, "SELECT * FROM lead WHERE id = \(id) FOR UPDATE")
        case let .crm(id): try await db.one(LeadRecord.self, "SELECT * FROM lead WHERE crmId = \(id) FOR UPDATE")
        }
        guard let record else { throw CRMUnknownTarget(kind: "lead", reference: reference, eventID: eventID) }
        return record
    }
}
