import CobrandCore
import Foundation
import PostgresNIO

/// The funnel's facts on PostgreSQL, as `AppDatabase.funnelFacts`.
extension PostgresStore {
    public func funnelFacts(partner: String?, from: Date?, until: Date?) async throws -> Funnel.Facts {
        let (start, end) = (from ?? .distantPast, until ?? .distantFuture)
        return try await read { db in
            var facts = Funnel.Facts()
            facts.hits = try await db.all(FunnelHitRow.self, """
                SELECT partner, campaign, locale, asset, kind, agentClass, count(*)::bigint AS hits FROM event
                WHERE (\(partner)::text IS NULL OR partner = \(partner)) AND occurredAt >= \(start) AND occurredAt < \(end)
                GROUP BY partner, campaign, locale, asset, kind, agentClass
                """).map(\.count)
            facts.submissions = try await db.all(FunnelSubmissionRow.self, """
                SELECT s.leadId, s.partner, s.campaign, s.locale, s.asset, s.submittedAt, lead.companyDomain, lead.qualification
                FROM leadSubmission s JOIN lead ON lead.id = s.leadId
                WHERE (\(partner)::text IS NULL OR lead.partner = \(partner)) AND lead.createdAt >= \(start) AND lead.createdAt < \(end)
                """).map(\.submission)
            facts.deals = try await db.all(DealRecord.self, """
                SELECT * FROM deal WHERE createdAt >= \(start) AND createdAt < \(end) AND (\(partner)::text IS NULL OR partner = \(partner) OR domain IN (
                  SELECT companyDomain FROM lead WHERE partner = \(partner) AND createdAt >= \(start) AND createdAt < \(end)))
                ORDER BY id
                """).map { try $0.deal() }
            facts.spend = try await db.all(AppDatabase.Claim.self, """
                SELECT * FROM mdfClaim WHERE status = ANY(\(ClaimStatus.approvedAmounts.map(\.rawValue))) AND activityStart >= \(Timestamp.day(start))
                  AND activityStart < \(Timestamp.day(end)) AND (\(partner)::text IS NULL OR partner = \(partner)) ORDER BY id
                """).map(\.spend)
            return facts
        }
    }
}
