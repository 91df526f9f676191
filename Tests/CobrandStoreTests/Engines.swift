@testable import CobrandStore
import Foundation
import GRDB
import PostgresNIO
import Testing

/// The engines every store test runs against: SQLite always, PostgreSQL when the run has a server
/// (`.ci/run` always does, and fails rather than skips without one).
enum Engine: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var all: [Engine] { TestPostgres.url != nil || TestPostgres.required ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// Whether `error` is this engine's refusal of a row that breaks a constraint (a CHECK, a trigger's abort).
    func isConstraintViolation(_ error: any Error) -> Bool {
        switch self {
        case .sqlite: (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
        case .postgres:
            (error as? PSQLError)?.serverInfo?[.sqlState]?.hasPrefix("23") == true
                || (error as? PostgresStore.DatabaseError)?.description.contains("(SQLSTATE 23") == true
        }
    }

    /// Runs `body` with a fresh, empty store of this engine: in memory (or, `onDisk`, a WAL file) for
    /// SQLite, a scratch schema dropped afterwards for PostgreSQL.
    func with<T>(onDisk: Bool = false, _ body: (any TestStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            guard onDisk else { return try await body(try AppDatabase(DatabaseQueue())) }
            let file = TempDatabase()
            return try await body(try AppDatabase.open(path: file.path))
        case .postgres:
            return try await TestPostgres.withScratchSchema { url in try await body(try await PostgresStore.open(url: url, maximumConnections: 4)) }
        }
    }
}

/// What a test reaches behind the Store's back: plain SQL both engines understand.
protocol TestStore: Store {
    func execute(_ sql: String) async throws
    func strings(_ sql: String) async throws -> [String]
}

extension AppDatabase: TestStore {
    func execute(_ sql: String) async throws { try await writer.write { db in try db.execute(sql: sql) } }
    func strings(_ sql: String) async throws -> [String] { try await writer.read { db in try String.fetchAll(db, sql: sql) } }
}

extension PostgresStore: TestStore {
    func execute(_ sql: String) async throws { _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect() }
    func strings(_ sql: String) async throws -> [String] {
        try await client.query(PostgresQuery(unsafeSQL: sql)).collect().map { try $0.makeRandomAccess()[0].decode(String.self) }
    }
}
