import Foundation

/// How a partner's campaigns did over a date range, per campaign and locale: what reached people
/// (downloads, opens, clicks, views), what came back (leads), and what it led to (deals and pipeline).
public enum Performance {
    /// Tracked events of one campaign and locale in the range, summed over its assets.
    public struct Activity: Sendable, Equatable {
        public var campaign: String, locale: String
        public var downloads = 0, opens = 0, clicks = 0, views = 0

        public init(campaign: String, locale: String, downloads: Int = 0, opens: Int = 0, clicks: Int = 0, views: Int = 0) {
            self.campaign = campaign
            self.locale = locale
            self.downloads = downloads
            self.opens = opens
            self.clicks = clicks
            self.views = views
        }
    }

    /// A deal registered in the range: from a lead (whose campaign and locale it counts for) or by hand.
    public struct Deal: Sendable, Equatable {
        public var campaign: String?, locale: String?
        public var status: DealStatus
        public var value: Money

        public init(campaign: String?, locale: String?, status: DealStatus, value: Money) {
            self.campaign = campaign
            self.locale = locale
            self.status = status
            self.value = value
        }
    }

    public struct Row: Sendable, Equatable {
        /// Empty for deals registered by hand, without a lead.
        public var campaign: String, locale: String
        public var downloads = 0, opens = 0, clicks = 0, views = 0, leads = 0, deals = 0
        /// Pipeline per currency, in minor units, sorted by currency.
        public var pipeline: [Money] = []

        public init(campaign: String, locale: String) {
            self.campaign = campaign
            self.locale = locale
        }

        public static let columns = ["campaign", "locale", "downloads", "opens", "clicks", "views", "leads", "deals", "pipeline"]

        /// The row as text in `columns` order; pipeline as `USD 1250.00` per currency, `; `-separated.
        public var fields: [String] {
            [campaign, locale] + [downloads, opens, clicks, views, leads, deals].map(String.init)
                + [pipeline.map { "\($0.currency) \($0.majorText)" }.joined(separator: "; ")]
        }
    }

    /// One row per campaign and locale that had any activity, lead or deal, sorted; deals without a lead last.
    public static func rows(activity: [Activity], leads: [(campaign: String, locale: String)], deals: [Deal]) -> [Row] {
        struct Key: Hashable, Comparable {
            let campaign: String, locale: String
            static func < (a: Key, b: Key) -> Bool { (a.campaign.isEmpty ? 1 : 0, a.campaign, a.locale) < (b.campaign.isEmpty ? 1 : 0, b.campaign, b.locale) }
        }
        var rows: [Key: Row] = [:]
        func update(_ key: Key, _ change: (inout Row) -> Void) {
            change(&rows[key, default: Row(campaign: key.campaign, locale: key.locale)])
        }
        for item in activity {
            update(Key(campaign: item.campaign, locale: item.locale)) {
                $0.downloads += item.downloads
                $0.opens += item.opens
                $0.clicks += item.clicks
                $0.views += item.views
            }
        }
        for lead in leads { update(Key(campaign: lead.campaign, locale: lead.locale)) { $0.leads += 1 } }
        var pipeline: [Key: [String: Int64]] = [:]
        for deal in deals {
            let key = Key(campaign: deal.campaign ?? "", locale: deal.locale ?? "")
            update(key) { $0.deals += 1 }
            if DealStatus.pipeline.contains(deal.status) { pipeline[key, default: [:]][deal.value.currency, default: 0] += deal.value.amountMinor }
        }
        for (key, sums) in pipeline {
            rows[key]?.pipeline = sums.sorted { $0.key < $1.key }.map { Money(amountMinor: $0.value, currency: $0.key) }
        }
        return rows.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The rows summed, for the table's total line (pipeline per currency).
    public static func total(_ rows: [Row]) -> Row {
        var total = Row(campaign: "", locale: "")
        var sums: [String: Int64] = [:]
        for row in rows {
            total.downloads += row.downloads
            total.opens += row.opens
            total.clicks += row.clicks
            total.views += row.views
            total.leads += row.leads
            total.deals += row.deals
            for money in row.pipeline { sums[money.currency, default: 0] += money.amountMinor }
        }
        total.pipeline = sums.sorted { $0.key < $1.key }.map { Money(amountMinor: $0.value, currency: $0.key) }
        return total
    }
}

/// A server-rendered SVG bar chart: one group of bars per row, one colour per series, every label escaped.
/// No script, so it works in the portal's strict content security policy and in a saved page.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public let label: String
        public let color: String
        public init(label: String, color: String) {
            self.label = label
            self.color = color
        }
    }

    public let title: String
    public let series: [Series]
    /// A label and one value per series.
    public let groups: [(label: String, values: [Int])]

    public init(title: String, series: [Series], groups: [(label: String, values: [Int])]) {
        self.title = title
        self.series = series
        self.groups = groups
    }

    public var svg: String {
        let label = 200, width = 480, bar = 10, gap = 14
        let scale = max(1, groups.flatMap(\.values).max() ?? 1)
        let legendHeight = 24
        let groupHeight = series.count * bar + gap
        let height = legendHeight + max(1, groups.count) * groupHeight + 8
        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(label + width + 60) \##(height)" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">\##(title.htmlEscaped)</title>"##]
        for (index, item) in series.enumerated() {
            let x = index * 110
            parts.append(##"<rect x="\##(x)" y="4" width="12" height="12" fill="\##(item.color)"/><text x="\##(x + 16)" y="14" font-size="12" fill="#1A1A1A">\##(item.label.htmlEscaped)</text>"##)
        }
        for (row, group) in groups.enumerated() {
            let top = legendHeight + row * groupHeight
            // A label longer than its column is cut with an ellipsis; the whole one is its tooltip.
            let short = group.label.count > 30 ? group.label.prefix(29) + "…" : group.label
            parts.append(##"<text x="\##(label - 6)" y="\##(top + series.count * bar / 2 + 4)" text-anchor="end" font-size="12" fill="#1A1A1A"><title>\##(group.label.htmlEscaped)</title>\##(short.htmlEscaped)</text>"##)
            for (index, value) in group.values.enumerated() where index < series.count {
                let length = value * width / scale
                parts.append(##"<rect x="\##(label)" y="\##(top + index * bar)" width="\##(length)" height="\##(bar - 1)" fill="\##(series[index].color)"><title>\##(series[index].label.htmlEscaped): \##(value)</title></rect><text x="\##(label + length + 4)" y="\##(top + index * bar + 8)" font-size="9" fill="#1A1A1A">\##(value)</text>"##)
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}

/// What the portal's home page calls out.
public enum PortalHome {
    /// An approved registration this close to its expiry is "expiring soon": time to ask for an extension.
    public static let expiringWithin: TimeInterval = 14 * 86_400

    public static func isExpiringSoon(status: DealStatus, expiresAt: Date?, now: Date) -> Bool {
        guard status == .approved, status.isActive(expiresAt: expiresAt, at: now), let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) <= expiringWithin
    }

    /// Whole days left until `date`, rounded up (0 once it has passed).
    public static func daysLeft(until date: Date, now: Date) -> Int { max(0, Int((date.timeIntervalSince(now) / 86_400).rounded(.up))) }
}
