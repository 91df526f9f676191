import CobrandCore
import Foundation
import GRDB
import GRDBSQLite

extension AppDatabase {
    /// Inserts events in one transaction, many rows to a statement.
    public func insert(_ events: [AssetEvent]) throws {
        guard !events.isEmpty else { return }
        try writer.write { db in try Self.insert(events, db) }
    }

    public func insertEvents(_ events: [AssetEvent]) async throws { try insert(events) }

    /// Reads the schema's own table: the file answers, and it is a migrated Cobrand database.
    public func ping() async throws { _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1 FROM grdb_migrations LIMIT 1") } }

    /// Inserts a spooled segment's events and marks the segment replayed, in one transaction, so a segment
    /// replayed before a crash is not replayed again. Returns false when it was replayed already.
    @discardableResult
    public func insert(_ events: [AssetEvent], spoolSegment: String, now: Date) throws -> Bool {
        try writer.write { db in
            guard try SpoolSegmentRecord.exists(db, key: spoolSegment) == false else { return false }
            try SpoolSegmentRecord(name: spoolSegment, replayedAt: now, events: events.count).insert(db)
            try Self.insert(events, db)
            return true
        }
    }

    /// Rows per `INSERT` statement, largest first: a batch of 100 goes in as 64 + 16 + 16 + 4. One statement of
    /// many rows costs less per event than a statement per event; 64 x 9 arguments stay far under SQLite's limit.
    static let rowsPerInsert = [64, 16, 4, 1]

    /// Binds each value through SQLite's C API on GRDB's cached statements: building GRDB's `StatementArguments`
    /// of existentials took most of the event writer's CPU under load (`scripts/bench-track`). Stepping them
    /// directly skips GRDB's statement hooks, which matter only to transaction observers; the event table has none.
    static func insert(_ events: [AssetEvent], _ db: Database) throws {
        let statements = try insertSQL.map { try db.cachedStatement(sql: $0) }
        var start = events.startIndex
        // Hits come in thousands a second: many share their millisecond, and so their date text.
        var stamp: (millis: Int64, text: String) = (.min, "")
        while start < events.endIndex {
            let size = rowsPerInsert.firstIndex { $0 <= events.endIndex - start }!
            let (rows, statement) = (rowsPerInsert[size], statements[size])
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            var column: Int32 = 0
            func bind(_ text: String?) {
                column += 1
                guard var text else { sqlite3_bind_null(handle, column); return }
                text.withUTF8 { bytes in
                    // An empty buffer may have no address, and a NULL pointer would bind NULL rather than "".
                    if let start = bytes.baseAddress {
                        _ = sqlite3_bind_text(handle, column, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
                    } else {
                        _ = sqlite3_bind_text(handle, column, "", 0, transient)
                    }
                }
            }
            for event in events[start..<start + rows] {
                bind(event.kind.rawValue)
                bind(event.partner)
                bind(event.campaign)
                bind(event.asset)
                bind(event.locale)
                bind(event.target)
                let millis = Self.millis(event.occurredAt)
                if millis != stamp.millis { stamp = (millis, Self.storageText(millis: millis)) }
                bind(stamp.text)
                bind(event.ipHash)
                bind(event.agentClass)
            }
            let code = sqlite3_step(handle)
            let message = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            if let message { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql) }
            start += rows
        }
    }

    private static let insertSQL = rowsPerInsert.map { rows in
        """
        INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        """
    }

    /// SQLite copies the bound bytes (`SQLITE_TRANSIENT`): the strings may go before the statement runs.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// The millisecond GRDB's formatter (ICU) writes for a date: the nearest, not the one it falls in.
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// A date as GRDB stores it ("yyyy-MM-dd HH:mm:ss.SSS", UTC), without GRDB's DateFormatter: the event
    /// writer stamps thousands of rows a second, and ICU formatting was a tenth of the server's CPU.
    static func storageText(millis: Int64) -> String {
        var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        func digits(_ value: Int, _ count: Int, then separator: UInt8?) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
            if let separator { bytes.append(separator) }
        }
        digits(Int(parts.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, then: UInt8(ascii: " "))
        digits(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
        digits(Int(millis - Int64(seconds) * 1000), 3, then: nil)
        return String(decoding: bytes, as: UTF8.self)
    }

    public func eventCount() throws -> Int {
        try writer.read { db in try Table("event").fetchCount(db) }
    }
}

/// A row of `eventSpoolSegment`: a spool segment already replayed into `event`.
struct SpoolSegmentRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "eventSpoolSegment"

    var name: String
    var replayedAt: Date
    var events: Int
}
