import CobrandCore
import Foundation
import PostgresNIO

/// The roster, kits, secrets, sign-ins, partners' own changes and what the portal and console read, on
/// PostgreSQL. Sessions and tokens live in the database, so a sign-in on one node holds on every node.
extension PostgresStore {
    // MARK: Roster, kits and secrets

    /// Two nodes asking at once both get the value the first stored.
    public func secret(_ name: String, generate: () -> Data) async throws -> Data {
        let candidate = generate()
        return try await write { db in
            try await db.run("INSERT INTO setting (key, value) VALUES (\(name), \(candidate)) ON CONFLICT (key) DO NOTHING")
            guard let value = try await db.value(Data.self, "SELECT value FROM setting WHERE key = \(name)") else {
                throw StoredValueError(table: "setting", column: "value", value: name)
            }
            return value
        }
    }

    public func sync(partners: [Partner], now: Date) async throws {
        try await write { db in try await Self.sync(partners: partners, now: now, db) }
    }

    static func sync(partners: [Partner], now: Date, _ db: PostgresDB) async throws {
        try await db.lock("roster")
        let ids = partners.map(\.id)
        try await db.run("DELETE FROM partner WHERE NOT (id = ANY(\(ids)))")
        try await db.run("""
            UPDATE accessToken SET revokedAt = \(now) WHERE role = \(AppDatabase.Role.partner.rawValue) AND revokedAt IS NULL AND NOT (coalesce(partner, '') = ANY(\(ids)))
            """)
        try await db.run("DELETE FROM session WHERE role = \(AppDatabase.Role.partner.rawValue) AND NOT (partner = ANY(\(ids)))")
        try await db.run("""
            INSERT INTO partner (id, name, locales)
            SELECT * FROM unnest(\(ids)::text[], \(partners.map(\.name))::text[],
                                 \(partners.map { $0.locales.map(\.identifier).joined(separator: ";") })::text[])
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, locales = EXCLUDED.locales
            """)
    }

    /// As on SQLite (`KitSync`), under the `kits` lock: syncs from several nodes and build machines (publishes,
    /// builds, shards) apply one after the other.
    public func sync(kits: [AppDatabase.Kit], partner: String?) async throws {
        try await write { db in
            try await db.lock("kits")
            let stored = try await db.all(AppDatabase.Kit.self, "SELECT * FROM kit WHERE \(partner)::text IS NULL OR partner = \(partner)")
            try await Self.apply(KitSync(kits: kits, stored: stored, partner: partner), db)
        }
    }

    public func sync(kits: [AppDatabase.Kit], shard: Shard, build: String?, partners: [Partner], now: Date) async throws -> FleetProgress {
        try await write { db in
            try await db.lock("kits")
            let plan = KitSync(kits: kits, stored: try await db.all(AppDatabase.Kit.self, "SELECT * FROM kit"), shard: shard, roster: partners)
            try await Self.apply(plan, db)
            guard let build else { return FleetProgress(reported: 1, shards: shard.count, finished: false) }
            try await db.lock("fleet:\(build)")
            let reported = try await Self.shards(build: build, db)
            let finished = try FleetBuild.report(shard, build: build, reported: reported)
            try await db.run("""
                INSERT INTO fleetShard (build, shard, shards, kits, reportedAt) VALUES (\(build), \(shard.index), \(shard.count), \(plan.saved.count), \(now))
                """)
            guard finished else { return FleetProgress(reported: reported.count + 1, shards: shard.count, finished: false) }
            let dropped = KitSync.dropped(try await db.all(AppDatabase.Kit.self, "SELECT * FROM kit"), roster: partners).map(\.dir)
            if !dropped.isEmpty { try await db.run("DELETE FROM kit WHERE dir = ANY(\(dropped))") }
            try await Self.sync(partners: partners, now: now, db)
            return FleetProgress(reported: shard.count, shards: shard.count, finished: true)
        }
    }

    public func shards(build: String) async throws -> [Shard] { try await read { db in try await Self.shards(build: build, db) } }

