import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the engine tests use: `COBRAND_TEST_POSTGRES_URL` (`.ci/run` starts one). With
/// `COBRAND_REQUIRE_POSTGRES=1` a missing server is a failure, not a skip.
enum TestPostgres {
    static var url: String? { ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var required: Bool { ProcessInfo.processInfo.environment["COBRAND_REQUIRE_POSTGRES"] == "1" }

    /// Runs `body` with the URL of a fresh, empty schema of the test server, dropped afterwards.
    static func withScratchSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        let url = try #require(url)
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin(url) { client in _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)")) }
        do {
            // A loaded 2-core runner can take more than the default 10 s to accept a connection while every suite opens pools.
            let result = try await body(url + (url.contains("?") ? "&" : "?") + "search_path=\(schema)&connect_timeout=60")
            try await admin(url) { client in _ = try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")) }
            return result
        } catch {
            try? await admin(url) { client in _ = try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")) }
            throw error
        }
    }

    static func admin(_ url: String, _ body: (PostgresClient) async throws -> Void) async throws {
        let (configuration, _) = try PostgresURL.configuration(url, maximumConnections: 1)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test"))
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await body(client)
    }
}

@Suite("PostgreSQL engine")
struct PostgresEngineTests {
    @Test("PostgreSQL is there when the run expects it (CI sets COBRAND_REQUIRE_POSTGRES=1)")
    func available() {
        if TestPostgres.required { #expect(TestPostgres.url != nil, "COBRAND_TEST_POSTGRES_URL is not set; .ci/start-postgres.sh prints it") }
    }

    @Test("a new database gets the same tables and columns as SQLite's, and opening it again migrates nothing",
          .enabled(if: TestPostgres.url != nil))
    func schema() async throws {
        try await TestPostgres.withScratchSchema { url in
            let store = try await PostgresStore.open(url: url)
            let sqlite = try Self.sqliteSchema()
            var postgres = try await store.schema()
            #expect(postgres.removeValue(forKey: "cobrandmigration") == ["appliedat", "id"])
            // SQLite orders proofs by rowid; PostgreSQL needs the column.
            postgres["mdfproof"]?.removeAll { $0 == "position" }
            // Rate-limit buckets: SQLite has one process, which keeps them in memory.
            #expect(postgres.removeValue(forKey: "ratebucket") == ["at", "key", "tokens"])
            #expect(postgres == sqlite)
            #expect(try await store.appliedMigrations() == PostgresSchema.migrations.map(\.id))
            let again = try await PostgresStore.open(url: url)
            #expect(try await again.appliedMigrations() == PostgresSchema.migrations.map(\.id))
        }
    }

    /// SQLite's tables and their columns, lower-cased and sorted, without GRDB's migration table.
    static func sqliteSchema() throws -> [String: [String]] {
        try AppDatabase(DatabaseQueue()).writer.read { db in
            try Dictionary(uniqueKeysWithValues: String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                """).map { table in (table.lowercased(), try db.columns(in: table).map { $0.name.lowercased() }.sorted()) })
        }
    }

    @Test("nodes that start together migrate once", .enabled(if: TestPostgres.url != nil))
    func concurrentOpen() async throws {
        try await TestPostgres.withScratchSchema { url in
            async let first = PostgresStore.open(url: url)
            async let second = PostgresStore.open(url: url)
            let stores = try await [first, second]
            #expect(try await stores[0].appliedMigrations() == PostgresSchema.migrations.map(\.id))
        }
    }

    @Test("a database migrated by a newer cobrand is refused, naming the URL without its password", .enabled(if: TestPostgres.url != nil))
    func newerSchema() async throws {
        try await TestPostgres.withScratchSchema { url in
            let store = try await PostgresStore.open(url: url)
            _ = try await store.client.query("INSERT INTO cobrandMigration (id) VALUES ('v99-future')")
            await #expect(throws: AppDatabase.StoreError.newerSchema(path: PostgresURL.redacted(url), unknown: ["v99-future"])) {
                _ = try await PostgresStore.open(url: url)
            }
        }
    }

    /// Some of everything, through the Store: what a database a year in holds.
    static func seed(_ database: any Store, now: Date) async throws {
        let q4 = try #require(Period("2026-Q4")), de = try #require(LocaleTag("de-DE"))
        var random = SeededRandom(state: 3)
        try await database.sync(partners: [Partner(id: "alpha", name: "Alpha", locales: [de]), Partner(id: "beta", name: "Beta", locales: [de])], now: now)
        try await database.sync(kits: [AppDatabase.Kit(dir: "kits/c/alpha/de-DE", campaign: "c", partner: "alpha", locale: "de-DE",
                                                        bundle: "bundles/c/alpha/c-alpha-de-DE.zip", sha256: "ab", files: 4, bytes: 900, builtAt: now)])
        _ = try await database.issueToken(role: .partner, partner: "alpha", now: now, using: &random)
        _ = try await database.startSession(partner: "alpha", now: now, using: &random)
        try await database.insertEvents((0..<30).map {
            AssetEvent(kind: [.open, .click, .view, .download][$0 % 4], partner: "alpha", campaign: "c", asset: "a\($0 % 3)", locale: "de-DE",
                       target: $0 % 4 == 1 ? "https://x.example/\($0)" : nil, occurredAt: now.addingTimeInterval(Double($0) * 61.5),
                       ipHash: "h\($0 % 5)", agentClass: "desktop")
        })
        try await database.record(Lead(partner: "alpha", campaign: "c", asset: "landing", locale: "de-DE", source: "landing",
                                       email: EmailAddress("jo@corp.example")!, companyDomain: "corp.example"), ipHash: "h1", signed: true, now: now)
        let deal = try await database.register(DealRequest(partner: "alpha", domain: "corp.example", accountName: "Corp",
                                                           value: Money(amountMinor: 120_000, currency: "EUR"), products: ["P"], expectedClose: "2027-03-01"),
                                               rules: DealRules(), idempotencyKey: "k", now: now).deal
        try await database.decide(deal.id, .approve, note: "ok", rules: DealRules(), now: now)
        try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: q4, deadlineDays: 60,
                                    actor: "t", now: now)
        let request = try ClaimRequest.validated(partner: "alpha", campaign: "c", activity: "email", start: "2026-11-02", end: "2026-11-20",
                                                 amount: "100", currency: "EUR", invoice: "I-1", results: ["opens": 3], campaigns: ["c"])
        _ = try await database.submit(request, proofs: [try ClaimProof(name: "invoice.pdf", data: Data("%PDF".utf8))], idempotencyKey: nil, actor: "t",
                                      now: now)
        try await database.reconcile(period: "2026-Q4", rules: .init(), actor: "t", now: now)
        try await database.saveChanges(partner: "alpha", [.init(field: "phone", oldValue: nil, newValue: "+1 555", needsApproval: false)],
                                       actor: "partner:alpha", now: now)
        try await database.suppress(try Suppression.make(partner: "alpha", campaign: "c", address: "no@corp.example", source: .page), now: now)
        try await database.noteVisit(partner: "alpha", now: now)
    }

    @Test("a SQLite database copied to PostgreSQL reads the same through every query, and new rows continue its ids",
          .enabled(if: TestPostgres.url != nil))
    func copy() async throws {
        let now = Date(timeIntervalSince1970: 1_798_000_000)  // 2026-12-23
        let file = TempDatabase()
        let sqlite = try AppDatabase.open(path: file.path)
        try await Self.seed(sqlite, now: now)
        try await TestPostgres.withScratchSchema { url in
            let postgres = try await PostgresStore.open(url: url, maximumConnections: 4)
            let counts = try await postgres.copy(from: sqlite)
            #expect(counts["event"] == 30 && counts["mdfAudit"] == 3 && counts["outbox"] == 4 && counts.count == PostgresStore.copiedTables.count)
            func same<T: Equatable>(_ query: (any Store) async throws -> T, _ what: String) async throws {
                #expect(try await query(postgres) == query(sqlite), "\(what)")
            }
            try await same({ try await $0.deals() }, "deals")
            try await same({ try await $0.decisions(deal: 1).map { "\($0.status) \($0.rule) \($0.actor) \($0.note ?? "") \($0.at)" } }, "decisions")
            try await same({ try await $0.claims() }, "claims")
            try await same({ try await $0.proofs(claim: 1) }, "proofs")
            try await same({ try await $0.leads() }, "leads")
            try await same({ try await $0.outbox() }, "outbox")
            try await same({ try await $0.balances() }, "balances")
            try await same({ try await $0.mdfReport(period: "2026-Q4") }, "MDF report")
            try await same({ try await $0.usage(from: now.addingTimeInterval(-86_400), until: now.addingTimeInterval(86_400)) }, "usage")
            try await same({ try await $0.changes() }, "changes")
            try await same({ try await $0.overrides() }, "overrides")
            try await same({ try await $0.suppressions() }, "suppressions")
            try await same({ try await $0.partnerOverview() }, "partner overview")
            try await same({ try await $0.kits() }, "kits")
            try await same({ try await $0.leadAssets(partner: "alpha") }, "lead assets")
            try await same({ try await $0.visits(partner: "alpha").last }, "visits")
            try await same({ try await $0.periods() }, "periods")
            #expect(try await postgres.verifyAudit() == nil)
            let next = try await postgres.register(DealRequest(partner: "beta", domain: "other.example", accountName: "O",
                                                               value: Money(amountMinor: 1, currency: "EUR"), products: ["P"], expectedClose: "2027-03-01"),
                                                   rules: DealRules(), idempotencyKey: nil, now: now)
            #expect(next.deal.id == 2)
            await #expect(throws: PostgresStore.CopyError.self) { try await postgres.copy(from: sqlite) }
        }
    }

    @Test("URLs: what is taken, and what is refused with the reason", arguments: [
        ("postgres://cobrand@127.0.0.1:55432/app?sslmode=disable", nil),
        ("postgresql://u:secret@db.example/app", nil),
        ("postgres://127.0.0.1/app", "no user"),
        ("postgres://u@127.0.0.1/", "no database"),
        ("postgres://u@127.0.0.1/app?sslmode=verify-full", "sslmode 'verify-full' is not disable, prefer or require"),
        ("cobrand.sqlite", "it needs postgres://, a host and a database"),
    ] as [(String, String?)])
    func urls(url: String, reason: String?) {
        do {
            _ = try PostgresURL.configuration(url, maximumConnections: 1)
            #expect(reason == nil)
        } catch let error as PostgresURL.Invalid {
            #expect(error.reason == reason)
            #expect(!error.description.contains("secret"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a password never shows in messages")
    func redaction() {
        #expect(PostgresURL.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
        #expect(PostgresURL.redacted("postgres://u@h/db") == "postgres://u@h/db")
    }
}
