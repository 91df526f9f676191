import CobrandCore
import Foundation
import PostgresNIO

/// Leads, tracked events, suppression and the CRM outbox on PostgreSQL.
extension PostgresStore {
    // MARK: Leads

    /// Two nodes taking the same person's first form at once both land on one lead: the insert that loses the
    /// unique key returns nothing and reads the winner's row.
    @discardableResult
    public func record(_ lead: Lead, ipHash: String, signed: Bool, now: Date) async throws -> (id: Int64, created: Bool) {
        try await write { db in
            let row = LeadRecord(lead, now: now)
            let inserted = try await db.value(Int64.self, """
                INSERT INTO lead (partner, email, firstName, lastName, company, companyDomain, country, phone, website, consent, consentVersion,
                  consentAt, campaign, source, locale, createdAt, updatedAt)
                VALUES (\(row.partner), \(row.email), \(row.firstName), \(row.lastName), \(row.company), \(row.companyDomain), \(row.country),
                  \(row.phone), \(row.website), \(row.consent), \(row.consentVersion), \(row.consentAt), \(row.campaign), \(row.source), \(row.locale),
                  \(row.createdAt), \(row.updatedAt))
                ON CONFLICT (partner, email) DO NOTHING RETURNING id
                """)
            let id: Int64
            if let inserted { id = inserted } else {
                id = try await db.insertedID("SELECT id FROM lead WHERE partner = \(row.partner) AND email = \(row.email)", table: "lead")
            }
            try await db.run("""
                INSERT INTO leadSubmission (leadId, partner, campaign, asset, locale, source, ipHash, signed, submittedAt)
                VALUES (\(id), \(lead.partner), \(lead.campaign), \(lead.asset), \(lead.locale), \(lead.source), \(ipHash), \(signed), \(now))
                """)
            guard let stored = try await Self.leads(id: id, partner: nil, db).first else { throw DealError.leadNotFound(id) }
            try await Self.enqueue(type: inserted != nil ? "lead.created" : "lead.updated",
                                   object: ["lead": AppDatabase.payload(stored, asset: lead.asset)], now: now, db)
            return (id, inserted != nil)
        }
    }

    public func leads(partner: String?) async throws -> [AppDatabase.StoredLead] {
        try await read { db in try await Self.leads(id: nil, partner: partner, db) }
    }

    /// Leads with their count of submissions, newest first.
    static func leads(id: Int64?, partner: String?, _ db: PostgresDB) async throws -> [AppDatabase.StoredLead] {
        try await db.all(AppDatabase.StoredLead.self, """
            SELECT lead.*, (SELECT count(*) FROM leadSubmission s WHERE s.leadId = lead.id)::bigint AS submissions FROM lead
            WHERE (\(id)::bigint IS NULL OR id = \(id)) AND (\(partner)::text IS NULL OR partner = \(partner))
            ORDER BY createdAt DESC, id DESC
            """)
    }

    // MARK: Events

    /// The event writer's batches, as statements of arrays: `eventBatch` rows a round trip.
    func insert(_ events: [AssetEvent], _ db: PostgresDB) async throws {
        for start in stride(from: 0, to: events.count, by: eventBatch) {
            try await Self.insert(events[start..<min(events.count, start + eventBatch)], db)
        }
    }

    static func insert(_ events: ArraySlice<AssetEvent>, _ db: PostgresDB) async throws {
        try await db.run("""
            INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
            SELECT kind, partner, campaign, asset, locale, CASE WHEN hasTarget THEN target END, occurredAt, ipHash, agentClass
            FROM unnest(\(events.map(\.kind.rawValue))::text[], \(events.map(\.partner))::text[], \(events.map(\.campaign))::text[],
                        \(events.map(\.asset))::text[], \(events.map(\.locale))::text[], \(events.map { $0.target ?? "" })::text[],
                        \(events.map { $0.target != nil })::bool[], \(events.map(\.occurredAt))::timestamptz[], \(events.map(\.ipHash))::text[],
                        \(events.map(\.agentClass))::text[])
              AS batch (kind, partner, campaign, asset, locale, target, hasTarget, occurredAt, ipHash, agentClass)
            """)
    }

    public func insertEvents(_ events: [AssetEvent]) async throws {
        try await write { db in try await insert(events, db) }
    }

    public func insertEvents(_ events: [AssetEvent], spoolSegment: String, now: Date) async throws -> Bool {
        try await write { db in
            let fresh = try await db.run("""
                INSERT INTO eventSpoolSegment (name, replayedAt, events) VALUES (\(spoolSegment), \(now), \(events.count))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """)
            guard fresh == 1 else { return false }
            try await insert(events, db)
            return true
        }
    }

    /// The event writer's flush thread waits here: it is its own thread, not one of the cooperative pool's.
    public func insert(_ events: [AssetEvent]) throws {
        try Self.wait { try await self.insertEvents(events) }
    }

    @discardableResult
    public func insert(_ events: [AssetEvent], spoolSegment: String, now: Date) throws -> Bool {
        try Self.wait { try await self.insertEvents(events, spoolSegment: spoolSegment, now: now) }
    }

