import CobrandCore
import Foundation
import GRDB

/// Reconciliation: gathers each claim's evidence from the tracked activity, lets `Reconciler` decide,
/// and stores the decisions (audited when they change). Admin overrides are kept as they are.
extension AppDatabase {
    /// Decides every claim of `period`; returns the decisions in claim order. The evidence of all claims is
    /// read in a few set-based queries, and the changed decisions and their audit rows written in this one transaction.
    @discardableResult
    public func reconcile(period: String, rules: Reconciler.Rules, actor: String, now: Date) throws -> [Reconciler.Decision] {
        try writer.write { db in
            let allocations = Dictionary(uniqueKeysWithValues: try Allocation.filter(Allocation.Columns.period == period).fetchAll(db)
                .map { ($0.partner, $0.amount) })
            let claims = try Self.claims(period: period, partner: nil).fetchAll(db)
            let facts = try Self.evidenceFacts(period: period, db)
            let inputs = claims.map { $0.reconcilerInput(facts, engagement: rules.engagement) }
            let decisions = Reconciler(rules: rules).reconcile(inputs, allocations: allocations)
            var audit = try AuditAppender(db, now: now)
            let save = try db.cachedStatement(sql: "UPDATE mdfClaim SET status = ?, approvedMinor = ?, reasons = ?, decidedAt = ? WHERE id = ?")
            for (claim, decision) in zip(claims, decisions) {
                guard let next = claim.state.reconciled(decision, at: now) else { continue }
                try save.execute(arguments: [next.status.rawValue, next.approvedMinor, try Claim.reasonsColumn(next.reasons), next.decidedAt, next.id])
                try audit.append(.decide(claim, decision), actor: actor, db)
            }
            return decisions
        }
    }

    /// An admin's decision on a claim, with a note (`ClaimState.overridden`); reconciliation keeps it from then on.
    public func override(claim id: Int64, status: Reconciler.Decision.Status, approvedMinor: Int64?, note: String, actor: String, now: Date) throws -> Claim {
        try writer.write { db in
            let claim = try Self.claim(id, db)
            let next = try claim.state.overridden(status, approvedMinor: approvedMinor, note: note, at: now)
            let overridden = claim.with(next)
            try overridden.update(db)
            try Self.audit(.override(claim, status: status, to: next, note: note), actor: actor, now: now, db)
            return try Self.claim(id, db)
        }
    }

    /// What was tracked for every claim of `period`: hits and lead submissions inside each claim's window
    /// (days inclusive, UTC) by claim, first downloads and deals by partner and campaign, the partners' own addresses.
    static func evidenceFacts(period: String, _ db: Database) throws -> EvidenceFacts {
        var facts = EvidenceFacts()
        let claimed = "SELECT DISTINCT partner, campaign FROM mdfClaim WHERE period = ?"
        // Hits grouped by what engagement counts by; `EngagementRule` decides which groups count.
        let hits = try Row.fetchCursor(db, sql: """
            SELECT c.id, e.kind, e.asset, e.ipHash, substr(e.occurredAt, 1, 10) AS day, e.agentClass, COUNT(*) FROM mdfClaim c
            JOIN event e ON e.partner = c.partner AND e.occurredAt >= c.activityStart AND e.occurredAt < date(c.activityEnd, '+1 day')
              AND e.campaign = c.campaign
            WHERE c.period = ? GROUP BY c.id, e.kind, e.asset, e.ipHash, day, e.agentClass
            """, arguments: [period])
        while let row = try hits.next() {
            guard let kind = AssetEvent.Kind(rawValue: row[1]) else { continue }
            facts.hits[row[0], default: []].append(
                EngagementRule.Hits(kind: kind, asset: row[2], visitor: row[3], day: row[4], agentClass: row[5], count: row[6]))
        }
        let submissions = try Row.fetchCursor(db, sql: """
            SELECT c.id, COUNT(DISTINCT s.leadId), SUM(s.source = 'webinar') FROM mdfClaim c
            JOIN leadSubmission s ON s.partner = c.partner AND s.campaign = c.campaign AND s.submittedAt >= c.activityStart
              AND s.submittedAt < date(c.activityEnd, '+1 day')
            WHERE c.period = ? GROUP BY c.id
            """, arguments: [period])
        while let row = try submissions.next() { facts.submissions[row[0]] = EvidenceFacts.Submissions(leads: row[1], webinar: row[2]) }
        let downloads = try Row.fetchCursor(db, sql: """
            SELECT partner, campaign, (SELECT substr(MIN(occurredAt), 1, 10) FROM event
              WHERE event.partner = claimed.partner AND event.campaign = claimed.campaign AND kind = ?)
            FROM (\(claimed)) AS claimed
            """, arguments: [AssetEvent.Kind.download.rawValue, period])
        while let row = try downloads.next() {
            guard let day: String = row[2] else { continue }
            facts.firstDownloads[EvidenceFacts.Campaign(partner: row[0], campaign: row[1])] = day
        }
        let visitors = try Row.fetchCursor(db, sql: """
            SELECT partner, visitor FROM partnerAddress WHERE partner IN (SELECT partner FROM mdfClaim WHERE period = ?)
            """, arguments: [period])
        while let row = try visitors.next() { facts.partnerVisitors[row[0], default: []].insert(row[1]) }
        let deals = try Row.fetchCursor(db, sql: """
            SELECT claimed.campaign AS claimedCampaign, deal.* FROM (\(claimed)) AS claimed JOIN deal ON deal.partner = claimed.partner
            WHERE deal.domain IN (SELECT companyDomain FROM lead WHERE lead.partner = claimed.partner AND lead.id IN (
              SELECT leadId FROM leadSubmission WHERE leadSubmission.partner = claimed.partner AND leadSubmission.campaign = claimed.campaign))
            ORDER BY deal.id
            """, arguments: [period])
        while let row = try deals.next() {
            let deal = try DealRecord(row: row).deal()
            facts.deals[EvidenceFacts.Campaign(partner: deal.partner, campaign: row["claimedCampaign"]), default: []].append(deal)
        }
        return facts
    }
}

