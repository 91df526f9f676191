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
            let result = try await body(url + (url.contains("?") ? "&" : "?") + "search_path=\(schema)")
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
