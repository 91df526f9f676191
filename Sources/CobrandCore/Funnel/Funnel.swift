import Foundation

/// The funnel from a kit's first impression to won revenue, per partner x campaign x locale x asset, with
/// each partner x campaign's MDF spend beside its revenue. Pure: the store aggregates events and loads
/// leads, deals and claims (`Facts`); the rules of what counts where live here.
///
/// In plain words:
/// - **Impressions** are kit downloads and page views; **opens** and **clicks** are tracked hits. Hits
///   of the `bot` agent class count nowhere. Opens fetched by mail providers' image proxies (Gmail, Apple
///   Mail Privacy Protection) are counted and also shown on their own (`proxyOpens`): they say a mail
///   was delivered, not that a person read it.
/// - A **lead** counts once, at the campaign, locale and asset of its first submission; **qualified** is
///   the CRM's word on it.
/// - A **deal** counts at the lead it names, else the partner's first lead at its account, else at the
///   partner with no campaign (registered without a tracked lead). **Registered** is every registration
///   the rules accepted (`DealStatus.evidence`); **won** and **lost** are the CRM's outcomes of those;
///   **revenue** is their won amount (sourced, `RevenueAttribution`).
/// - **Influenced** revenue is the other partners' credit (`RevenueAttribution`: a lead at the account in
///   the window before the close), at the partner's latest lead there before the close.
/// - **MDF spent** is the approved amount of the partner's claims for the campaign; it is shown on the
///   campaign's total row, with revenue per unit of MDF when both are in one currency.
public enum Funnel {
    /// Tracked hits of one kind and agent class, already counted by the store.
    public struct HitCount: Sendable, Equatable {
        public let key: Key
        public let kind: AssetEvent.Kind
        public let agentClass: String
        public let count: Int

        public init(key: Key, kind: AssetEvent.Kind, agentClass: String, count: Int) {
            self.key = key
            self.kind = kind
            self.agentClass = agentClass
            self.count = count
        }
    }

    /// One submission of a lead: where it came from, when, and the lead's CRM qualification.
    public struct Submission: Sendable, Equatable {
        public let lead: Int64
        public let key: Key
        public let domain: String?
        public let qualification: LeadQualification?
        public let submittedAt: Date

        public init(lead: Int64, key: Key, domain: String?, qualification: LeadQualification?, submittedAt: Date) {
            self.lead = lead
            self.key = key
            self.domain = domain
            self.qualification = qualification
            self.submittedAt = submittedAt
        }
    }

    /// An MDF claim's approved amount for a partner's campaign.
    public struct Spend: Sendable, Equatable {
        public let partner: String
        public let campaign: String
        public let approved: Money

        public init(partner: String, campaign: String, approved: Money) {
            self.partner = partner
            self.campaign = campaign
            self.approved = approved
        }
    }

    /// Everything the funnel is computed from.
    public struct Facts: Sendable {
        public var hits: [HitCount]
        /// Every submission of the leads counted (their first one decides their place).
        public var submissions: [Submission]
        public var deals: [Deal]
        public var spend: [Spend]

        public init(hits: [HitCount] = [], submissions: [Submission] = [], deals: [Deal] = [], spend: [Spend] = []) {
            self.hits = hits
            self.submissions = submissions
            self.deals = deals
            self.spend = spend
        }
    }

    public struct Key: Sendable, Hashable, Comparable {
        public let partner: String
        public let campaign: String
        public let locale: String
        public let asset: String

        public init(partner: String, campaign: String, locale: String, asset: String) {
            self.partner = partner
            self.campaign = campaign
            self.locale = locale
            self.asset = asset
        }

        public static func < (a: Key, b: Key) -> Bool { (a.partner, a.campaign, a.locale, a.asset) < (b.partner, b.campaign, b.locale, b.asset) }
    }

    /// One line of the funnel: an asset's figures, or (`isTotal`) a partner x campaign's with its MDF spend.
    public struct Row: Sendable, Equatable {
        public var key: Key
        public var isTotal = false
        public var impressions = 0
        public var opens = 0
        /// Of `opens`, those fetched by mail providers' image proxies.
        public var proxyOpens = 0
        public var clicks = 0
        public var leads = 0
        public var qualified = 0
        public var registered = 0
        public var won = 0
        public var lost = 0
        /// Minor units per currency.
        public var revenue: [String: Int64] = [:]
        public var influenced: [String: Int64] = [:]
        public var mdfSpent: [String: Int64] = [:]

