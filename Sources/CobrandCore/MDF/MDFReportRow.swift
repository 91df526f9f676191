import Foundation

/// One partner's line of the MDF report for a period: money in (its allocation's `MDFBalance`) and results
/// out (leads, deal registrations and the revenue they won), with cost per lead and ROI on won revenue.
public struct MDFReportRow: Encodable, Equatable, Sendable {
    /// The allocation's sums, typed (the text fields below are their `majorText`).
    public let balance: MDFBalance
    public let partner: String
    public let period: String
    public let currency: String
    public let allocated: String
    public let claimed: String
    public let approved: String
    public let remaining: String
    /// Leads of the partner's claimed campaigns submitted in the period.
    public let leads: Int
    /// Approved MDF per lead; empty without leads.
    public let costPerLead: String
    /// The "pipeline" (`DealStatus.pipeline`) registered for the accounts of those leads, and its approved part.
    public let pipeline: String
    public let approvedDeals: String
    /// Revenue the CRM reports won on the partner's own registrations for those accounts (`Deal.sourcedWin`).
    public let wonRevenue: String
    /// Won revenue per unit of approved MDF, two decimals; empty when nothing was approved.
    public let roi: String

    public static let columns = [
        "partner", "period", "currency", "allocated", "claimed", "approved", "remaining", "leads", "cost_per_lead", "pipeline", "approved_deals",
        "won_revenue", "roi",
    ]

    public var fields: [String] {
        [partner, period, currency, allocated, claimed, approved, remaining, String(leads), costPerLead, pipeline, approvedDeals, wonRevenue, roi]
    }

    enum CodingKeys: String, CodingKey {
        case partner, period, currency, allocated, claimed, approved, remaining, leads, costPerLead = "cost_per_lead", pipeline,
             approvedDeals = "approved_deals", wonRevenue = "won_revenue", roi
    }

    /// `leads` and `deals` are those of the partner's claimed campaigns in the period; deals in another
    /// currency than the allocation's do not count.
    public init(partner: String, period: String, balance: MDFBalance, leads: Int, deals: [Deal]) {
        let currency = balance.allocated.currency
        let pipeline = deals.filter { $0.value.currency == currency && DealStatus.pipeline.contains($0.status) }
        let approvedDeals = pipeline.filter { $0.status == .approved }.reduce(Int64(0)) { $0 + $1.value.amountMinor }
        let won = deals.compactMap(\.sourcedWin).filter { $0.amount.currency == currency }.reduce(Int64(0)) { $0 + $1.amount.amountMinor }
        let approved = balance.approved.amountMinor
        func text(_ minor: Int64) -> String { Money(amountMinor: minor, currency: currency).majorText }
        self.balance = balance
        self.partner = partner
        self.period = period
        self.currency = currency
        allocated = balance.allocated.majorText
        claimed = balance.claimed.majorText
        self.approved = balance.approved.majorText
        remaining = balance.remaining.majorText
        self.leads = leads
        costPerLead = leads > 0 ? text(approved / Int64(leads)) : ""
        self.pipeline = text(pipeline.reduce(0) { $0 + $1.value.amountMinor })
        self.approvedDeals = text(approvedDeals)
        wonRevenue = text(won)
        roi = approved > 0 ? Self.ratio(won, approved) : ""
    }

    /// `a / b` (both at least 0, `b` above 0) with two decimals, rounded half up. In 128-bit integers:
    /// deal values come from partners (up to 10^17 minor units each), so `a * 200` can overflow `Int64`.
    public static func ratio(_ a: Int64, _ b: Int64) -> String {
        let numerator = Int128(a) * 200 + Int128(b)
        let hundredths = numerator / (Int128(b) * 2)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
