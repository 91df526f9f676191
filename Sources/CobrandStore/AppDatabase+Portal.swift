import CobrandCore
import Foundation
import GRDB

/// What the partner portal's home and performance pages read, and the sign-ins they compare against.
extension AppDatabase {
    /// Notes a partner's sign-in at `now`; the one before becomes their previous visit.
    public func noteVisit(partner: String, now: Date) throws {
        try writer.write { db in
            let earlier = try VisitRecord.fetchOne(db, key: partner)
            try VisitRecord(partner: partner, lastAt: now, previousAt: earlier?.lastAt).save(db)
        }
    }

    /// The partner's sign-in before the current one, and their latest; nil fields when there is none.
    public func visits(partner: String) throws -> (previous: Date?, last: Date?) {
        try writer.read { db in
            let visit = try VisitRecord.fetchOne(db, key: partner)
            return (visit?.previousAt, visit?.lastAt)
        }
    }

    /// The asset each of a partner's leads first came through (its first submission's).
    public func leadAssets(partner: String) throws -> [Int64: String] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT leadId, asset FROM leadSubmission s WHERE partner = ? AND asset IS NOT NULL
                  AND id = (SELECT MIN(id) FROM leadSubmission WHERE leadId = s.leadId)
                """, arguments: [partner])
            return Dictionary(rows.map { ($0["leadId"], $0["asset"]) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The facts of a partner's performance in `[from, until)` besides its events (`usage`): leads created
    /// and deals registered (with their lead's campaign and locale).
    public func performanceFacts(partner: String, from: Date, until: Date) throws
        -> (leads: [(campaign: String, locale: String)], deals: [Performance.Deal]) {
        try writer.read { db in
            let leads = try LeadRecord.filter(LeadRecord.Columns.partner == partner && LeadRecord.Columns.createdAt >= from
                                              && LeadRecord.Columns.createdAt < until).fetchAll(db).map { (campaign: $0.campaign, locale: $0.locale) }
            let deals = try Row.fetchAll(db, sql: """
                SELECT lead.campaign, lead.locale, deal.status, deal.valueMinor, deal.currency
                FROM deal LEFT JOIN lead ON lead.id = deal.leadId
                WHERE deal.partner = ? AND deal.createdAt >= ? AND deal.createdAt < ?
                """, arguments: [partner, from, until]).map { row in
                let status: String = row["status"]
                guard let known = DealStatus(rawValue: status) else { throw StoredValueError(table: "deal", column: "status", value: status) }
                return Performance.Deal(campaign: row["campaign"], locale: row["locale"], status: known,
                                        value: Money(amountMinor: row["valueMinor"], currency: row["currency"]))
            }
            return (leads, deals)
        }
    }
}

/// What the admin console's partner list shows.
extension AppDatabase {
    public struct PartnerOverview: Codable, FetchableRecord, Equatable, Sendable {
        public let id: String
        public let name: String
        public let kits: Int
        /// The latest tracked event of the partner's content, and the partner's latest portal sign-in.
        public let lastEvent: Date?
        public let lastVisit: Date?
        public let liveTokens: Int
    }

    /// Every roster partner with their kit count, latest activity and live tokens, sorted by id; `search`
    /// keeps those whose id or name contains it (case-insensitive).
    public func partnerOverview(search: String? = nil) throws -> [PartnerOverview] {
        try writer.read { db in
            try PartnerOverview.fetchAll(db, sql: """
                SELECT p.id, p.name,
                       (SELECT COUNT(*) FROM kit WHERE kit.partner = p.id) AS kits,
                       (SELECT MAX(occurredAt) FROM event WHERE event.partner = p.id) AS lastEvent,
                       (SELECT lastAt FROM partnerVisit WHERE partnerVisit.partner = p.id) AS lastVisit,
                       (SELECT COUNT(*) FROM accessToken t WHERE t.role = 'partner' AND t.partner = p.id AND t.revokedAt IS NULL) AS liveTokens
                FROM partner p
                WHERE ? IS NULL OR instr(lower(p.id), lower(?)) > 0 OR instr(lower(p.name), lower(?)) > 0
                ORDER BY p.id
                """, arguments: [search, search, search])
        }
    }

    /// The MDF periods that have allocations, newest first.
    public func periods() throws -> [String] {
        try writer.read { db in
            let starts = Dictionary(try Allocation.fetchAll(db).map { ($0.period, $0.start) }, uniquingKeysWith: max)
            return starts.keys.sorted { (starts[$0]!, $1) > (starts[$1]!, $0) }
        }
    }
}

/// A row of `partnerVisit`: a partner's latest portal sign-in and the one before.
struct VisitRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "partnerVisit"

    var partner: String
    var lastAt: Date
    var previousAt: Date?
}

/// A stored value the code does not know: a database written by a newer version, or edited by hand.
public struct StoredValueError: Error, CustomStringConvertible {
    public let table: String, column: String, value: String

    public var description: String {
        "\(table.isEmpty ? column : "\(table).\(column)") holds '\(value)', which this version does not know; upgrade cobrand or fix the row"
    }
}