        public init(key: Key, isTotal: Bool = false) {
            self.key = key
            self.isTotal = isTotal
        }

        /// Revenue per unit of MDF spent, two decimals, when both are in one currency; else empty.
        public var revenuePerMDF: String {
            guard mdfSpent.count == 1, let (currency, spent) = mdfSpent.first, spent > 0, revenue.keys.allSatisfy({ $0 == currency }) else { return "" }
            return MDFReportRow.ratio(revenue[currency] ?? 0, spent)
        }

        mutating func add(_ other: Row) {
            impressions += other.impressions
            opens += other.opens
            proxyOpens += other.proxyOpens
            clicks += other.clicks
            leads += other.leads
            qualified += other.qualified
            registered += other.registered
            won += other.won
            lost += other.lost
            revenue.merge(other.revenue, uniquingKeysWith: +)
            influenced.merge(other.influenced, uniquingKeysWith: +)
        }
    }

    /// Where hits of each agent class count.
    public static let uncounted: Set<String> = [Visitor.AgentClass.bot.rawValue]
    public static let proxied = Visitor.AgentClass.mailProxy.rawValue

    /// The funnel's rows, sorted by key; each partner x campaign's asset rows are followed by its total row
    /// (locale and asset `*`). With `partner`, only that partner's rows (the facts may hold other partners'
    /// registrations at its accounts, for influenced revenue).
    public static func report(_ facts: Facts, partner: String? = nil, window days: Int = RevenueAttribution.windowDays) -> [Row] {
        var rows: [Key: Row] = [:]
        func update(_ key: Key, _ change: (inout Row) -> Void) { change(&rows[key, default: Row(key: key)]) }
        for hit in facts.hits where !uncounted.contains(hit.agentClass) {
            update(hit.key) { row in
                switch hit.kind {
                case .download, .view: row.impressions += hit.count
                case .open:
                    row.opens += hit.count
                    if hit.agentClass == proxied { row.proxyOpens += hit.count }
                case .click: row.clicks += hit.count
                }
            }
        }
        // Each lead at its first submission (the earliest; at the same instant, the lower key).
        var firsts: [Int64: Submission] = [:]
        for submission in facts.submissions {
            if let first = firsts[submission.lead], (first.submittedAt, first.key) <= (submission.submittedAt, submission.key) { continue }
            firsts[submission.lead] = submission
        }
        for lead in firsts.values {
            update(lead.key) { row in
                row.leads += 1
                if lead.qualification == .qualified { row.qualified += 1 }
            }
        }
        // Deals at their lead, else the partner's first lead at the account, else the partner alone.
        var firstAtAccount: [Account: Submission] = [:]
        for lead in firsts.values {
            guard let domain = lead.domain else { continue }
            let account = Account(partner: lead.key.partner, domain: domain)
            if let first = firstAtAccount[account], (first.submittedAt, first.lead) <= (lead.submittedAt, lead.lead) { continue }
            firstAtAccount[account] = lead
        }
        for deal in facts.deals where DealStatus.evidence.contains(deal.status) {
            let key = deal.leadID.flatMap { firsts[$0] }.map(\.key).flatMap { $0.partner == deal.partner ? $0 : nil }
                ?? firstAtAccount[Account(partner: deal.partner, domain: deal.domain)]?.key ?? Key(partner: deal.partner, campaign: "", locale: "", asset: "")
            update(key) { row in
                row.registered += 1
                if deal.status == .lost { row.lost += 1 }
                if let win = deal.sourcedWin {
                    row.won += 1
                    row.revenue[win.amount.currency, default: 0] += win.amount.amountMinor
                }
            }
        }
        // Influenced revenue, at the partner's latest lead at the account before the close.
        let won = facts.deals.compactMap(\.win)
        let wonAccounts = Set(won.map(\.domain))
        var byAccount: [Account: [Submission]] = [:]
        for submission in facts.submissions {
            guard let domain = submission.domain, wonAccounts.contains(domain) else { continue }
            byAccount[Account(partner: submission.key.partner, domain: domain), default: []].append(submission)
        }
        let touches = byAccount.flatMap { account, submissions in
            submissions.map { RevenueAttribution.LeadTouch(partner: account.partner, domain: account.domain, submittedAt: $0.submittedAt) }
        }
        let wonByID = Dictionary(uniqueKeysWithValues: won.map { ($0.id, $0) })
        for credit in RevenueAttribution.credits(won: won, leads: touches, window: days) where credit.kind == .influenced {
            guard let deal = wonByID[credit.deal], let until = Period.day(deal.closeDate)?.addingTimeInterval(86_400),
                  let touch = byAccount[Account(partner: credit.partner, domain: deal.domain)]?.filter({ $0.submittedAt < until })
                    .max(by: { ($0.submittedAt, $0.lead) < ($1.submittedAt, $1.lead) })
            else { continue }
            update(touch.key) { $0.influenced[credit.amount.currency, default: 0] += credit.amount.amountMinor }
        }
        // Totals per partner x campaign, with the campaign's MDF spend; each group's rows in key order, its total last.
        var groups: [Campaign: (rows: [Row], total: Row)] = [:]
        func add(_ partner: String, _ campaign: String, _ change: (inout (rows: [Row], total: Row)) -> Void) {
            change(&groups[Campaign(partner: partner, campaign: campaign),
                           default: ([], Row(key: Key(partner: partner, campaign: campaign, locale: "*", asset: "*"), isTotal: true))])
        }
        for row in rows.values where partner == nil || row.key.partner == partner {
            add(row.key.partner, row.key.campaign) { group in
                group.rows.append(row)
                group.total.add(row)
            }
        }
        for spend in facts.spend where partner == nil || spend.partner == partner {
            add(spend.partner, spend.campaign) { $0.total.mdfSpent[spend.approved.currency, default: 0] += spend.approved.amountMinor }
        }
        return groups.sorted { $0.key < $1.key }.flatMap { _, group in
            group.rows.sorted { inByteOrder(($0.key.locale, $0.key.asset), ($1.key.locale, $1.key.asset)) } + [group.total]
        }
    }

