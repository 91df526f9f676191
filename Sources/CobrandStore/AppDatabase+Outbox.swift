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

    /// Outbox rows, oldest first, optionally of one status.
    public func outbox(status: OutboxRow.Status? = nil) throws -> [OutboxRow] {
        try writer.read { db in
            try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox WHERE (? IS NULL OR status = ?) ORDER BY id",
                                   arguments: [status?.rawValue, status?.rawValue])
        }
    }
}
