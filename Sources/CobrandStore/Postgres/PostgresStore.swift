import CobrandCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The PostgreSQL engine, for several `cobrand serve` nodes on one database. This part opens the pool
/// and keeps the schema: versioned migrations of its own (`PostgresSchema`), applied under an advisory lock
/// so nodes that start together migrate once, and a database written by a newer cobrand is refused.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    private let running: Task<Void, Never>
    /// The URL without its password, for messages.
    public let location: String
    /// This process's name among the nodes: its connections' `application_name` (`cobrand NAME`).
    public let node: String
    /// Events inserted per statement (`--event-batch`): a bigger batch is fewer round trips, a smaller one
    /// shorter statements.
    public let eventBatch: Int
    let logger: Logger

    private init(client: PostgresClient, location: String, node: String, eventBatch: Int, logger: Logger) {
        self.client = client
        self.location = location
        self.node = node
        self.eventBatch = max(1, eventBatch)
        self.logger = logger
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require&search_path=s]`)
    /// and migrates it.
    /// A server that does not answer within the URL's `connect_timeout` (seconds, 10 unless given) is an error.
    public static func open(url: String, maximumConnections: Int = 20, node: String = PostgresStore.defaultNode, eventBatch: Int = 5_000,
                            logger: Logger = PostgresStore.quietLogger) async throws -> PostgresStore {
        // pg_stat_activity and pg_locks then say which node a connection (and a lock it holds) belongs to.
        let (configuration, location) = try PostgresURL.configuration(url, maximumConnections: maximumConnections, application: "cobrand \(node)")
        let timeout = PostgresURL.connectTimeout(url)
        return try await withThrowingTaskGroup(of: PostgresStore?.self) { group in
            group.addTask {
                if let schema = PostgresURL.schema(url) { try await createSchema(schema, configuration: configuration, logger: logger) }
                let store = PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), location: location,
                                          node: node, eventBatch: eventBatch, logger: logger)
                try await store.migrate(logger: logger)
                return store
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let store = first else {
                throw DatabaseError(description: "PostgreSQL connection failed: no answer within \(timeout) s; check the URL, that the server runs, "
                                    + "and its pg_hba.conf (connect_timeout=N in the URL waits longer)")
            }
            return store
        }
    }

    /// postgres-nio's own messages at error level only: its warnings are about its internals.
    public static var quietLogger: Logger {
        var logger = Logger(label: "cobrand.postgres")
        logger.logLevel = .error
        return logger
    }

    /// A `search_path` schema the URL names is created on first use, so one database can hold several
    /// projects (and tests can each have their own).
    static func createSchema(_ schema: String, configuration: PostgresClient.Configuration, logger: Logger) async throws {
        var plain = configuration
        plain.options.additionalStartupParameters.removeAll { $0.0 == "search_path" }
        plain.options.maximumConnections = 1
        let client = PostgresClient(configuration: plain, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        let quoted = "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        do { _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(quoted)"), logger: logger).collect() } catch {
            throw readable(error)
        }
    }

    /// A command's name on the database (a server passes its `--node`): the host name and process id.
    public static var defaultNode: String { "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)" }

    /// Runs `body` in one transaction (the engine's writes: all or nothing).
    @discardableResult
    func write<T>(_ body: (PostgresDB) async throws -> sending T) async throws -> sending T {
        do {
            return try await transaction(logger: logger) { connection in try await body(PostgresDB(connection: connection, logger: logger)) }
        } catch { throw Self.readable(error) }
    }

    /// Runs `body` on a pooled connection, outside a transaction (the engine's reads).
    @discardableResult
    func read<T>(_ body: (PostgresDB) async throws -> sending T) async throws -> sending T {
        do {
            return try await client.withConnection { connection in try await body(PostgresDB(connection: connection, logger: logger)) }
        } catch { throw Self.readable(error) }
    }

    /// A session-level advisory lock, held on a pooled connection while `body` runs on others (so the pool
    /// needs two at least). A node that dies drops its connection, and with it the lock, at once.
    public func withLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T {
        guard let value = try await holding(name, wait: true, body) else { throw DatabaseError(description: "PostgreSQL did not grant the \(name) lock") }
        return value
    }

    public func tryLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T? {
        try await holding(name, wait: false, body)
    }

    private func holding<T: Sendable>(_ name: String, wait: Bool, _ body: @Sendable () async throws -> T) async throws -> T? {
        do {
            return try await client.withConnection { connection in
                let take: PostgresQuery = wait ? "SELECT true FROM (SELECT pg_advisory_lock(hashtextextended(\(name), 0))) AS locked"
                    : "SELECT pg_try_advisory_lock(hashtextextended(\(name), 0))"
                guard try await connection.query(take, logger: logger).collect().first?.decode(Bool.self) == true else { return nil }
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                do {
                    _ = try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(name), 0))", logger: logger).collect()
                } catch {
                    // A connection that may still hold the lock never goes back to the pool.
                    try? await connection.close()
                }
                return try result.get()
            }
        } catch { throw Self.readable(error) }
    }

    /// A failure of the database, said in words. postgres-nio's errors print a generic text on purpose (they
    /// may carry row data); this keeps the server's message and the column, which name what to fix.
    public struct DatabaseError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func readable(_ error: any Error) -> any Error {
        switch error {
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState] ?? "?"
                // Deadlock and serialisation failures: nothing was written, and the same request again succeeds.
                let retry = state == "40P01" || state == "40001" ? "; nothing was kept, try again" : ""
                return DatabaseError(description: "PostgreSQL refused: \(message) (SQLSTATE \(state))\(retry)")
            }
            let connection: [PSQLError.Code] = [.connectionError, .serverClosedConnection, .clientClosedConnection, .sslUnsupported,
                                                .failedToAddSSLHandler, .uncleanShutdown, .unsupportedAuthMechanism, .authMechanismRequiresPassword,
                                                .saslError, .poolClosed]
            guard connection.contains(error.code) else { return DatabaseError(description: "PostgreSQL client error (\(error.code))") }
            return DatabaseError(description: "PostgreSQL connection failed (\(error.code)); check the URL, that the server runs, and its pg_hba.conf")
        case let error as PostgresDecodingError:
            return DatabaseError(description: "column \(error.columnName) holds a \(error.postgresType) this version cannot read as \(error.targetType); "
                                 + "upgrade cobrand or fix the row")
        default: return error
        }
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

    /// Runs `body` and waits for it on the calling thread: only for callers on a thread of their own (the
    /// event writer's flush thread), never on the cooperative pool or an event loop.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = NIOLockedValueBox<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.withLockedValue { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.withLockedValue({ $0 }) else { throw DatabaseError(description: "the database call ended without an answer") }
        return try result.get()
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
    static func configuration(_ text: String, maximumConnections: Int, application: String? = nil) throws -> (PostgresClient.Configuration, String) {
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
                                                         password: url.password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        // Days are UTC days, as on SQLite: `::date` and `to_char` of a timestamp read it in the session's zone.
        var startup = [("TimeZone", "UTC")]
        if let schema = query["search_path"], !schema.isEmpty { startup.append(("search_path", schema)) }
        if let application { startup.append(("application_name", String(application.prefix(63)))) }
        configuration.options.additionalStartupParameters = startup
        return (configuration, redacted(text))
    }

    /// Seconds to wait for the server when opening: the URL's `connect_timeout`, else 10.
    static func connectTimeout(_ text: String) -> Int {
        URLComponents(string: text)?.queryItems?.first { $0.name == "connect_timeout" }?.value.flatMap { Int($0) }.map { max(1, $0) } ?? 10
    }

    /// The `search_path` the URL names, if any.
    static func schema(_ text: String) -> String? {
        URLComponents(string: text)?.queryItems?.first { $0.name == "search_path" }?.value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The `pg_dump` command that backs up the database `text` names (its schema only, with a `search_path`):
    /// pg_dump takes the URL without cobrand's parameters, and never shows a password.
    public static func pgDump(_ text: String) -> String {
        guard var url = URLComponents(string: redacted(text)) else { return "pg_dump" }
        let schema = schema(text)
        url.queryItems = url.queryItems?.filter { $0.name == "sslmode" }
        if url.queryItems?.isEmpty == true { url.queryItems = nil }
        return "pg_dump --format=custom --file=cobrand.dump" + (schema.map { " --schema=\($0)" } ?? "") + " '\(url.string ?? "")'"
    }

    /// `text` with any password replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }
}
