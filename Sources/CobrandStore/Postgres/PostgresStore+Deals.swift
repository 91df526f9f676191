import CobrandCore
import Foundation
import PostgresNIO

/// Deal registrations on PostgreSQL. SQLite serialises writers; here several nodes write at once, so each
/// registration holds an advisory lock on its account's domain for its transaction: two partners racing for
/// one account on two nodes are decided one after the other, and exactly one holds it.
extension PostgresStore {
    public func leadDomain(_ id: Int64, partner: String) async throws -> String {
        try await read { db in
            guard let lead = try await db.one(LeadRecord.self, "SELECT * FROM lead WHERE id = \(id) AND partner = \(partner)")
            else { throw DealError.leadNotFound(id) }
            guard let domain = lead.companyDomain else { throw DealError.leadWithoutDomain(id) }
            return domain
        }
    }

    public func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, visitor: String?,
                         now: Date) async throws -> AppDatabase.Registration {
        try await write { db in
            if let idempotencyKey {
                try await db.lock("deal-key:\(request.partner)/\(idempotencyKey)")
                if let earlier = try await db.one(DealRecord.self, """
                    SELECT * FROM deal WHERE partner = \(request.partner) AND idempotencyKey = \(idempotencyKey)
                    """) {
                    return AppDatabase.Registration(deal: try earlier.deal(), created: false)
                }
            }
            try await db.lock("deal:\(request.domain)")
            if let lead = request.leadID,
               try await db.value(Int.self, "SELECT 1 FROM lead WHERE id = \(lead) AND partner = \(request.partner)") == nil {
                throw DealError.leadNotFound(lead)
            }
            let active = try await Self.activeDeals(domain: request.domain, now: now, db)
            let own = active.first { $0.partner == request.partner }?.id
            let other = active.contains { $0.partner != request.partner }
            let submissions = try await db.all(LeadSubmissionRecord.self, """
                SELECT s.* FROM leadSubmission s JOIN lead ON lead.id = s.leadId
                WHERE lead.partner = \(request.partner) AND lead.companyDomain = \(request.domain) ORDER BY s.id
                """).map { TrackedLeadRule.Submission(signed: $0.signed, submittedAt: $0.submittedAt, visitor: $0.ipHash) }
            var partnerVisitors = Set(try await db.column(String.self, "SELECT visitor FROM partnerAddress WHERE partner = \(request.partner)"))
            if let visitor { partnerVisitors.insert(visitor) }
            let evidence = rules.trackedLead.evidence(submissions, partnerVisitors: partnerVisitors, now: now)
            let (status, rule): (DealStatus, DealRules.Rule)
            switch rules.decide(request, account: .init(ownActive: own, heldByOther: other, trackedLead: evidence != nil)) {
            case let .existing(id): return AppDatabase.Registration(deal: try await Self.deal(id, db), created: false)
            case let .conflict(why): (status, rule) = (.conflict, why)
            case let .approved(why): (status, rule) = (.approved, why)
            case let .pending(why): (status, rule) = (.pending, why)
            }
            let deal = Deal(request, status: status, rule: rule, rules: rules, evidence: evidence, idempotencyKey: idempotencyKey, at: now)
            return AppDatabase.Registration(deal: try await Self.save(deal, actor: "rules", note: nil, type: "deal.registered", now: now, db),
                                            created: true)
        }
    }

    @discardableResult
    public func decide(_ id: Int64, _ action: AppDatabase.Action, note: String?, rules: DealRules, now: Date) async throws -> Deal {
        try await write { db in
            // The account's lock, then the row's (as a registration and a sign-in take them): no other decision,
            // review or expiry of this deal can land between reading it and saving the transition.
            try await db.lock("deal:\(try await Self.deal(id, db).domain)")
            let deal = try await Self.deal(id, db, forUpdate: true)
            let decided: Deal, type: String
            switch action {
            case .approve:
                let held = try await Self.activeDeals(domain: deal.domain, now: now, db).contains { $0.partner != deal.partner && $0.id != id }
                (decided, type) = (try deal.approved(note: note, at: now, rules: rules, accountHeldByOther: held), "deal.approved")
            case .reject: (decided, type) = (try deal.rejected(note: note, at: now), "deal.rejected")
            case let .extend(days): (decided, type) = (try deal.extended(days: days, note: note, at: now), "deal.extended")
            }
            return try await Self.save(decided, actor: "channel-team", note: note, type: type, now: now, db)
        }
    }

    @discardableResult
    public func notePartnerAddress(partner: String, visitor: String, rules: DealRules, now: Date) async throws -> [Deal] {
        try await write { db in
            try await db.run("""
                INSERT INTO partnerAddress (partner, visitor, firstSeen, lastSeen) VALUES (\(partner), \(visitor), \(now), \(now))
                ON CONFLICT (partner, visitor) DO UPDATE SET lastSeen = EXCLUDED.lastSeen
                """)
            let candidates = try await db.all(DealRecord.self, """
                SELECT * FROM deal WHERE partner = \(partner) AND evidenceVisitor = \(visitor) ORDER BY id FOR UPDATE
                """)
            var back: [Deal] = []
            for record in candidates {
                guard let review = try record.deal().contradicted(by: visitor, rules: rules, at: now) else { continue }
                back.append(try await Self.save(review, actor: "rules", note: nil, type: "deal.review", now: now, db))
            }
            return back
        }
    }

    /// Rows locked `FOR UPDATE`: a second node expiring at the same moment waits, then finds them expired.
    @discardableResult
    public func expireDeals(now: Date) async throws -> [Deal] {
        try await write { db in
            let due = try await db.all(DealRecord.self, """
                SELECT * FROM deal WHERE status = \(DealStatus.approved.rawValue) AND expiresAt <= \(now) ORDER BY id FOR UPDATE
                """)
            var expired: [Deal] = []
            for record in due {
                expired.append(try await Self.save(try record.deal().expired(at: now), actor: "rules", note: nil, type: "deal.expired", now: now, db))
            }
            return expired
        }
    }

    public func deal(_ id: Int64) async throws -> Deal { try await read { db in try await Self.deal(id, db) } }

    public func deals(partner: String?, status: DealStatus?) async throws -> [Deal] {
        try await read { db in
            try await db.all(DealRecord.self, """
                SELECT * FROM deal WHERE (\(partner)::text IS NULL OR partner = \(partner)) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY id DESC
                """).map { try $0.deal() }
        }
    }

    public func decisions(deal id: Int64) async throws -> [(status: String, rule: String, actor: String, note: String?, at: Date)] {
        try await read { db in
            try await db.all(DealDecisionRecord.self, "SELECT * FROM dealDecision WHERE dealId = \(id) ORDER BY id").map {
                ($0.status.rawValue, $0.rule.rawValue, $0.actor, $0.note, $0.decidedAt)
            }
        }
    }

    static func activeDeals(domain: String, now: Date, _ db: PostgresDB) async throws -> [Deal] {
        try await db.all(DealRecord.self, "SELECT * FROM deal WHERE domain = \(domain) ORDER BY id").map { try $0.deal() }.filter { $0.isActive(at: now) }
    }

    static func deal(_ id: Int64, _ db: PostgresDB, forUpdate: Bool = false) async throws -> Deal {
        guard let record = try await db.one(DealRecord.self, "SELECT * FROM deal WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")")
        else { throw DealError.notFound(id) }
        return try record.deal()
    }

    /// Saves a deal as a transition returned it, with its decision row and outbox event (as SQLite does).
    static func save(_ deal: Deal, actor: String, note: String?, type: String?, now: Date, _ db: PostgresDB) async throws -> Deal {
        let row = try DealRecord(deal)
        let id: Int64
        if let existing = row.id {
            try await db.run("""
                UPDATE deal SET status = \(row.status.rawValue), rule = \(row.rule.rawValue), note = \(row.note), decidedAt = \(row.decidedAt),
                  expiresAt = \(row.expiresAt), evidenceVisitor = \(row.evidenceVisitor), leadId = \(row.leadId) WHERE id = \(existing)
                """)
            try await saveOutcome(row, db)
            id = existing
        } else {
            id = try await db.insertedID("""
                INSERT INTO deal (partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, note,
                  idempotencyKey, createdAt, decidedAt, expiresAt, evidenceVisitor)
                VALUES (\(row.partner), \(row.domain), \(row.accountName), \(row.valueMinor), \(row.currency), \(row.products), \(row.expectedClose),
                  \(row.leadId), \(row.status.rawValue), \(row.rule.rawValue), \(row.note), \(row.idempotencyKey), \(row.createdAt), \(row.decidedAt),
                  \(row.expiresAt), \(row.evidenceVisitor))
                RETURNING id
                """, table: "deal")
        }
        try await db.run("""
            INSERT INTO dealDecision (dealId, status, rule, actor, note, decidedAt)
            VALUES (\(id), \(row.status.rawValue), \(row.rule.rawValue), \(actor), \(note), \(now))
            """)
        let stored = try await Self.deal(id, db)
        guard let type else { return stored }
        var object = stored.payload
        object["partner"] = stored.partner
        try await enqueue(type: type, object: ["deal": object], now: now, db)
        return stored
    }

    /// Writes a deal's CRM outcome columns (`DealOutcome`).
    static func saveOutcome(_ row: DealRecord, _ db: PostgresDB) async throws {
        try await db.run("""
            UPDATE deal SET crmId = \(row.crmId), outcomeStage = \(row.outcomeStage?.rawValue), outcomeMinor = \(row.outcomeMinor),
              outcomeCurrency = \(row.outcomeCurrency), closeDate = \(row.closeDate), outcomeAt = \(row.outcomeAt) WHERE id = \(row.id)
            """)
    }

    /// Writes an outbox row inside the caller's transaction.
    static func enqueue(type: String, object: [String: Any], now: Date, _ db: PostgresDB) async throws {
        let row = try AppDatabase.OutboxRow.new(type: type, object: object, now: now)
        try await db.run("""
            INSERT INTO outbox (eventKey, type, payload, status, attempts, nextAttemptAt, createdAt)
            VALUES (\(row.eventKey), \(row.type), \(row.payload), \(row.status.rawValue), 0, \(row.nextAttemptAt), \(row.createdAt))
            """)
    }
}