    /// A partner at an account (its domain).
    struct Account: Hashable {
        let partner: String
        let domain: String
    }

    /// A partner's campaign: the rows a total row sums.
    struct Campaign: Hashable, Comparable {
        let partner: String
        let campaign: String

        /// Byte order, as the database's `COLLATE "C"`: the same order on every machine, and quicker than `String`'s.
        static func < (a: Campaign, b: Campaign) -> Bool { inByteOrder((a.partner, a.campaign), (b.partner, b.campaign)) }
    }

    /// Whether pair `a` comes before pair `b` in byte order: by the first text, then the second.
    static func inByteOrder(_ a: (String, String), _ b: (String, String)) -> Bool {
        a.0 == b.0 ? a.1.utf8.lexicographicallyPrecedes(b.1.utf8) : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
    }
}

extension Funnel.Row {
    /// The columns of the CSV export and the pages' tables, in order.
    public static let columns = [
        "partner", "campaign", "locale", "asset", "impressions", "opens", "opens_by_proxies", "clicks", "leads", "qualified", "deals_registered",
        "deals_won", "deals_lost", "revenue", "influenced_revenue", "mdf_spent", "revenue_per_mdf",
    ]

    /// Money per currency as text: `48000.00 EUR; 1200.00 USD`, empty when none.
    public static func amounts(_ minor: [String: Int64]) -> String {
        minor.sorted { $0.key < $1.key }.map { "\(Money(amountMinor: $1, currency: $0).majorText) \($0)" }.joined(separator: "; ")
    }

    public var fields: [String] {
        [key.partner, key.campaign, key.locale, key.asset, String(impressions), String(opens), String(proxyOpens), String(clicks), String(leads),
         String(qualified), String(registered), String(won), String(lost), Self.amounts(revenue), Self.amounts(influenced), Self.amounts(mdfSpent),
         revenuePerMDF]
    }

    /// The row as JSON: counts as numbers, money as `{"EUR": "48000.00"}` (major units as text, never floats).
    public var object: [String: Any] {
        func money(_ minor: [String: Int64]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: minor.map { ($0.key, Money(amountMinor: $0.value, currency: $0.key).majorText) })
        }
        return ["partner": key.partner, "campaign": key.campaign, "locale": key.locale, "asset": key.asset, "total": isTotal,
                "impressions": impressions, "opens": opens, "opens_by_proxies": proxyOpens, "clicks": clicks, "leads": leads, "qualified": qualified,
                "deals_registered": registered, "deals_won": won, "deals_lost": lost, "revenue": money(revenue), "influenced_revenue": money(influenced),
                "mdf_spent": money(mdfSpent), "revenue_per_mdf": revenuePerMDF]
    }
}

extension Funnel {
    /// The stages of the chart by label key, with the figure of `row` at each.
    static func stages(_ row: Row) -> [(key: String, value: Int)] {
        [("impressions", row.impressions), ("opens", row.opens), ("clicks", row.clicks), ("leads", row.leads), ("qualified", row.qualified),
         ("deals_registered", row.registered), ("deals_won", row.won)]
    }

