import CobrandCore
import Foundation
import GRDB

/// The MDF report: the facts of each allocation of a period; `MDFReportRow` computes the line.
extension AppDatabase {
    public typealias MDFReportRow = CobrandCore.MDFReportRow

    public func mdfReport(period: String) throws -> [MDFReportRow] {
        try writer.read { db in
            let allocations = try Self.allocations(period: period, partner: nil).order(Allocation.Columns.partner, Allocation.Columns.start).fetchAll(db)
            // Every allocation of a period has the period's days.
            guard let days = allocations.first else { return [] }
            let (start, until) = (days.start, Period.add(1, to: days.end))
            let claims = Dictionary(grouping: try Self.claims(period: period, partner: nil).fetchAll(db), by: \.partner)
            return try allocations.map { allocation in
                let own = claims[allocation.partner] ?? []
                let campaigns = Set(own.filter { $0.status.isClaimed }.map(\.campaign))
                let leadIDs = Set(try LeadSubmissionRecord.filter(LeadSubmissionRecord.Columns.partner == allocation.partner
                                                                  && LeadSubmissionRecord.Columns.submittedAt >= start
                                                                  && LeadSubmissionRecord.Columns.submittedAt < until
                                                                  && campaigns.contains(LeadSubmissionRecord.Columns.campaign))
                    .select(LeadSubmissionRecord.Columns.leadId, as: Int64.self).fetchAll(db))
                let domains = Set(try LeadRecord.filter(keys: leadIDs).fetchAll(db).compactMap(\.companyDomain))
                let deals = try DealRecord.filter(DealRecord.Columns.partner == allocation.partner && domains.contains(DealRecord.Columns.domain))
                    .order(DealRecord.Columns.id).fetchAll(db).map { try $0.deal() }
                return MDFReportRow(partner: allocation.partner, period: period, balance: MDFBalance(allocation: allocation.amount, claims: own.map(\.state)),
                                    leads: leadIDs.count, deals: deals)
            }
        }
    }
}