extension AppDatabase {
    /// Fills a fresh database for `cobrand bench mdf`, inside SQLite: `events` tracked events (a kit download
    /// per partner and campaign before 2026-Q4, the rest spread over the quarter) for partners `p0..`, one
    /// lead submission per 20 events, and `claims` claims spread over the partners, campaigns and activities.
    public func seedForBenchmark(events: Int, partners: Int, claims: Int, leads: Int? = nil) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
                SELECT CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'click' WHEN 2 THEN 'view' ELSE 'download' END,
                  'p' || (i % ?), 'c' || (i % 3), 'a', 'en-US', NULL,
                  date('2026-10-01', '+' || (i % 92) || ' days') || ' 10:00:00.000', 'h' || (i % 5000), 'desktop'
                FROM n
                """, arguments: [max(0, events - partners * 3), partners])
            // Each partner downloads each campaign's kit before the quarter, as most do.
            try db.execute(sql: """
                INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
                SELECT 'download', 'p' || (i / 3), 'c' || (i % 3), 'bundle', 'en-US', NULL, '2026-09-30 09:00:00.000', 'h', 'desktop' FROM n
                """, arguments: [min(events, partners * 3)])
            try db.execute(sql: """
                INSERT INTO lead (partner, email, consent, campaign, source, locale, companyDomain, createdAt, updatedAt)
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
                SELECT 'p' || (i % ?), 'person' || i || '@corp' || i || '.example', 1, 'c' || (i % 3),
                  CASE i % 2 WHEN 0 THEN 'landing' ELSE 'webinar' END, 'en-US', 'corp' || i || '.example',
                  '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000'
                FROM n
                """, arguments: [max(1, leads ?? events / 20), partners])
            try db.execute(sql: """
                INSERT INTO leadSubmission (leadId, partner, campaign, asset, locale, source, ipHash, submittedAt)
                SELECT id, partner, campaign, NULL, locale, source, 'h', date('2026-10-01', '+' || (id % 92) || ' days') || ' 11:00:00.000' FROM lead
                """)
            try db.execute(sql: """
                INSERT INTO mdfClaim (partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice, results,
                  status, createdAt)
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
                SELECT 'p' || (i % ?), '2026-Q4', 'c' || (i % 3), CASE i % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'webinar' ELSE 'syndication' END,
                  date('2026-10-05', '+' || (i % 60) || ' days'), date('2026-10-05', '+' || (i % 60 + 14) || ' days'),
                  50000 + (i % 7) * 25000, 'EUR', 'INV-' || i, '{"leads":' || (i % 9) || '}', 'submitted', '2026-12-30 10:00:00.000'
                FROM n
                """, arguments: [claims, partners])
        }
    }
}

extension AppDatabase {
    /// Adds to a `seedForBenchmark` database what the funnel reads beyond it (`cobrand bench funnel`): every
    /// third lead qualified by the CRM, `deals` registrations at the leads' accounts (approved ones, a fifth
    /// of them won and a tenth lost), and half the claims approved.
    public func seedFunnelForBenchmark(deals: Int) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE lead SET qualification = 'qualified', qualifiedAt = updatedAt WHERE id % 3 = 0")
            try db.execute(sql: """
                INSERT INTO deal (partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, createdAt, decidedAt,
                  expiresAt, outcomeStage, outcomeMinor, outcomeCurrency, closeDate, outcomeAt)
                SELECT partner, companyDomain, 'Corp ' || id, 4000000, 'EUR', '[]', '2027-03-01', CASE id % 2 WHEN 0 THEN id END,
                  CASE id % 10 WHEN 0 THEN 'won' WHEN 5 THEN 'won' WHEN 3 THEN 'lost' ELSE 'approved' END,
                  CASE id % 10 WHEN 0 THEN 'won-in-crm' WHEN 5 THEN 'won-in-crm' WHEN 3 THEN 'lost-in-crm' ELSE 'approved-by-channel-team' END,
                  '2026-11-05 10:00:00.000', '2026-11-05 10:00:00.000', '2027-02-03 10:00:00.000',
                  CASE id % 10 WHEN 0 THEN 'won' WHEN 5 THEN 'won' WHEN 3 THEN 'lost' END,
                  CASE WHEN id % 5 = 0 THEN 4500000 END, CASE WHEN id % 5 = 0 THEN 'EUR' END,
                  CASE WHEN id % 10 IN (0, 3, 5) THEN '2026-12-15' END, CASE WHEN id % 10 IN (0, 3, 5) THEN '2026-12-15 10:00:00.000' END
                FROM lead ORDER BY id LIMIT ?
                """, arguments: [deals])
            try db.execute(sql: "UPDATE mdfClaim SET status = 'approved', approvedMinor = amountMinor, decidedAt = createdAt WHERE id % 2 = 0")
        }
    }
}
