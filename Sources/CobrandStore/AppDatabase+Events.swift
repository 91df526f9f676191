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
                                                  event.target, event.occurredAt, event.ipHash, event.agentClass])
            }
        }
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
