import CobrandCore
import Foundation
import GRDB

extension AppDatabase {
    /// A row of `mdfAllocation`: a partner's MDF for one period.
    public struct Allocation: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
        public static let databaseTableName = "mdfAllocation"

        public enum Columns {
            public static let partner = Column(CodingKeys.partner), period = Column(CodingKeys.period), start = Column(CodingKeys.start)
            public static let end = Column(CodingKeys.end), amountMinor = Column(CodingKeys.amountMinor), deadline = Column(CodingKeys.deadline)
            public static let updatedAt = Column(CodingKeys.updatedAt)
        }

        public let partner: String
        public let period: String
        public let start: String
        public let end: String
        public let amountMinor: Int64
        public let currency: String
        /// Last day claims for this allocation are accepted, `YYYY-MM-DD`.
        public internal(set) var deadline: String
        public let createdAt: Date
        public internal(set) var updatedAt: Date

        public var amount: Money { Money(amountMinor: amountMinor, currency: currency) }

        /// The partner's allocation whose period contains `day` (the latest-starting one).
        static func containing(day: String, partner: String) -> QueryInterfaceRequest<Allocation> {
            filter(Columns.partner == partner && Columns.start <= day && Columns.end >= day).order(Columns.start.desc)
        }
    }
}

/// A row of `mdfAudit`: append-only, hash-chained (`AuditChain`).
struct AuditRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "mdfAudit"

    enum Columns { static let id = Column(CodingKeys.id) }

    let id: Int64
    let at: String
    let actor: String
    let action: String
    let subject: String
    let detail: String
    let previous: String
    let hash: String

    /// The first row of `rows` (in id order) that breaks the chain, and why; nil when intact.
    static func firstBroken(_ rows: [AuditRecord]) -> (id: Int64, reason: String)? {
        AuditChain.firstBroken(rows.map { row in
            (entry: AuditChain.Entry(id: row.id, at: row.at, actor: row.actor, action: row.action, subject: row.subject, detail: row.detail),
             previous: row.previous, hash: row.hash)
        })
    }
}
