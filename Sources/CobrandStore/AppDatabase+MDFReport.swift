import CobrandCore
import Foundation
import GRDB

/// The MDF report: per period and partner, money in and results out (MDF ROI).
extension AppDatabase {
    public struct MDFReportRow: Codable, Equatable, Sendable {
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
        /// Deals (pending or approved) registered for the accounts of those leads, and the approved ones.
        public let pipeline: String
        public let approvedDeals: String
        /// Approved-deal value per unit of approved MDF, two decimals; empty when nothing was approved.
        public let roi: String

        public var fields: [String] {
            [partner, period, currency, allocated, claimed, approved, remaining, String(leads), costPerLead, pipeline, approvedDeals, roi]
        }

        enum CodingKeys: String, CodingKey {
            case partner, period, currency, allocated, claimed, approved, remaining, leads, costPerLead = "cost_per_lead", pipeline,
                 approvedDeals = "approved_deals", roi
        }
    }

    public static let mdfReportColumns = [
        "partner", "period", "currency", "allocated", "claimed", "approved", "remaining", "leads", "cost_per_lead", "pipeline", "approved_deals", "roi",
    ]

    public func mdfReport(period: String) throws -> [MDFReportRow] {
        let balances = try balances(period: period)
        return try writer.read { db in
            // Every allocation of a period has the period's days.
            guard let days = try Row.fetchOne(db, sql: "SELECT start, end FROM mdfAllocation WHERE period = ? LIMIT 1", arguments: [period])
            else { return [] }
            let start: String = days["start"], until = Period.add(1, to: days["end"])
            return try balances.map { balance in
                let campaigns = "SELECT campaign FROM mdfClaim WHERE partner = ? AND period = ? AND status <> 'rejected'"
                let leads = try Int.fetchOne(db, sql: """
                    SELECT COUNT(DISTINCT leadId) FROM leadSubmission
                    WHERE partner = ? AND submittedAt >= ? AND submittedAt < ? AND campaign IN (\(campaigns))
                    """, arguments: [balance.partner, start, until, balance.partner, period]) ?? 0
                let deals = try Row.fetchOne(db, sql: """
                    SELECT COALESCE(SUM(valueMinor), 0) AS pipeline, COALESCE(SUM(CASE WHEN status = 'approved' THEN valueMinor END), 0) AS approved
                    FROM deal WHERE partner = ? AND currency = ? AND status IN \(DealStatus.sqlList(DealStatus.pipeline)) AND domain IN (
                      SELECT companyDomain FROM lead WHERE partner = ? AND id IN (
                        SELECT leadId FROM leadSubmission WHERE partner = ? AND submittedAt >= ? AND submittedAt < ? AND campaign IN (\(campaigns))))
                    """, arguments: [balance.partner, balance.currency, balance.partner, balance.partner, start, until, balance.partner, period])
                let approvedMinor = Money(major: balance.approved, currency: balance.currency)?.amountMinor ?? 0
                let approvedDeals: Int64 = deals?["approved"] ?? 0
                func text(_ minor: Int64) -> String { Money(amountMinor: minor, currency: balance.currency).majorText }
                return MDFReportRow(
                    partner: balance.partner, period: period, currency: balance.currency, allocated: balance.allocated, claimed: balance.claimed,
                    approved: balance.approved, remaining: balance.remaining, leads: leads,
                    costPerLead: leads > 0 ? text(approvedMinor / Int64(leads)) : "", pipeline: text(deals?["pipeline"] ?? 0),
                    approvedDeals: text(approvedDeals), roi: approvedMinor > 0 ? Self.mdfRatio(approvedDeals, approvedMinor) : "")
            }
        }
    }

    /// `a / b` (both at least 0, `b` above 0) with two decimals, rounded half up. In 128-bit integers:
    /// deal values come from partners (up to 10^17 minor units each), so `a * 200` can overflow `Int64`.
    public static func mdfRatio(_ a: Int64, _ b: Int64) -> String {
        let numerator = Int128(a) * 200 + Int128(b)
        let hundredths = numerator / (Int128(b) * 2)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