    static func shards(build: String, _ db: PostgresDB) async throws -> [Shard] {
        try await db.connection.query("SELECT shard, shards FROM fleetShard WHERE build = \(build) ORDER BY shard", logger: db.logger).collect()
            .map { row in try row.decode((Int, Int).self) }.compactMap { Shard(index: $0.0, count: $0.1) }
    }

    public func kits() async throws -> [AppDatabase.Kit] {
        try await read { db in try await db.all(AppDatabase.Kit.self, "SELECT * FROM kit ORDER BY dir COLLATE \"C\"") }
    }

    /// Deletes and upserts what `sync` says, one statement each (of arrays).
    static func apply(_ sync: KitSync, _ db: PostgresDB) async throws {
        if !sync.removed.isEmpty { try await db.run("DELETE FROM kit WHERE dir = ANY(\(sync.removed.map(\.dir)))") }
        let changed = sync.saved
        guard !changed.isEmpty else { return }
        try await db.run("""
            INSERT INTO kit (dir, campaign, partner, locale, bundle, sha256, files, bytes, builtAt)
            SELECT * FROM unnest(\(changed.map(\.dir))::text[], \(changed.map(\.campaign))::text[], \(changed.map(\.partner))::text[],
                                 \(changed.map(\.locale))::text[], \(changed.map(\.bundle))::text[], \(changed.map(\.sha256))::text[],
                                 \(changed.map(\.files))::int[], \(changed.map(\.bytes))::bigint[], \(changed.map(\.builtAt))::timestamptz[])
            ON CONFLICT (dir) DO UPDATE SET campaign = EXCLUDED.campaign, partner = EXCLUDED.partner, locale = EXCLUDED.locale,
              bundle = EXCLUDED.bundle, sha256 = EXCLUDED.sha256, files = EXCLUDED.files, bytes = EXCLUDED.bytes, builtAt = EXCLUDED.builtAt
            """)
    }

    public func kits(partner: String) async throws -> [AppDatabase.Kit] {
        try await read { db in try await db.all(AppDatabase.Kit.self, "SELECT * FROM kit WHERE partner = \(partner) ORDER BY campaign COLLATE \"C\", locale COLLATE \"C\"") }
    }

    public func kit(partner: String, campaign: String, locale: String) async throws -> AppDatabase.Kit? {
        try await read { db in
            try await db.one(AppDatabase.Kit.self, "SELECT * FROM kit WHERE partner = \(partner) AND campaign = \(campaign) AND locale = \(locale)")
        }
    }

    public func partner(_ id: String) async throws -> (name: String, locales: [String])? {
        try await read { db in
            try await db.one(PartnerRecord.self, "SELECT * FROM partner WHERE id = \(id)").map { ($0.name, $0.locales.split(separator: ";").map(String.init)) }
        }
    }

    // MARK: Sessions and tokens

