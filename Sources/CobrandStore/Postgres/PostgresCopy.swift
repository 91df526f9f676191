import CobrandCore
import Foundation
import GRDB
import PostgresNIO

/// `cobrand db migrate-to`: a SQLite database copied into a new PostgreSQL one, table by table in one
/// transaction, then checked: the same rows in every table and an intact MDF audit chain.
extension PostgresStore {
    public enum CopyError: Error, CustomStringConvertible {
        case notEmpty(location: String, table: String, rows: Int)
        case mismatch(table: String, sqlite: Int, postgres: Int)
        case brokenAudit(id: Int64, reason: String)

        public var description: String {
            switch self {
            case let .notEmpty(location, table, rows):
                "\(location) already has data (\(rows) row(s) in \(table)); migrate-to fills a new, empty database: give another database or search_path"
            case let .mismatch(table, sqlite, postgres):
                "\(table) has \(sqlite) row(s) in SQLite but \(postgres) in PostgreSQL after the copy; nothing was kept: "
                    + "stop every cobrand serve on the SQLite database, then run it again"
            case let .brokenAudit(id, reason):
                "the MDF audit chain breaks at entry \(id) (\(reason)); nothing was kept: run cobrand mdf audit verify on the SQLite database and restore it from a backup"
            }
        }
    }

    /// The tables in an order their foreign keys allow, and whether SQLite keeps a rowid for them.
    static let copiedTables: [(name: String, rowid: Bool)] = [
        ("setting", true), ("partner", true), ("kit", true), ("event", true), ("accessToken", true), ("session", true), ("lead", true),
        ("leadSubmission", true), ("outbox", true), ("deal", true), ("dealDecision", true), ("crmEvent", false), ("mdfAllocation", true), ("mdfAudit", true),
        ("mdfClaim", true), ("mdfProof", true), ("partnerChange", true), ("partnerOverride", false), ("eventSpoolSegment", false),
        ("partnerAddress", false), ("suppression", false), ("partnerVisit", false), ("fleetShard", false),
    ]

    /// Copies every row of `source`, refusing a target that has any; returns each table's row count, checked
    /// equal on both sides. `progress` hears each table as it is done.
    public func copy(from source: AppDatabase, progress: (String, Int) -> Void = { _, _ in }) async throws -> [String: Int] {
        // One consistent view of a SQLite file in WAL mode, however long the copy takes.
        let reader = try source.snapshot()
        let counts = try AppDatabase.rowCounts(Self.copiedTables.map(\.name), reader)
        return try await write { db in
            for (table, _) in Self.copiedTables {
                let existing = try await db.value(Int.self, "SELECT count(*) FROM \(unescaped: table)") ?? 0
                guard existing == 0 else { throw CopyError.notEmpty(location: location, table: table, rows: existing) }
            }
            for (table, rowid) in Self.copiedTables {
                let types = try await Self.columnTypes(table, db)
                var after: Int64 = .min
                while true {
                    let (rows, last) = try AppDatabase.rows(of: table, rowid: rowid, after: after, limit: 2_000, reader)
                    guard let first = rows.first else { break }
                    // PostgreSQL takes at most 65,535 parameters a statement.
                    let perStatement = max(1, 60_000 / max(1, first.count))
                    for start in stride(from: 0, to: rows.count, by: perStatement) {
                        try await Self.insert(Array(rows[start..<min(rows.count, start + perStatement)]), into: table, types: types, db)
                    }
                    guard let last else { break }
                    after = last
                }
                // Serial columns continue after the copied rows.
                for column in ["id", "position"] where types[column] == .int8 && table != "mdfAudit" {
                    try await db.run("""
                        SELECT setval(pg_get_serial_sequence(\(table.lowercased()), \(column)), coalesce(max(\(unescaped: column)), 0) + 1, false)
                        FROM \(unescaped: table)
                        """)
                }
                progress(table, counts[table] ?? 0)
            }
            for (table, _) in Self.copiedTables {
                let copied = try await db.value(Int.self, "SELECT count(*) FROM \(unescaped: table)") ?? 0
                guard copied == counts[table] ?? 0 else { throw CopyError.mismatch(table: table, sqlite: counts[table] ?? 0, postgres: copied) }
            }
            if let broken = AuditRecord.firstBroken(try await db.all(AuditRecord.self, "SELECT * FROM mdfAudit ORDER BY id")) {
                throw CopyError.brokenAudit(id: broken.id, reason: broken.reason)
            }
            return counts
        }
    }

