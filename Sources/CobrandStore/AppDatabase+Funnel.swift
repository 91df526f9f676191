import CobrandCore
import Foundation
import GRDB

/// The facts of the funnel (`Funnel.report`): hits counted by the database, the leads created in the
/// range with every submission, deals registered in the range (and, for one partner, the other
/// registrations at its leads' accounts, for influenced revenue), and approved MDF of claims whose activity
/// starts in the range. Nil bounds mean all time.
extension AppDatabase {
    public func funnelFacts(partner: String?, from: Date?, until: Date?) async throws -> Funnel.Facts {
        // Only the conditions asked for, so one partner's events are read through the partner's index.
        var conditions = ["1"], arguments = StatementArguments()
        for (condition, value) in [("partner = ?", partner as (any DatabaseValueConvertible)?), ("occurredAt >= ?", from), ("occurredAt < ?", until)] {
            guard let value else { continue }
            conditions.append(condition)
            arguments += [value]
        }
        // Grouping the events is most of the work; on a file (WAL, a pool of readers) it runs beside the rest.
        async let hits = writer.read { [conditions, arguments] db in
            try FunnelHitRow.fetchAll(db, sql: """
                SELECT partner, campaign, locale, asset, kind, agentClass, COUNT(*) AS hits FROM event WHERE \(conditions.joined(separator: " AND "))
                GROUP BY partner, campaign, locale, asset, kind, agentClass
                """, arguments: arguments).map(\.count)
        }
        var facts = try await writer.read { db in
            var facts = Funnel.Facts()
            // Rows by position: a hundred thousand submissions decode several times quicker than through Codable.
            let submissions = try Row.fetchCursor(db, sql: """
                SELECT s.leadId, s.partner, s.campaign, s.locale, s.asset, s.submittedAt, lead.companyDomain, lead.qualification
                FROM leadSubmission s JOIN lead ON lead.id = s.leadId
                WHERE (?1 IS NULL OR lead.partner = ?1) AND (?2 IS NULL OR lead.createdAt >= ?2) AND (?3 IS NULL OR lead.createdAt < ?3)
                """, arguments: [partner, from, until])
            while let row = try submissions.next() {
                facts.submissions.append(try FunnelSubmissionRow(leadId: row[0], partner: row[1], campaign: row[2], locale: row[3], asset: row[4],
                                                                 submittedAt: row[5], companyDomain: row[6], qualification: row[7]).submission)
            }
            facts.deals = try DealRecord.fetchAll(db, sql: """
                SELECT * FROM deal WHERE (?2 IS NULL OR createdAt >= ?2) AND (?3 IS NULL OR createdAt < ?3) AND (?1 IS NULL OR partner = ?1 OR domain IN (
                  SELECT companyDomain FROM lead WHERE partner = ?1 AND (?2 IS NULL OR createdAt >= ?2) AND (?3 IS NULL OR createdAt < ?3)))
                ORDER BY id
                """, arguments: [partner, from, until]).map { try $0.deal() }
            var claims = Claim.filter(ClaimStatus.approvedAmounts.map(\.rawValue).contains(Column("status")))
            if let from { claims = claims.filter(Column("activityStart") >= Timestamp.day(from)) }
            if let until { claims = claims.filter(Column("activityStart") < Timestamp.day(until)) }
            if let partner { claims = claims.filter(Column("partner") == partner) }
            facts.spend = try claims.fetchAll(db).map(\.spend)
            return facts
        }
        facts.hits = try await hits
        return facts
    }
}
