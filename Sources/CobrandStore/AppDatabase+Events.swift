import CobrandCore
import Foundation
import GRDB

extension AppDatabase {
    /// Inserts events in one transaction with one cached statement.
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

    static func insert(_ events: [AssetEvent], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            try statement.execute(arguments: [event.kind.rawValue, event.partner, event.campaign, event.asset, event.locale,
                                              event.target, Self.storageText(event.occurredAt), event.ipHash, event.agentClass])
        }
    }

    /// A date as GRDB stores it ("yyyy-MM-dd HH:mm:ss.SSS", UTC), without GRDB's DateFormatter: the event
    /// writer stamps thousands of rows a second, and ICU formatting was a tenth of the server's CPU.
    static func storageText(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
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