    public func startSession<R: RandomNumberGenerator>(for grant: AppDatabase.Grant, now: Date, lifetime: TimeInterval,
                                                        using random: inout R) async throws -> String {
        let id = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }))
        try await write { db in
            try await db.run("DELETE FROM session WHERE expiresAt <= \(now)")
            try await db.run("""
                INSERT INTO session (idHash, partner, expiresAt, role)
                VALUES (\(Checksum.sha256(Data(id.utf8))), \(grant.partner ?? ""), \(now.addingTimeInterval(lifetime)), \(grant.role.rawValue))
                """)
        }
        return id
    }

    public func startSession<R: RandomNumberGenerator>(partner: String, now: Date, lifetime: TimeInterval, using random: inout R) async throws -> String {
        try await startSession(for: AppDatabase.Grant(role: .partner, partner: partner), now: now, lifetime: lifetime, using: &random)
    }

    public func session(_ id: String, now: Date) async throws -> AppDatabase.Grant? {
        try await read { db in
            try await db.one(SessionRecord.self, "SELECT * FROM session WHERE idHash = \(Checksum.sha256(Data(id.utf8))) AND expiresAt > \(now)")
                .map { AppDatabase.Grant(role: $0.role, partner: $0.role == .partner ? $0.partner : nil) }
        }
    }

    public func sessionPartner(_ id: String, now: Date) async throws -> String? {
        guard let grant = try await session(id, now: now), grant.role == .partner else { return nil }
        return grant.partner
    }

    public func endSession(_ id: String) async throws {
        try await write { db in try await db.run("DELETE FROM session WHERE idHash = \(Checksum.sha256(Data(id.utf8)))") }
    }

    public func issueToken<R: RandomNumberGenerator>(role: AppDatabase.Role, partner: String?, now: Date, using random: inout R) async throws -> String {
        let token = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }))
        try await write { db in
            try await db.run("""
                INSERT INTO accessToken (role, partner, tokenHash, createdAt) VALUES (\(role.rawValue), \(partner), \(Checksum.sha256(Data(token.utf8))), \(now))
                """)
        }
        return token
    }

    public func grant(for token: String) async throws -> AppDatabase.Grant? {
        try await read { db in
            try await db.one(AccessTokenRecord.self, """
                SELECT * FROM accessToken WHERE tokenHash = \(Checksum.sha256(Data(token.utf8))) AND revokedAt IS NULL
                """).map { AppDatabase.Grant(role: $0.role, partner: $0.partner) }
        }
    }

    @discardableResult
    public func revokeTokens(role: AppDatabase.Role, partner: String?, now: Date) async throws -> Int {
        try await write { db in
            let revoked = try await db.run("""
                UPDATE accessToken SET revokedAt = \(now) WHERE revokedAt IS NULL AND role = \(role.rawValue) AND partner IS NOT DISTINCT FROM \(partner)
                RETURNING 1
                """)
            try await db.run("DELETE FROM session WHERE role = \(role.rawValue) AND partner = \(partner ?? "")")
            return revoked
        }
    }

    // MARK: Rate limits

    /// The bucket's row is created or locked by one statement, so two nodes never spend the same token.
    /// Buckets untouched for a day are full again and are dropped a few at a time, skipping any in use.
    public func allow(_ key: String, limit: Int, period: TimeInterval, now: Date) async throws -> Bool {
        try await write { db in
            let full = RateLimiter.Bucket.full(limit: limit, now: now)
            guard let row = try await db.connection.query("""
                INSERT INTO rateBucket (key, tokens, at) VALUES (\(key), \(full.tokens), \(full.at))
                ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING tokens, at
                """, logger: db.logger).collect().first else { return false }
            let (tokens, at) = try row.decode((Double, Date).self)
            let (bucket, allowed) = RateLimiter.Bucket(tokens: tokens, at: at).take(limit: limit, period: period, now: now)
            try await db.run("UPDATE rateBucket SET tokens = \(bucket.tokens), at = \(bucket.at) WHERE key = \(key)")
            try await db.run("""
                DELETE FROM rateBucket WHERE key IN (
                  SELECT key FROM rateBucket WHERE at < \(now.addingTimeInterval(-max(period, 86_400))) LIMIT 100 FOR UPDATE SKIP LOCKED)
                """)
            return allowed
        }
    }

    // MARK: Partners' changes

    @discardableResult
    public func saveChanges(partner: String, _ changes: [AppDatabase.ChangeRequest], actor: String, now: Date) async throws -> [AppDatabase.FieldChange] {
        try await write { db in
            try await db.lock("changes:\(partner)")
            var saved: [AppDatabase.FieldChange] = []
            for change in changes {
                try await db.run("""
                    UPDATE partnerChange SET status = \(ChangeStatus.withdrawn.rawValue), decidedBy = \(actor), decidedAt = \(now)
                    WHERE partner = \(partner) AND campaign = \(change.campaign) AND locale = \(change.locale) AND field = \(change.field) AND status = \(ChangeStatus.pending.rawValue)
                    """)
                guard let status = ChangeWorkflow.start(needsApproval: change.needsApproval, oldValue: change.oldValue, newValue: change.newValue)
                else { continue }
                var row = AppDatabase.FieldChange(partner: partner, campaign: change.campaign, locale: change.locale, field: change.field,
                                                  oldValue: change.oldValue, newValue: change.newValue, status: status, actor: actor, createdAt: now)
                row.rowID = try await db.insertedID("""
                    INSERT INTO partnerChange (partner, campaign, locale, field, oldValue, newValue, status, actor, createdAt)
                    VALUES (\(partner), \(change.campaign), \(change.locale), \(change.field), \(change.oldValue), \(change.newValue), \(status.rawValue),
                      \(actor), \(now))
                    RETURNING id
                    """, table: "partnerChange")
                if status.takesEffect { try await Self.setOverride(row, now: now, db) }
                saved.append(row)
            }
            return saved
        }
    }

    public func decide(change id: Int64, approve: Bool, by actor: String, note: String?, now: Date) async throws -> AppDatabase.FieldChange {
        try await write { db in
            var change = try await Self.change(id, db, forUpdate: true)
            change.status = try ChangeWorkflow.decide(id, status: change.status, approve: approve)
            change.decidedBy = actor
            change.decidedAt = now
            change.note = note
            try await db.run("""
                UPDATE partnerChange SET status = \(change.status.rawValue), decidedBy = \(actor), decidedAt = \(now), note = \(note) WHERE id = \(id)
                """)
            if change.status.takesEffect { try await Self.setOverride(change, now: now, db) }
            return change
        }
    }

    static func setOverride(_ change: AppDatabase.FieldChange, now: Date, _ db: PostgresDB) async throws {
        try await db.run("""
            INSERT INTO partnerOverride (partner, campaign, locale, field, value, changeId, updatedAt)
            VALUES (\(change.partner), \(change.campaign), \(change.locale), \(change.field), \(change.newValue), \(change.id), \(now))
            ON CONFLICT (partner, campaign, locale, field) DO UPDATE SET value = EXCLUDED.value, changeId = EXCLUDED.changeId,
              updatedAt = EXCLUDED.updatedAt
            """)
    }

    public func changes(partner: String?, status: ChangeStatus?) async throws -> [AppDatabase.FieldChange] {
        try await read { db in
            try await db.all(AppDatabase.FieldChange.self, """
                SELECT * FROM partnerChange WHERE (\(partner)::text IS NULL OR partner = \(partner))
                  AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY id
                """)
        }
    }

    public func change(_ id: Int64) async throws -> AppDatabase.FieldChange { try await read { db in try await Self.change(id, db) } }

    static func change(_ id: Int64, _ db: PostgresDB, forUpdate: Bool = false) async throws -> AppDatabase.FieldChange {
        guard let change = try await db.one(AppDatabase.FieldChange.self, """
            SELECT * FROM partnerChange WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """) else { throw ChangeError.notFound(id) }
        return change
    }

    public func overrides(partner: String?, pending: Bool) async throws -> [String: PartnerOverrides] {
        try await read { db in
            var layer = OverrideLayer()
            for row in try await db.all(OverrideRecord.self, "SELECT * FROM partnerOverride WHERE \(partner)::text IS NULL OR partner = \(partner)") {
                layer.add(partner: row.partner, campaign: row.campaign, locale: row.locale, field: row.field, value: row.value)
            }
            if pending {
                for change in try await db.all(AppDatabase.FieldChange.self, """
                    SELECT * FROM partnerChange WHERE status = \(ChangeStatus.pending.rawValue) AND (\(partner)::text IS NULL OR partner = \(partner)) ORDER BY id
                    """) {
                    layer.add(partner: change.partner, campaign: change.campaign, locale: change.locale, field: change.field, value: change.newValue)
                }
            }
            return layer.partners
        }
    }

    // MARK: Portal and console

    public func noteVisit(partner: String, now: Date) async throws {
        try await write { db in
            try await db.run("""
                INSERT INTO partnerVisit (partner, lastAt, previousAt) VALUES (\(partner), \(now), NULL)
                ON CONFLICT (partner) DO UPDATE SET previousAt = partnerVisit.lastAt, lastAt = EXCLUDED.lastAt
                """)
        }
    }

    public func visits(partner: String) async throws -> (previous: Date?, last: Date?) {
        try await read { db in
            let visit = try await db.one(VisitRecord.self, "SELECT * FROM partnerVisit WHERE partner = \(partner)")
            return (visit?.previousAt, visit?.lastAt)
        }
    }

    public func leadAssets(partner: String) async throws -> [Int64: String] {
        try await read { db in
            var assets: [Int64: String] = [:]
            for row in try await db.connection.query("""
                SELECT DISTINCT ON (leadId) leadId, asset FROM leadSubmission WHERE partner = \(partner) ORDER BY leadId, id
                """, logger: db.logger).collect() {
                let (lead, asset) = try row.decode((Int64, String?).self)
                if let asset { assets[lead] = asset }
            }
            return assets
        }
    }

    public func performanceFacts(partner: String, from: Date, until: Date) async throws
        -> (leads: [(campaign: String, locale: String)], deals: [Performance.Deal]) {
        try await read { db in
            let leads = try await db.connection.query("""
                SELECT campaign, locale FROM lead WHERE partner = \(partner) AND createdAt >= \(from) AND createdAt < \(until)
                """, logger: db.logger).collect().map { row in
                let (campaign, locale) = try row.decode((String, String).self)
                return (campaign: campaign, locale: locale)
            }
            let deals = try await db.connection.query("""
                SELECT lead.campaign, lead.locale, deal.status, deal.valueMinor, deal.currency
                FROM deal LEFT JOIN lead ON lead.id = deal.leadId
                WHERE deal.partner = \(partner) AND deal.createdAt >= \(from) AND deal.createdAt < \(until)
                """, logger: db.logger).collect().map { row in
                let (campaign, locale, status, value, currency) = try row.decode((String?, String?, String, Int64, String).self)
                guard let known = DealStatus(rawValue: status) else { throw StoredValueError(table: "deal", column: "status", value: status) }
                return Performance.Deal(campaign: campaign, locale: locale, status: known, value: Money(amountMinor: value, currency: currency))
            }
            return (leads, deals)
        }
    }

    public func partnerOverview(search: String?) async throws -> [AppDatabase.PartnerOverview] {
        try await read { db in
            try await db.all(AppDatabase.PartnerOverview.self, """
                SELECT p.id, p.name,
                       (SELECT count(*) FROM kit WHERE kit.partner = p.id)::bigint AS kits,
                       (SELECT max(occurredAt) FROM event WHERE event.partner = p.id) AS lastEvent,
                       (SELECT lastAt FROM partnerVisit WHERE partnerVisit.partner = p.id) AS lastVisit,
                       (SELECT count(*) FROM accessToken t WHERE t.role = \(AppDatabase.Role.partner.rawValue) AND t.partner = p.id AND t.revokedAt IS NULL)::bigint AS liveTokens
                FROM partner p
                WHERE \(search)::text IS NULL OR strpos(lower(p.id), lower(\(search))) > 0 OR strpos(lower(p.name), lower(\(search))) > 0
                ORDER BY p.id COLLATE "C"
                """)
        }
    }

    public func periods() async throws -> [String] {
        try await read { db in
            try await db.column(String.self, "SELECT period FROM mdfAllocation GROUP BY period ORDER BY max(start) DESC, period COLLATE \"C\"")
        }
    }

    public func usage(from: Date, until: Date, partner: String?) async throws -> [AppDatabase.UsageRow] {
        try await read { db in
            try await db.all(AppDatabase.UsageRow.self, """
                SELECT partner, campaign, asset, locale,
                       count(*) FILTER (WHERE kind = \(AssetEvent.Kind.open.rawValue))::bigint AS opens, count(*) FILTER (WHERE kind = \(AssetEvent.Kind.click.rawValue))::bigint AS clicks,
                       count(*) FILTER (WHERE kind = \(AssetEvent.Kind.view.rawValue))::bigint AS views, count(*) FILTER (WHERE kind = \(AssetEvent.Kind.download.rawValue))::bigint AS downloads,
                       count(DISTINCT ipHash)::bigint AS visitors
                FROM event
                WHERE occurredAt >= \(from) AND occurredAt < \(until) AND (\(partner)::text IS NULL OR partner = \(partner))
                GROUP BY partner, campaign, asset, locale
                ORDER BY partner COLLATE "C", campaign COLLATE "C", asset COLLATE "C", locale COLLATE "C"
                """)
        }
    }
}
