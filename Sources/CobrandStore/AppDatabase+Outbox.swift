import CobrandCore
import Foundation
import GRDB

/// The CRM outbox: every lead and deal change writes a row in the same transaction as the change, so
/// nothing is acknowledged that the CRM will not eventually hear about. A deliverer sends them in order.
extension AppDatabase {
    public struct OutboxRow: Codable, FetchableRecord, Equatable, Sendable {
        public enum Status: String, Codable, Sendable { case pending, delivered, dead }

        public let id: Int64
        /// The idempotency key the receiver sees; the same on every retry.
        public let eventKey: String
        public let type: String
        public let payload: String
        public let status: Status
        public let attempts: Int
        public let nextAttemptAt: Date
        public let lastError: String?
        public let createdAt: Date
        public let deliveredAt: Date?
    }

    /// Writes an outbox row inside the caller's transaction: `{"id", "type", "occurred_at", ...object}`.
    static func enqueue(type: String, object: [String: Any], now: Date, _ db: Database) throws {
        let key = UUID().uuidString.lowercased()
        var event = object
        event["id"] = key
        event["type"] = type
        event["occurred_at"] = Timestamp.iso8601(now)
        let json = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
        try db.execute(sql: """
            INSERT INTO outbox (eventKey, type, payload, status, attempts, nextAttemptAt, createdAt) VALUES (?, ?, ?, 'pending', 0, ?, ?)
            """, arguments: [key, type, String(decoding: json, as: UTF8.self), now, now])
    }

    /// The oldest pending rows, up to the first that is still backing off: later rows never overtake an
    /// earlier one (a `lead.updated` never reaches the CRM before its `lead.created`). Dead rows do not block.
    public func dueOutbox(now: Date, limit: Int = 100) throws -> [OutboxRow] {
        try writer.read { db in
            try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox WHERE status = 'pending' ORDER BY id LIMIT ?", arguments: [limit])
                .prefix { $0.nextAttemptAt <= now }.map { $0 }
        }
    }

    public func markDelivered(_ id: Int64, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, deliveredAt = ?, lastError = NULL WHERE id = ?",
                           arguments: [now, id])
        }
    }

    /// Records a failed attempt: the row waits until `retryAt`, or is parked as dead.
    public func markFailed(_ id: Int64, error: String, dead: Bool, retryAt: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, lastError = ?, status = ?, nextAttemptAt = ? WHERE id = ?",
                           arguments: [String(error.prefix(500)), dead ? "dead" : "pending", retryAt, id])
        }
    }

    /// Puts dead rows (all, or these ids) back in the queue with fresh attempts; returns how many.
    @discardableResult
    public func retryDead(ids: [Int64]? = nil, now: Date) throws -> Int {
        try writer.write { db in
            if let ids {
                try db.execute(sql: "UPDATE outbox SET status = 'pending', attempts = 0, nextAttemptAt = ? WHERE status = 'dead' AND id IN (SELECT value FROM json_each(?))",
                               arguments: [now, "[" + ids.map(String.init).joined(separator: ",") + "]"])
            } else {
                try db.execute(sql: "UPDATE outbox SET status = 'pending', attempts = 0, nextAttemptAt = ? WHERE status = 'dead'", arguments: [now])
            }
            return db.changesCount
        }
    }

    /// How many rows each status has.
    public func outboxCounts() throws -> [OutboxRow.Status: Int] {
        try writer.read { db in
            var counts: [OutboxRow.Status: Int] = [.pending: 0, .delivered: 0, .dead: 0]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let status = OutboxRow.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public static let webhookSecretName = "crm.webhook.secret"

    /// Outbox rows, oldest first, optionally of one status.
    public func outbox(status: OutboxRow.Status? = nil) throws -> [OutboxRow] {
        try writer.read { db in
            try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox WHERE (? IS NULL OR status = ?) ORDER BY id",
                                   arguments: [status?.rawValue, status?.rawValue])
        }
    }

    /// The `newest` latest rows (optionally of one status), newest first: what a page shows of a long outbox.
    public func outbox(status: OutboxRow.Status? = nil, newest: Int) throws -> [OutboxRow] {
        try writer.read { db in
            try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?",
                                   arguments: [status?.rawValue, status?.rawValue, newest])
        }
    }
}
