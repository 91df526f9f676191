import CobrandCore
import Foundation
import GRDB

/// The CRM outbox: every lead and deal change writes a row in the same transaction as the change, so
/// nothing is acknowledged that the CRM will not eventually hear about. A deliverer sends them in order.
extension AppDatabase {
    public struct OutboxRow: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
        public enum Status: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible { case pending, delivered, dead }
        public static let databaseTableName = "outbox"

        enum CodingKeys: String, CodingKey {
            case rowID = "id", eventKey, type, payload, status, attempts, nextAttemptAt, lastError, createdAt, deliveredAt
        }

        public enum Columns {
            public static let id = Column(CodingKeys.rowID), status = Column(CodingKeys.status), attempts = Column(CodingKeys.attempts)
            public static let nextAttemptAt = Column(CodingKeys.nextAttemptAt), lastError = Column(CodingKeys.lastError)
            public static let deliveredAt = Column(CodingKeys.deliveredAt)
        }

        let rowID: Int64?
        public var id: Int64 { rowID ?? 0 }
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

        /// A pending row of `{"id", "type", "occurred_at", ...object}` under a fresh key, for either engine to insert.
        static func new(type: String, object: [String: Any], now: Date) throws -> OutboxRow {
            let key = UUID().uuidString.lowercased()
            var event = object
            event["id"] = key
            event["type"] = type
            event["occurred_at"] = Timestamp.iso8601(now)
            let json = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
            return OutboxRow(rowID: nil, eventKey: key, type: type, payload: String(decoding: json, as: UTF8.self), status: .pending, attempts: 0,
                             nextAttemptAt: now, lastError: nil, createdAt: now, deliveredAt: nil)
        }
    }

    /// Writes an outbox row inside the caller's transaction.
    static func enqueue(type: String, object: [String: Any], now: Date, _ db: Database) throws {
        try OutboxRow.new(type: type, object: object, now: now).insert(db)
    }

    /// The oldest pending rows, up to the first that is still backing off: later rows never overtake an
    /// earlier one (a `lead.updated` never reaches the CRM before its `lead.created`). Dead rows do not block.
    public func dueOutbox(now: Date, limit: Int = 100) throws -> [OutboxRow] {
        try writer.read { db in
            try OutboxRow.filter(OutboxRow.Columns.status == OutboxRow.Status.pending).order(OutboxRow.Columns.id).limit(limit).fetchAll(db)
                .prefix { $0.nextAttemptAt <= now }.map { $0 }
        }
    }

    public func markDelivered(_ id: Int64, now: Date) throws {
        try writer.write { db in
            _ = try OutboxRow.filter(key: id).filter(OutboxRow.Columns.status == OutboxRow.Status.pending)
                .updateAll(db, OutboxRow.Columns.status.set(to: OutboxRow.Status.delivered), OutboxRow.Columns.attempts += 1,
                           OutboxRow.Columns.deliveredAt.set(to: now), OutboxRow.Columns.lastError.set(to: nil))
        }
    }

    /// Records a failed attempt: the row waits until `retryAt`, or is parked as dead.
    public func markFailed(_ id: Int64, error: String, dead: Bool, retryAt: Date) throws {
        try writer.write { db in
            _ = try OutboxRow.filter(key: id).filter(OutboxRow.Columns.status == OutboxRow.Status.pending)
                .updateAll(db, OutboxRow.Columns.attempts += 1, OutboxRow.Columns.lastError.set(to: String(error.prefix(500))),
                           OutboxRow.Columns.status.set(to: dead ? OutboxRow.Status.dead : .pending), OutboxRow.Columns.nextAttemptAt.set(to: retryAt))
        }
    }

    /// Puts dead rows (all, or these ids) back in the queue with fresh attempts; returns how many.
    @discardableResult
    public func retryDead(ids: [Int64]? = nil, now: Date) throws -> Int {
        try writer.write { db in
            var dead = OutboxRow.filter(OutboxRow.Columns.status == OutboxRow.Status.dead)
            if let ids { dead = dead.filter(ids.contains(OutboxRow.Columns.id)) }
            return try dead.updateAll(db, OutboxRow.Columns.status.set(to: OutboxRow.Status.pending), OutboxRow.Columns.attempts.set(to: 0),
                                      OutboxRow.Columns.nextAttemptAt.set(to: now))
        }
    }

    /// How many rows each status has.
    public func outboxCounts() throws -> [OutboxRow.Status: Int] {
        try writer.read { db in
            try Dictionary(uniqueKeysWithValues: OutboxRow.Status.allCases.map { status in
                (status, try OutboxRow.filter(OutboxRow.Columns.status == status).fetchCount(db))
            })
        }
    }

    public static let webhookSecretName = "crm.webhook.secret"

    /// Outbox rows, oldest first, optionally of one status.
    public func outbox(status: OutboxRow.Status? = nil) throws -> [OutboxRow] {
        try writer.read { db in
            try Self.outbox(status: status).order(OutboxRow.Columns.id).fetchAll(db)
        }
    }

    /// The `newest` latest rows (optionally of one status), newest first: what a page shows of a long outbox.
    public func outbox(status: OutboxRow.Status? = nil, newest: Int) throws -> [OutboxRow] {
        try writer.read { db in
            try Self.outbox(status: status).order(OutboxRow.Columns.id.desc).limit(newest).fetchAll(db)
        }
    }

    static func outbox(status: OutboxRow.Status?) -> QueryInterfaceRequest<OutboxRow> {
        status.map { OutboxRow.filter(OutboxRow.Columns.status == $0) } ?? OutboxRow.all()
    }
}