    /// Reads the schema's own table: the database answers, and it is this project's, migrated.
    public func ping() async throws {
        try await read { db in try await db.run("SELECT 1 FROM cobrandMigration LIMIT 1") }
    }

    public func eventCount() async throws -> Int {
        try await read { db in try await db.value(Int.self, "SELECT count(*) FROM event") ?? 0 }
    }

    // MARK: Suppression

    @discardableResult
    public func suppress(_ suppression: Suppression, now: Date) async throws -> Bool {
        try await write { db in
            let added = try await db.run("""
                INSERT INTO suppression (partner, address, campaign, source, createdAt)
                VALUES (\(suppression.partner), \(suppression.address.normalized), \(suppression.campaign), \(suppression.source.rawValue), \(now))
                ON CONFLICT (partner, address) DO NOTHING RETURNING 1
                """)
            guard added == 1 else { return false }
            try await Self.enqueue(type: "unsubscribe", object: ["unsubscribe": [
                "partner": suppression.partner, "email": suppression.address.normalized, "campaign": suppression.campaign,
                "source": suppression.source.rawValue,
            ]], now: now, db)
            return true
        }
    }

    public func suppressions(partner: String?) async throws -> [AppDatabase.SuppressedAddress] {
        try await read { db in
            try await db.all(AppDatabase.SuppressedAddress.self, """
                SELECT partner, address, campaign, source, createdAt FROM suppression WHERE (\(partner)::text IS NULL OR partner = \(partner))
                ORDER BY partner COLLATE "C", createdAt, address COLLATE "C"
                """)
        }
    }

    // MARK: Outbox

    /// The oldest pending rows, up to the first still backing off, as on SQLite. Nodes deliver one at a time
    /// under the `outbox` lock (`OutboxDeliverer`), so rows stay in order.
    public func dueOutbox(now: Date, limit: Int) async throws -> [AppDatabase.OutboxRow] {
        try await read { db in
            try await db.all(AppDatabase.OutboxRow.self, """
                SELECT * FROM outbox WHERE status = \(AppDatabase.OutboxRow.Status.pending.rawValue) ORDER BY id LIMIT \(limit)
                """).prefix { $0.nextAttemptAt <= now }.map { $0 }
        }
    }

    public func markDelivered(_ id: Int64, now: Date) async throws {
        try await write { db in
            try await db.run("""
                UPDATE outbox SET status = \(AppDatabase.OutboxRow.Status.delivered.rawValue), attempts = attempts + 1, deliveredAt = \(now), lastError = NULL
                WHERE id = \(id) AND status = \(AppDatabase.OutboxRow.Status.pending.rawValue)
                """)
        }
    }

    public func markFailed(_ id: Int64, error: String, dead: Bool, retryAt: Date) async throws {
        try await write { db in
            try await db.run("""
                UPDATE outbox SET attempts = attempts + 1, lastError = \(String(error.prefix(500))),
                  status = \(dead ? AppDatabase.OutboxRow.Status.dead.rawValue : AppDatabase.OutboxRow.Status.pending.rawValue), nextAttemptAt = \(retryAt)
                WHERE id = \(id) AND status = \(AppDatabase.OutboxRow.Status.pending.rawValue)
                """)
        }
    }

    @discardableResult
    public func retryDead(ids: [Int64]?, now: Date) async throws -> Int {
        try await write { db in
            try await db.run("""
                UPDATE outbox SET status = \(AppDatabase.OutboxRow.Status.pending.rawValue), attempts = 0, nextAttemptAt = \(now)
                WHERE status = \(AppDatabase.OutboxRow.Status.dead.rawValue) AND (\(ids == nil) OR id = ANY(\(ids ?? []))) RETURNING 1
                """)
        }
    }

    public func outboxCounts() async throws -> [AppDatabase.OutboxRow.Status: Int] {
        try await read { db in
            var counts = Dictionary(uniqueKeysWithValues: AppDatabase.OutboxRow.Status.allCases.map { ($0, 0) })
            for row in try await db.connection.query("SELECT status, count(*)::bigint FROM outbox GROUP BY status", logger: db.logger).collect() {
                let (status, count) = try row.decode((String, Int).self)
                guard let known = AppDatabase.OutboxRow.Status(rawValue: status) else {
                    throw StoredValueError(table: "outbox", column: "status", value: status)
                }
                counts[known] = count
            }
            return counts
        }
    }

    public func outbox(status: AppDatabase.OutboxRow.Status?) async throws -> [AppDatabase.OutboxRow] {
        try await read { db in
            try await db.all(AppDatabase.OutboxRow.self, """
                SELECT * FROM outbox WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY id
                """)
        }
    }

    public func outbox(status: AppDatabase.OutboxRow.Status?, newest: Int) async throws -> [AppDatabase.OutboxRow] {
        try await read { db in
            try await db.all(AppDatabase.OutboxRow.self, """
                SELECT * FROM outbox WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY id DESC LIMIT \(newest)
                """)
        }
    }
}
