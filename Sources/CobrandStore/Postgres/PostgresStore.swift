import CobrandCore
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL engine, for several `cobrand serve` nodes on one database. This part opens the pool
/// and keeps the schema: versioned migrations of its own (`PostgresSchema`), applied under an advisory lock
/// so nodes that start together migrate once, and a database written by a newer cobrand is refused.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    private let running: Task<Void, Never>
    /// The URL without its password, for messages.
    public let location: String

    private init(client: PostgresClient, location: String) {
        self.client = client
        self.location = location
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require&search_path=s]`)
    /// and migrates it.
    public static func open(url: String, maximumConnections: Int = 20, logger: Logger = Logger(label: "cobrand.postgres")) async throws -> PostgresStore {
        let (configuration, location) = try PostgresURL.configuration(url, maximumConnections: maximumConnections)
        let store = PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), location: location)
        try await store.migrate(logger: logger)
        return store
    }

    /// Applies the migrations this version knows and the database lacks, in one transaction that holds an
    /// advisory lock: a second node waits, then finds them applied.
    func migrate(logger: Logger) async throws {
        let known = PostgresSchema.migrations.map(\.id)
        try await transaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS cobrandMigration (id TEXT PRIMARY KEY, appliedAt TIMESTAMPTZ NOT NULL DEFAULT now())",
                                           logger: logger)
            var applied: Set<String> = []
            for try await id in try await connection.query("SELECT id FROM cobrandMigration", logger: logger).decode(String.self) { applied.insert(id) }
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else { throw AppDatabase.StoreError.newerSchema(path: location, unknown: unknown.sorted()) }
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                for statement in migration.statements { _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                _ = try await connection.query("INSERT INTO cobrandMigration (id) VALUES (\(migration.id))", logger: logger)
            }
        }
    }

    /// Runs `body` in one transaction; an error `body` throws comes out as itself, not wrapped.
    func transaction<T>(logger: Logger, _ body: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        do { return try await client.withTransaction(logger: logger, body) } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// The migrations applied, in order of application.
    public func appliedMigrations() async throws -> [String] {
        var ids: [String] = []
        for try await id in try await client.query("SELECT id FROM cobrandMigration ORDER BY appliedAt, id").decode(String.self) { ids.append(id) }
        return ids
    }

    /// Every table of the schema in use and its columns, lower-cased and sorted: what the engines must agree on.
    public func schema() async throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        let rows = try await client.query("""
            SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()
            """)
        for try await (table, column) in rows.decode((String, String).self) { tables[table.lowercased(), default: []].append(column.lowercased()) }
        return tables.mapValues { $0.sorted() }
    }
}

/// `postgres://` URLs as `cobrand --db` and `COBRAND_DATABASE_URL` take them.
public enum PostgresURL {
    public struct Invalid: Error, CustomStringConvertible {
        public let url: String
        public let reason: String
        public var description: String {
            "\(url) is not a PostgreSQL URL (\(reason)); write postgres://user[:password]@host[:port]/database"
        }
    }

    /// Whether `database` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// The client configuration, and the URL without its password.
    static func configuration(_ text: String, maximumConnections: Int) throws -> (PostgresClient.Configuration, String) {
        guard isPostgres(text), let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw Invalid(url: redacted(text), reason: "it needs postgres://, a host and a database")
        }
        guard let user = url.user, !user.isEmpty else { throw Invalid(url: redacted(text), reason: "no user") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw Invalid(url: redacted(text), reason: "no database") }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw Invalid(url: redacted(text), reason: "sslmode '\(other)' is not disable, prefer or require")
        }
        var configuration = PostgresClient.Configuration(host: host, port: url.port ?? 5432, username: user,
                                                         password: url.password?.removingPercentEncoding, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        if let schema = query["search_path"], !schema.isEmpty { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return (configuration, redacted(text))
    }

    /// `text` with any password replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }
}
