import CobrandCore
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// The database: schema, migrations and the queries Cobrand needs. Takes any `DatabaseWriter`:
/// a WAL `DatabasePool` on disk (`open(path:)`), an in-memory `DatabaseQueue` in tests.
public struct AppDatabase: Sendable {
    /// Only the store reaches the connection: callers go through `Store`.
    let writer: any DatabaseWriter
    /// Rate-limit buckets by limit and period: one process, so memory is enough (and no write per request).
    private let limiters = NIOLockedValueBox<[String: RateLimiter]>([:])

    public enum StoreError: Error, Equatable, CustomStringConvertible {
        /// The file was migrated by a newer Cobrand than this one.
        case newerSchema(path: String, unknown: [String])
        /// A backup whose MDF audit chain does not verify (the source is damaged): not kept.
        case brokenBackup(id: Int64, reason: String)

        public var description: String {
            switch self {
            case let .newerSchema(path, unknown):
                return "\(path) was written by a newer cobrand (schema \(unknown.joined(separator: ", ")) is unknown here); upgrade cobrand, or use another --db"
            case let .brokenBackup(id, reason):
                return "the backup was not kept: its MDF audit chain breaks at entry \(id) (\(reason)); run cobrand mdf audit verify on --db and restore it from an earlier backup"
            }
        }
    }

