import CobrandCore
import Foundation
import GRDB

/// Per-partner suppression lists: who unsubscribed from a partner's emails. The first unsubscribe of an
/// address is kept and reaches the CRM through the outbox in the same transaction; a repeat changes nothing.
extension AppDatabase {
    public struct SuppressedAddress: Codable, FetchableRecord, Equatable, Sendable {
        public let partner: String
        public let address: String
        public let campaign: String
        public let source: Suppression.Source
        public let createdAt: Date

        /// Text fields in the order of `Suppression.columns`.
        public var fields: [String] { [address, campaign, source.rawValue, Timestamp.iso8601(createdAt)] }
    }

    /// Stores `suppression` at `now` unless the partner has the address already; true when it is new.
    @discardableResult
    public func suppress(_ suppression: Suppression, now: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO suppression (partner, address, campaign, source, createdAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (partner, address) DO NOTHING
                """, arguments: [suppression.partner, suppression.address.normalized, suppression.campaign, suppression.source.rawValue, now])
            guard db.changesCount == 1 else { return false }
            try Self.enqueue(type: "unsubscribe", object: ["unsubscribe": [
                "partner": suppression.partner, "email": suppression.address.normalized, "campaign": suppression.campaign,
                "source": suppression.source.rawValue,
            ]], now: now, db)
            return true
        }
    }

    /// A partner's suppression list (or every partner's), oldest first.
    public func suppressions(partner: String? = nil) throws -> [SuppressedAddress] {
        try writer.read { db in
            try SuppressedAddress.fetchAll(db, sql: """
                SELECT partner, address, campaign, source, createdAt FROM suppression WHERE (? IS NULL OR partner = ?) ORDER BY partner, createdAt, address
                """, arguments: [partner, partner])
        }
    }
}