    /// The chart's words by key, in English; the portal passes its catalog's (`portal.<key>`).
    public static let englishLabels = [
        "impressions": "Impressions", "opens": "Opens", "clicks": "Clicks", "leads": "Leads", "qualified": "Qualified", "deals_registered": "Deals registered",
        "deals_won": "Deals won", "opens_by_proxies": "by mail proxies", "revenue": "won",
    ]

    /// The portal's catalog keys for the funnel (`portal.<key>`): the chart's words as `funnel_<key>`, and the
    /// table's and page's own.
    public static let portalKeys = englishLabels.keys.sorted().map { "funnel_\($0)" }
        + ["funnel_title", "funnel_deals_lost", "funnel_revenue_won", "funnel_influenced", "funnel_mdf_spent", "funnel_revenue_per_mdf", "funnel_note",
           "funnel_download"]

    /// The rows' totals summed: what the chart draws.
    public static func total(_ rows: [Row]) -> Row {
        var total = Row(key: Key(partner: "*", campaign: "*", locale: "*", asset: "*"), isTotal: true)
        for row in rows where row.isTotal {
            total.add(row)
            total.mdfSpent.merge(row.mdfSpent, uniquingKeysWith: +)
        }
        return total
    }

    /// A server-rendered SVG funnel of `total`: one centred bar per stage, widths to scale (at least a
    /// sliver, so a stage with few is still seen), each with its figure; opens say how many came from
    /// mail proxies. No script; every text escaped.
    public static func svg(_ total: Row, title: String, labels: [String: String] = englishLabels, money: ([String: Int64]) -> String = Row.amounts) -> String {
        func label(_ key: String) -> String { labels[key] ?? englishLabels[key] ?? key }
        let width = 560, left = 150, bar = 26, gap = 6
        let stages = stages(total)
        let scale = max(1, stages.map(\.value).max() ?? 1)
        let height = stages.count * (bar + gap) + 40
        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(left + width + 230) \##(height)" width="100%" role="img" aria-labelledby="funnel-title"><title id="funnel-title">\##(title.htmlEscaped)</title>"##]
        let revenue = money(total.revenue)
        parts.append(##"<text x="0" y="16" font-size="13" font-weight="bold" fill="#1A1A1A">\##(title.htmlEscaped)\##(revenue.isEmpty ? "" : ": \(label("revenue")) \(revenue)".htmlEscaped)</text>"##)
        for (index, stage) in stages.enumerated() {
            let y = 28 + index * (bar + gap)
            let length = max(2, stage.value * width / scale)
            let x = left + (width - length) / 2
            let note = (stage.key == "opens" && total.proxyOpens > 0 ? " (\(total.proxyOpens) \(label("opens_by_proxies")))" : "").htmlEscaped
            let name = label(stage.key).htmlEscaped
            parts.append(##"<text x="\##(left - 8)" y="\##(y + 17)" text-anchor="end" font-size="12" fill="#1A1A1A">\##(name)</text><rect x="\##(x)" y="\##(y)" width="\##(length)" height="\##(bar)" fill="#0B5FFF"><title>\##(name): \##(stage.value)\##(note)</title></rect><text x="\##(left + width + 8)" y="\##(y + 17)" font-size="12" fill="#1A1A1A">\##(stage.value)\##(note)</text>"##)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}

extension Funnel {
    /// Days `from` to `to` (YYYY-MM-DD, both included; either may be left out).
    public struct Range: Sendable, Equatable {
        public let from: Date?
        public let until: Date?

        public static let all = Range(from: nil, until: nil)

        public init(from: Date?, until: Date?) {
            self.from = from
            self.until = until
        }

        /// Reads the days, or names the one that is not a day (`field` as the caller calls it).
        public init(from: String?, to: String?) throws(FieldError) {
            func day(_ text: String?, _ field: String) throws(FieldError) -> Date? {
                guard let text, !text.isEmpty else { return nil }
                guard let date = Period.day(text) else { throw FieldError(field: field, code: "invalid", message: "'\(text)' is not a day; write YYYY-MM-DD") }
                return date
            }
            let start = try day(from, "from"), end = try day(to, "to")
            if let start, let end, end < start { throw FieldError(field: "to", code: "invalid", message: "the range ends before it starts; put to on or after from") }
            self.init(from: start, until: end?.addingTimeInterval(86_400))
        }
    }
}