    /// Opens (creating if needed) and migrates `writer`; refuses a database from a newer version.
    public init(_ writer: any DatabaseWriter, path: String = ":memory:") throws {
        self.writer = writer
        let migrator = Self.migrator
        let unknown = try writer.read { db in try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) }
        guard unknown.isEmpty else { throw StoreError.newerSchema(path: path, unknown: unknown.sorted()) }
        try migrator.migrate(writer)
    }

    /// A file database in WAL mode, so readers never wait for the event writer.
    public static func open(path: String) throws -> AppDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // A bigger page cache than SQLite's 2 MB default: the event table's index pages stay in memory
            // instead of being re-read on every flush.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return try AppDatabase(DatabasePool(path: path, configuration: configuration), path: path)
    }

    /// Versioned migrations, applied in order on open. Never edit a shipped one: add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .blob).notNull()
            }
            try db.create(table: "partner") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("locales", .text).notNull()
            }
            try db.create(table: "kit") { t in
                t.primaryKey("dir", .text)
                t.column("campaign", .text).notNull()
                t.column("partner", .text).notNull().indexed()
                t.column("locale", .text).notNull()
                t.column("bundle", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("files", .integer).notNull()
                t.column("bytes", .integer).notNull()
                t.column("builtAt", .datetime).notNull()
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull().check { ["open", "click", "view", "download"].contains($0) }
                t.column("partner", .text).notNull()
                t.column("campaign", .text).notNull()
                t.column("asset", .text).notNull()
                t.column("locale", .text).notNull()
                t.column("target", .text)
                t.column("occurredAt", .datetime).notNull()
                t.column("ipHash", .text).notNull()
                t.column("agentClass", .text).notNull()
            }
            try db.create(index: "event_partner_time", on: "event", columns: ["partner", "occurredAt"])
            try db.create(table: "accessToken") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("role", .text).notNull().check { ["partner", "admin"].contains($0) }
                t.column("partner", .text)
                t.column("tokenHash", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
            }
        }
        migrator.registerMigration("v2-sessions") { db in
            // Portal sign-ins: like tokens, only a hash of the session id is stored.
            try db.create(table: "session") { t in
                t.primaryKey("idHash", .text)
                t.column("partner", .text).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3-session-roles") { db in
            // Admin pages sign in like the portal; an admin session has no partner ('').
            try db.alter(table: "session") { t in
                t.add(column: "role", .text).notNull().defaults(to: "partner")
            }
        }
        migrator.registerMigration("v4-leads") { db in
            try db.create(table: "lead") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("partner", .text).notNull()
                t.column("email", .text).notNull()  // normalised: one lead per person per partner
                t.column("firstName", .text)
                t.column("lastName", .text)
                t.column("company", .text)
                t.column("companyDomain", .text)
                t.column("country", .text)
                t.column("phone", .text)
                t.column("website", .text)
                t.column("consent", .boolean).notNull()
                t.column("consentVersion", .text)
                t.column("consentAt", .datetime)
                t.column("campaign", .text).notNull()  // of the latest submission
                t.column("source", .text).notNull()
                t.column("locale", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["partner", "email"])
            }
            try db.create(index: "lead_domain", on: "lead", columns: ["companyDomain"])
            try db.create(table: "leadSubmission") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead")
                t.column("partner", .text).notNull()
                t.column("campaign", .text).notNull()
                t.column("asset", .text)
                t.column("locale", .text).notNull()
                t.column("source", .text).notNull()
                t.column("ipHash", .text).notNull()
                t.column("submittedAt", .datetime).notNull()
            }
            try db.create(index: "leadSubmission_campaign", on: "leadSubmission", columns: ["partner", "campaign", "submittedAt"])
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("eventKey", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("payload", .text).notNull()
                t.column("status", .text).notNull().check { ["pending", "delivered", "dead"].contains($0) }
                t.column("attempts", .integer).notNull()
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("deliveredAt", .datetime)
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["status", "nextAttemptAt"])
        }
        migrator.registerMigration("v5-deals") { db in
            try db.create(table: "deal") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("partner", .text).notNull()
                t.column("domain", .text).notNull()  // registrable: emea.acme.com is acme.com
                t.column("accountName", .text).notNull()
                t.column("valueMinor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("products", .text).notNull()
                t.column("expectedClose", .text).notNull()
                t.column("leadId", .integer)
                t.column("status", .text).notNull().check { DealStatus.allCases.map(\.rawValue).contains($0) }
                t.column("rule", .text).notNull()
                t.column("note", .text)
                t.column("idempotencyKey", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("decidedAt", .datetime).notNull()
                t.column("expiresAt", .datetime)
                t.uniqueKey(["partner", "idempotencyKey"])
            }
            try db.create(index: "deal_domain", on: "deal", columns: ["domain", "status"])
            try db.create(table: "dealDecision") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dealId", .integer).notNull().references("deal")
                t.column("status", .text).notNull()
                t.column("rule", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("note", .text)
                t.column("decidedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6-mdf-allocations") { db in
            try db.create(table: "mdfAllocation") { t in
                t.column("partner", .text).notNull()
                t.column("period", .text).notNull()
                t.column("start", .text).notNull()
                t.column("end", .text).notNull()
                t.column("amountMinor", .integer).notNull().check { $0 >= 0 }
                t.column("currency", .text).notNull()
                t.column("deadline", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["partner", "period"])
            }
            // Append-only and hash-chained (AuditChain); ids are assigned by the writer so they are in the hash.
            try db.create(table: "mdfAudit") { t in
                t.primaryKey("id", .integer)
                t.column("at", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("previous", .text).notNull()
                t.column("hash", .text).notNull()
            }
        }
        migrator.registerMigration("v7-mdf-claims") { db in
            try db.create(table: "mdfClaim") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("partner", .text).notNull()
                t.column("period", .text).notNull()
                t.column("campaign", .text).notNull()
                t.column("activity", .text).notNull()
                t.column("activityStart", .text).notNull()
                t.column("activityEnd", .text).notNull()
                t.column("amountMinor", .integer).notNull().check { $0 > 0 }
                t.column("currency", .text).notNull()
                t.column("invoice", .text).notNull()
                t.column("results", .text).notNull()  // JSON object of counts
                t.column("status", .text).notNull().check { ["submitted", "approved", "partial", "review", "rejected"].contains($0) }
                t.column("approvedMinor", .integer)
                t.column("reasons", .text)  // JSON array of the decision's reasons
                t.column("overrideNote", .text)
                t.column("idempotencyKey", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("decidedAt", .datetime)
                t.uniqueKey(["partner", "idempotencyKey"])
            }
            try db.create(index: "mdfClaim_period", on: "mdfClaim", columns: ["period", "partner"])
            try db.create(table: "mdfProof") { t in
                t.column("claimId", .integer).notNull().references("mdfClaim")
                t.column("name", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("size", .integer).notNull()
            }
        }
        migrator.registerMigration("v8-mdf-payments") { db in
            try db.alter(table: "mdfClaim") { t in
                t.add(column: "paidAt", .datetime)
                t.add(column: "paymentReference", .text)
            }
        }
        migrator.registerMigration("v9-partner-overrides") { db in
            // campaign '' is the partner's profile (roster columns); locale '' means every locale.
            try db.execute(sql: """
                CREATE TABLE partnerOverride (
                  partner TEXT NOT NULL, campaign TEXT NOT NULL, locale TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                  changeId INTEGER NOT NULL, updatedAt DATETIME NOT NULL,
                  PRIMARY KEY (partner, campaign, locale, field)
                ) WITHOUT ROWID;
                CREATE TABLE partnerChange (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  partner TEXT NOT NULL, campaign TEXT NOT NULL, locale TEXT NOT NULL, field TEXT NOT NULL,
                  oldValue TEXT, newValue TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('applied', 'pending', 'approved', 'rejected', 'withdrawn')),
                  actor TEXT NOT NULL, createdAt DATETIME NOT NULL, decidedBy TEXT, decidedAt DATETIME, note TEXT
                );
                CREATE INDEX partnerChange_partner ON partnerChange (partner, status);
                CREATE INDEX partnerChange_status ON partnerChange (status);
                """)
        }
        migrator.registerMigration("v10-event-spool") { db in
            // Spool segments already replayed into `event`, written in the same transaction as their events.
            try db.execute(sql: """
                CREATE TABLE eventSpoolSegment (name TEXT PRIMARY KEY, replayedAt DATETIME NOT NULL, events INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v11-tracked-leads") { db in
            // signed: sent through a generated page's form. partnerAddress: the visitor hashes a partner signed
            // in or called the API from. evidenceVisitor: the visitor of the lead an automatic approval rests on.
            try db.execute(sql: """
                ALTER TABLE leadSubmission ADD COLUMN signed BOOLEAN NOT NULL DEFAULT 0;
                CREATE TABLE partnerAddress (
                  partner TEXT NOT NULL, visitor TEXT NOT NULL, firstSeen DATETIME NOT NULL, lastSeen DATETIME NOT NULL,
                  PRIMARY KEY (partner, visitor)
                ) WITHOUT ROWID;
                ALTER TABLE deal ADD COLUMN evidenceVisitor TEXT;
                """)
        }
        migrator.registerMigration("v12-suppression") { db in
            // One row per address a partner must not email again; the first unsubscribe is kept. A partner's
            // portal sign-ins, so the home page can show what changed since the one before.
            try db.execute(sql: """
                CREATE TABLE suppression (
                  partner TEXT NOT NULL, address TEXT NOT NULL, campaign TEXT NOT NULL,
                  source TEXT NOT NULL CHECK (source IN ('one-click', 'page')), createdAt DATETIME NOT NULL,
                  PRIMARY KEY (partner, address)
                ) WITHOUT ROWID;
                CREATE TABLE partnerVisit (partner TEXT PRIMARY KEY NOT NULL, lastAt DATETIME NOT NULL, previousAt DATETIME) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v13-constraints") { db in
            // Foreign keys and CHECKs SQLite can only add by rebuilding a table: copy, drop, rename, re-index.
            // A row that breaks one stops the upgrade (GRDB checks foreign keys before committing), so nothing is half-migrated.
            func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }
            let deals = DealStatus.sqlList(DealStatus.allCases), claims = list(ClaimStatus.allCases.map(\.rawValue))
            let activities = list(ClaimRequest.Activity.allCases.map(\.rawValue)), payable = list(ClaimStatus.approvedAmounts.map(\.rawValue))
            let outbox = list(OutboxRow.Status.allCases.map(\.rawValue)), roles = list(Role.allCases.map(\.rawValue))
            let rules = list(DealRules.Rule.allCases.map(\.rawValue))
            try db.execute(sql: """
                CREATE TABLE new_deal (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, partner TEXT NOT NULL, domain TEXT NOT NULL, accountName TEXT NOT NULL,
                  valueMinor INTEGER NOT NULL CHECK (valueMinor >= 0), currency TEXT NOT NULL CHECK (length(currency) = 3),
                  products TEXT NOT NULL CHECK (json_valid(products)), expectedClose TEXT NOT NULL, leadId INTEGER REFERENCES lead(id),
                  status TEXT NOT NULL CHECK (status IN \(deals)), rule TEXT NOT NULL CHECK (rule IN (\(rules))), note TEXT, idempotencyKey TEXT,
                  createdAt DATETIME NOT NULL, decidedAt DATETIME NOT NULL, expiresAt DATETIME, evidenceVisitor TEXT,
                  UNIQUE (partner, idempotencyKey)
                );
                -- A lead id that names no lead of the deal's partner (earlier versions stored what a request said) is dropped.
                INSERT INTO new_deal SELECT id, partner, domain, accountName, valueMinor, currency, products, expectedClose,
                  CASE WHEN EXISTS (SELECT 1 FROM lead WHERE lead.id = deal.leadId AND lead.partner = deal.partner) THEN leadId END, status, rule,
                  note, idempotencyKey, createdAt, decidedAt, expiresAt, evidenceVisitor FROM deal;
                CREATE TABLE new_dealDecision (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, dealId INTEGER NOT NULL REFERENCES new_deal(id),
                  status TEXT NOT NULL CHECK (status IN \(deals)), rule TEXT NOT NULL CHECK (rule IN (\(rules))), actor TEXT NOT NULL, note TEXT,
                  decidedAt DATETIME NOT NULL
                );
                INSERT INTO new_dealDecision SELECT id, dealId, status, rule, actor, note, decidedAt FROM dealDecision;
                DROP TABLE dealDecision;
                DROP TABLE deal;
                ALTER TABLE new_deal RENAME TO deal;
                ALTER TABLE new_dealDecision RENAME TO dealDecision;
                CREATE INDEX deal_domain ON deal (domain, status);
                CREATE INDEX dealDecision_deal ON dealDecision (dealId);

                CREATE TABLE new_mdfClaim (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, partner TEXT NOT NULL, period TEXT NOT NULL, campaign TEXT NOT NULL,
                  activity TEXT NOT NULL CHECK (activity IN (\(activities))), activityStart TEXT NOT NULL, activityEnd TEXT NOT NULL,
                  amountMinor INTEGER NOT NULL CHECK (amountMinor > 0), currency TEXT NOT NULL CHECK (length(currency) = 3), invoice TEXT NOT NULL,
                  results TEXT NOT NULL CHECK (json_valid(results)), status TEXT NOT NULL CHECK (status IN (\(claims))),
                  approvedMinor INTEGER CHECK (approvedMinor BETWEEN 0 AND amountMinor), reasons TEXT CHECK (reasons IS NULL OR json_valid(reasons)),
                  overrideNote TEXT, idempotencyKey TEXT, createdAt DATETIME NOT NULL, decidedAt DATETIME,
                  paidAt DATETIME CHECK (paidAt IS NULL OR status IN (\(payable))), paymentReference TEXT,
                  UNIQUE (partner, idempotencyKey), CHECK (activityStart <= activityEnd),
                  FOREIGN KEY (partner, period) REFERENCES mdfAllocation (partner, period)
                );
                INSERT INTO new_mdfClaim SELECT id, partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice,
                  results, status, approvedMinor, reasons, overrideNote, idempotencyKey, createdAt, decidedAt, paidAt, paymentReference FROM mdfClaim;
                CREATE TABLE new_mdfProof (
                  claimId INTEGER NOT NULL REFERENCES new_mdfClaim(id), name TEXT NOT NULL, sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                  size INTEGER NOT NULL CHECK (size > 0)
                );
                INSERT INTO new_mdfProof (rowid, claimId, name, sha256, size) SELECT rowid, claimId, name, sha256, size FROM mdfProof;
                DROP TABLE mdfProof;
                DROP TABLE mdfClaim;
                ALTER TABLE new_mdfClaim RENAME TO mdfClaim;
                ALTER TABLE new_mdfProof RENAME TO mdfProof;
                CREATE INDEX mdfClaim_period ON mdfClaim (period, partner);
                CREATE INDEX mdfProof_claim ON mdfProof (claimId);
                CREATE INDEX mdfProof_sha256 ON mdfProof (sha256);

                CREATE TABLE new_partnerOverride (
                  partner TEXT NOT NULL, campaign TEXT NOT NULL, locale TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                  changeId INTEGER NOT NULL REFERENCES partnerChange(id), updatedAt DATETIME NOT NULL,
                  PRIMARY KEY (partner, campaign, locale, field)
                ) WITHOUT ROWID;
                INSERT INTO new_partnerOverride SELECT partner, campaign, locale, field, value, changeId, updatedAt FROM partnerOverride;
                DROP TABLE partnerOverride;
                ALTER TABLE new_partnerOverride RENAME TO partnerOverride;

                CREATE TABLE new_session (
                  idHash TEXT PRIMARY KEY NOT NULL, partner TEXT NOT NULL, expiresAt DATETIME NOT NULL,
                  role TEXT NOT NULL DEFAULT 'partner' CHECK (role IN (\(roles))), CHECK ((role = 'admin') = (partner = ''))
                );
                INSERT INTO new_session SELECT idHash, partner, expiresAt, role FROM session;
                DROP TABLE session;
                ALTER TABLE new_session RENAME TO session;

                CREATE TABLE new_outbox (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, eventKey TEXT NOT NULL UNIQUE, type TEXT NOT NULL, payload TEXT NOT NULL CHECK (json_valid(payload)),
                  status TEXT NOT NULL CHECK (status IN (\(outbox))), attempts INTEGER NOT NULL CHECK (attempts >= 0),
                  nextAttemptAt DATETIME NOT NULL, lastError TEXT, createdAt DATETIME NOT NULL, deliveredAt DATETIME
                );
                INSERT INTO new_outbox SELECT id, eventKey, type, payload, status, attempts, nextAttemptAt, lastError, createdAt, deliveredAt FROM outbox;
                DROP TABLE outbox;
                ALTER TABLE new_outbox RENAME TO outbox;
                CREATE INDEX outbox_due ON outbox (status, nextAttemptAt);
                """)
        }
        migrator.registerMigration("v14-fleet-builds") { db in
            // The shards of a fleet build that have synced their kits: the last of N removes dropped partners.
            try db.execute(sql: """
                CREATE TABLE fleetShard (
                  build TEXT NOT NULL, shard INTEGER NOT NULL CHECK (shard >= 1), shards INTEGER NOT NULL CHECK (shard <= shards),
                  kits INTEGER NOT NULL, reportedAt DATETIME NOT NULL, PRIMARY KEY (build, shard)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v15-crm-outcomes") { db in
            // Won and lost statuses and the CRM's rules widen deal's CHECKs, which SQLite changes by rebuilding the table.
            let deals = DealStatus.sqlList(DealStatus.allCases), rules = CRMSchema.list(DealRules.Rule.allCases.map(\.rawValue))
            try db.execute(sql: """
                CREATE TABLE new_deal (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, partner TEXT NOT NULL, domain TEXT NOT NULL, accountName TEXT NOT NULL,
                  valueMinor INTEGER NOT NULL CHECK (valueMinor >= 0), currency TEXT NOT NULL CHECK (length(currency) = 3),
                  products TEXT NOT NULL CHECK (json_valid(products)), expectedClose TEXT NOT NULL, leadId INTEGER REFERENCES lead(id),
                  status TEXT NOT NULL CHECK (status IN \(deals)), rule TEXT NOT NULL CHECK (rule IN (\(rules))), note TEXT, idempotencyKey TEXT,
                  createdAt DATETIME NOT NULL, decidedAt DATETIME NOT NULL, expiresAt DATETIME, evidenceVisitor TEXT,
                  \(CRMSchema.dealColumnDefinitions(time: "DATETIME").joined(separator: ", ")),
                  UNIQUE (partner, idempotencyKey)
                );
                INSERT INTO new_deal (id, partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, note,
                  idempotencyKey, createdAt, decidedAt, expiresAt, evidenceVisitor)
                  SELECT id, partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, note,
                  idempotencyKey, createdAt, decidedAt, expiresAt, evidenceVisitor FROM deal;
                CREATE TABLE new_dealDecision (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, dealId INTEGER NOT NULL REFERENCES new_deal(id),
                  status TEXT NOT NULL CHECK (status IN \(deals)), rule TEXT NOT NULL CHECK (rule IN (\(rules))), actor TEXT NOT NULL, note TEXT,
                  decidedAt DATETIME NOT NULL
                );
                INSERT INTO new_dealDecision SELECT id, dealId, status, rule, actor, note, decidedAt FROM dealDecision;
                DROP TABLE dealDecision;
                DROP TABLE deal;
                ALTER TABLE new_deal RENAME TO deal;
                ALTER TABLE new_dealDecision RENAME TO dealDecision;
                CREATE INDEX deal_domain ON deal (domain, status);
                CREATE INDEX dealDecision_deal ON dealDecision (dealId);
                \(CRMSchema.dealCRMIndex);
                \(CRMSchema.leadColumnDefinitions(time: "DATETIME").map { "ALTER TABLE lead ADD COLUMN \($0);" }.joined(separator: "\n"))
                \(CRMSchema.leadCRMIndex);
                \(CRMSchema.eventTable(time: "DATETIME")) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}

// MARK: Rate limits and locks

extension AppDatabase {
    public func withLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T { try await body() }
    public func tryLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T? { try await body() }

    public func allow(_ key: String, limit: Int, period: TimeInterval, now: Date) async throws -> Bool {
        limiters.withLockedValue { limiters in
            let name = "\(limit)/\(period)"
            var limiter = limiters[name] ?? RateLimiter(limit: limit, period: period)
            defer { limiters[name] = limiter }
            return limiter.allow(key, now: now)
        }
    }
}

// MARK: Secrets

extension AppDatabase {
    /// A secret kept in the database, created from `generate` on first use (tracking key, IP salt).
    public func secret(_ name: String, generate: () -> Data) throws -> Data {
        try writer.write { db in
            if let setting = try SettingRecord.fetchOne(db, key: name) { return setting.value }
            let value = generate()
            try SettingRecord(key: name, value: value).insert(db)
            return value
        }
    }

    public static let trackingSecretName = "tracking.secret"
    public static let ipSaltName = "ip.salt"
}

// MARK: Roster and kits

extension AppDatabase {
    /// Makes the partner table equal to the roster (the roster is the source of truth).
    /// Makes the partner table the roster. A partner removed from the roster loses access at once: its
    /// tokens are revoked (at `now`) and its sessions end, in the same transaction.
    public func sync(partners: [Partner], now: Date) throws {
        try writer.write { db in try Self.sync(partners: partners, now: now, db) }
    }

    static func sync(partners: [Partner], now: Date, _ db: Database) throws {
        let ids = Set(partners.map(\.id))
        for gone in try PartnerRecord.fetchAll(db) where !ids.contains(gone.id) { try gone.delete(db) }
        for var token in try AccessTokenRecord.live.filter(AccessTokenRecord.Columns.role == Role.partner).fetchAll(db)
        where !ids.contains(token.partner ?? "") {
            token.revokedAt = now
            try token.update(db)
        }
        for session in try SessionRecord.filter(SessionRecord.Columns.role == Role.partner).fetchAll(db) where !ids.contains(session.partner) {
            try session.delete(db)
        }
        for partner in partners {
            try PartnerRecord(id: partner.id, name: partner.name, locales: partner.locales.map(\.identifier).joined(separator: ";")).save(db)
        }
    }

    /// Makes the kit table equal to `kits` (what `Output/index.json` lists); with `partner`, only that
    /// partner's rows are touched (a publish). A kit whose zip is unchanged keeps its `builtAt`.
    public func sync(kits: [Kit], partner: String? = nil) throws {
        try writer.write { db in
            var stored = Kit.all()
            if let partner { stored = stored.filter(Kit.Columns.partner == partner) }
            try Self.apply(KitSync(kits: kits, stored: try stored.fetchAll(db), partner: partner), db)
        }
    }

    static func apply(_ sync: KitSync, _ db: Database) throws {
        for gone in sync.removed { try gone.delete(db) }
        for kit in sync.saved { try kit.save(db) }
    }

    /// A fleet build's shard: its slice of the kit table becomes `kits` (rows of partners no longer in the
    /// roster stay), and the shard is recorded under `build`. The last of the build's shards to report (all
    /// N, in any order) removes the kits of partners dropped from the roster and syncs the roster.
    public func sync(kits: [Kit], shard: Shard, build: String?, partners: [Partner], now: Date) throws -> FleetProgress {
        try writer.write { db in
            let plan = KitSync(kits: kits, stored: try Kit.fetchAll(db), shard: shard, roster: partners)
            try Self.apply(plan, db)
            guard let build else { return FleetProgress(reported: 1, shards: shard.count, finished: false) }
            let reported = try Self.shards(build: build, db)
            let finished = try FleetBuild.report(shard, build: build, reported: reported)
            try db.execute(sql: "INSERT INTO fleetShard (build, shard, shards, kits, reportedAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [build, shard.index, shard.count, plan.saved.count, now])
            guard finished else { return FleetProgress(reported: reported.count + 1, shards: shard.count, finished: false) }
            for gone in KitSync.dropped(try Kit.fetchAll(db), roster: partners) { try gone.delete(db) }
            try Self.sync(partners: partners, now: now, db)
            return FleetProgress(reported: shard.count, shards: shard.count, finished: true)
        }
    }

    public func shards(build: String) throws -> [Shard] { try writer.read { db in try Self.shards(build: build, db) } }

    static func shards(build: String, _ db: Database) throws -> [Shard] {
        try Row.fetchAll(db, sql: "SELECT shard, shards FROM fleetShard WHERE build = ? ORDER BY shard", arguments: [build])
            .compactMap { Shard(index: $0["shard"], count: $0["shards"]) }
    }

    /// Every kit, by directory: what `cobrand build --merge-index` writes as `index.json`.
    public func kits() throws -> [Kit] {
        try writer.read { db in try Kit.order(Column("dir")).fetchAll(db) }
    }

    /// One partner's kits, by campaign and locale: a partner never sees another's.
    public func kits(partner: String) throws -> [Kit] {
        try writer.read { db in
            try Kit.filter(Kit.Columns.partner == partner).order(Kit.Columns.campaign, Kit.Columns.locale).fetchAll(db)
        }
    }
}

// MARK: Backup

extension AppDatabase {
    /// Copies the database into a new SQLite file at `path` with SQLite's online backup (writers keep going
    /// meanwhile), then checks the copy opens and its MDF audit chain verifies; returns its audit entries.
    public func backup(to path: String) throws -> Int {
        let copy = try DatabaseQueue(path: path)
        defer { try? copy.close() }
        try writer.backup(to: copy)
        let checked = try AppDatabase(copy, path: path)
        let entries = try checked.writer.read { db in try AuditRecord.order(AuditRecord.Columns.id).fetchAll(db) }
        if let broken = AuditRecord.firstBroken(entries) { throw StoreError.brokenBackup(id: broken.id, reason: broken.reason) }
        return entries.count
    }
}
