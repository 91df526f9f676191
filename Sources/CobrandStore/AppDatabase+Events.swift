import CobrandCore
import Foundation
import GRDB

/// One recorded use of an asset.
public struct AssetEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case open, click, view, download }

    public let kind: Kind
    public let partner: String
    public let campaign: String
    public let asset: String
    public let locale: String
    /// The redirect target of a click.
    public let target: String?
    public let occurredAt: Date
    public let ipHash: String
    public let agentClass: String

    public init(kind: Kind, partner: String, campaign: String, asset: String, locale: String, target: String? = nil,
                occurredAt: Date, ipHash: String, agentClass: String) {
        self.kind = kind
        self.partner = partner
        self.campaign = campaign
        self.asset = asset
        self.locale = locale
        self.target = target
        self.occurredAt = occurredAt
        self.ipHash = ipHash
        self.agentClass = agentClass
    }
}

extension AppDatabase {
    /// Inserts events in one transaction with one cached statement.
    public func insert(_ events: [AssetEvent]) throws {
        guard !events.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for event in events {
                try statement.execute(arguments: [event.kind.rawValue, event.partner, event.campaign, event.asset, event.locale,
                                                  event.target, Self.storageText(event.occurredAt), event.ipHash, event.agentClass])
            }
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
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0 }
    }
}

/// Collects events from request handlers without making them wait for the disk, and writes them in
/// batches: one transaction per flush instead of one per hit.
///
/// A hard crash loses at most the events of one flush interval; `flush()` on graceful shutdown loses none.
public final class EventWriter: @unchecked Sendable {
    // Safe: `lock` guards `pending`, the only mutable state; database writes happen outside the lock.
    private let lock = NSLock()
    private var pending: [AssetEvent] = []
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// Queues an event; returns at once.
    public func record(_ event: AssetEvent) {
        lock.lock()
        pending.append(event)
        lock.unlock()
    }

    /// Writes everything queued so far in one transaction; returns how many events it wrote.
    @discardableResult
    public func flush() throws -> Int {
        lock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        do {
            try database.insert(batch)
        } catch {
            // Put the batch back in front so a later flush retries it; nothing acknowledged is dropped.
            lock.lock()
            pending.insert(contentsOf: batch, at: 0)
            lock.unlock()
            throw error
        }
        return batch.count
    }

    /// Flushes every `interval` until the task is cancelled, then flushes once more.
    public func run<C: Clock>(every interval: C.Duration, clock: C) async throws {
        while !Task.isCancelled {
            do { try await clock.sleep(for: interval) } catch { break } // cancelled: the final flush follows
            try flush()
        }
        try flush()
    }
}
