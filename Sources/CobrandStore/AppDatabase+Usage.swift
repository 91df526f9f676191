import CobrandCore
import Foundation
import GRDB

/// Asset use over a date range, grouped by partner, campaign, asset and locale: what MDF pays against.
extension AppDatabase {
    public struct UsageRow: Codable, FetchableRecord, Equatable, Sendable {
        public let partner: String
        public let campaign: String
        public let asset: String
        public let locale: String
        public let opens: Int
        public let clicks: Int
        public let views: Int
        public let downloads: Int
        /// Distinct visitor hashes across all kinds.
        public let visitors: Int

        public init(partner: String, campaign: String, asset: String, locale: String, opens: Int, clicks: Int, views: Int,
                    downloads: Int, visitors: Int) {
            self.partner = partner
            self.campaign = campaign
            self.asset = asset
            self.locale = locale
            self.opens = opens
            self.clicks = clicks
            self.views = views
            self.downloads = downloads
            self.visitors = visitors
        }

        /// The row as text, in `usageColumns` order.
        public var fields: [String] {
            [partner, campaign, asset, locale, String(opens), String(clicks), String(views), String(downloads), String(visitors)]
        }
    }

    /// Columns of usage CSV and tables.
    public static let usageColumns = ["partner", "campaign", "asset", "locale", "opens", "clicks", "views", "downloads", "visitors"]

    /// Usage in `[from, until)`, optionally for one partner, sorted by partner, campaign, asset, locale.
    public func usage(from: Date, until: Date, partner: String? = nil) throws -> [UsageRow] {
        try writer.read { db in
            try UsageRow.fetchAll(db, sql: """
                SELECT partner, campaign, asset, locale,
                       SUM(kind = 'open') AS opens, SUM(kind = 'click') AS clicks,
                       SUM(kind = 'view') AS views, SUM(kind = 'download') AS downloads,
                       COUNT(DISTINCT ipHash) AS visitors
                FROM event
                WHERE occurredAt >= ? AND occurredAt < ? AND (? IS NULL OR partner = ?)
                GROUP BY partner, campaign, asset, locale
                ORDER BY partner, campaign, asset, locale
                """, arguments: [from, until, partner, partner])
        }
    }
}