    /// Each column's PostgreSQL type, by lower-cased name.
    static func columnTypes(_ table: String, _ db: PostgresDB) async throws -> [String: PostgresDataType] {
        var types: [String: PostgresDataType] = [:]
        let rows = try await db.connection.query("""
            SELECT attname::text, atttypid::int4 FROM pg_attribute WHERE attrelid = to_regclass(\(table.lowercased())) AND attnum > 0 AND NOT attisdropped
            """, logger: db.logger).collect()
        for row in rows {
            let (name, oid) = try row.decode((String, Int32).self)
            types[name] = PostgresDataType(UInt32(oid))
        }
        return types
    }

    /// One multi-row INSERT of SQLite rows, each value bound as its PostgreSQL column's type.
    static func insert(_ rows: [Row], into table: String, types: [String: PostgresDataType], _ db: PostgresDB) async throws {
        let columns = rows[0].columnNames.filter { types[$0.lowercased()] != nil }
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        for row in rows {
            var placeholders: [String] = []
            for column in columns {
                let value: DatabaseValue = row[column]
                guard let type = types[column.lowercased()] else { continue }
                try bind(value, as: type, table: table, column: column, into: &bindings)
                placeholders.append("$\(bindings.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let names = columns.map { "\"\($0.lowercased())\"" }.joined(separator: ", ")
        try await db.run(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (\(names)) VALUES \(tuples.joined(separator: ", "))", binds: bindings))
    }

    static func bind(_ value: DatabaseValue, as type: PostgresDataType, table: String, column: String, into bindings: inout PostgresBindings) throws {
        if value.isNull { return bindings.appendNull() }
        func unreadable() -> StoredValueError { StoredValueError(table: table, column: column, value: value.description) }
        switch type {
        case .timestamptz:
            guard let date = Date.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(date)
        case .bool:
            guard let flag = Bool.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(flag)
        case .int8:
            guard let number = Int64.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(number)
        case .int4:
            guard let number = Int64.fromDatabaseValue(value), let small = Int32(exactly: number) else { throw unreadable() }
            try bindings.append(small)
        case .float8:
            guard let number = Double.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(number)
        case .bytea:
            guard let data = Data.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(data)
        default:
            guard let text = String.fromDatabaseValue(value) else { throw unreadable() }
            try bindings.append(text)
        }
    }
}

extension AppDatabase {
    /// A read-only view that stays as it is while servers keep writing (a snapshot of a WAL file); an
    /// in-memory database is read as it is.
    func snapshot() throws -> any DatabaseReader {
        guard let pool = writer as? DatabasePool else { return writer }
        return try pool.makeSnapshot()
    }

    /// Rows of `table` after `after` in rowid order (`rowid` tables), else all of them; and the last rowid.
    /// `mdfProof`'s rowid becomes PostgreSQL's `position`.
    static func rows(of table: String, rowid: Bool, after: Int64, limit: Int, _ reader: any DatabaseReader) throws -> ([Row], Int64?) {
        try reader.read { db in
            guard rowid else { return (after == .min ? try Row.fetchAll(db, sql: "SELECT * FROM \(table)") : [], nil) }
            let rows = try Row.fetchAll(db, sql: "SELECT rowid AS cobrand_rowid, rowid AS position, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                        arguments: [after, limit])
            return (rows, rows.last?["cobrand_rowid"])
        }
    }

    /// How many rows each table has.
    static func rowCounts(_ tables: [String], _ reader: any DatabaseReader) throws -> [String: Int] {
        try reader.read { db in
            try Dictionary(uniqueKeysWithValues: tables.map { ($0, try Table($0).fetchCount(db)) })
        }
    }
}
