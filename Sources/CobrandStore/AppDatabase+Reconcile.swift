import CobrandCore
import Foundation
import GRDB

/// Reconciliation: gathers each claim's evidence from the tracked activity, lets `Reconciler` decide,
/// and stores the decisions (audited when they change). Admin overrides are kept as they are.
extension AppDatabase {
    /// Decides every claim of `period`; returns the decisions in claim order.
    @discardableResult
    public func reconcile(period: String, rules: Reconciler.Rules, actor: String, now: Date) throws -> [Reconciler.Decision] {
        try writer.write { db in
            let allocations = Dictionary(uniqueKeysWithValues: try Allocation.filter(Allocation.Columns.period == period).fetchAll(db)
                .map { ($0.partner, $0.amount) })
            let claims = try Self.claims(period: period, partner: nil).fetchAll(db)
            let inputs = try claims.map { claim in
                Reconciler.Claim(
                    id: claim.id, partner: claim.partner, campaign: claim.campaign, activity: claim.activity, start: claim.activityStart,
                    end: claim.activityEnd, amount: claim.amount, invoice: claim.invoice, results: claim.results,
                    evidence: try Self.evidence(for: claim, engagement: rules.engagement, db), override: claim.state.settledDecision)
            }
            let decisions = Reconciler(rules: rules).reconcile(inputs, allocations: allocations)
            var audit = try AuditAppender(db, now: now)
            for (claim, decision) in zip(claims, decisions) {
                guard let next = claim.state.reconciled(decision, at: now) else { continue }
                try claim.with(next).update(db)
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

    /// What was tracked for the claim's partner and campaign inside its window (days inclusive, UTC).
    static func evidence(for claim: Claim, engagement: EngagementRule, _ db: Database) throws -> Reconciler.Evidence {
        let from = claim.activityStart, until = Period.add(1, to: claim.activityEnd)
        var evidence = Reconciler.Evidence()
        let first = try String.fetchOne(db.cachedStatement(sql: "SELECT MIN(occurredAt) FROM event WHERE partner = ? AND campaign = ? AND kind = 'download'"),
                                        arguments: [claim.partner, claim.campaign])
        evidence.firstDownload = first.map { String($0.prefix(10)) }
        // Hits grouped by what engagement counts by; `EngagementRule` decides which groups count.
        let hits = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT kind, asset, ipHash, substr(occurredAt, 1, 10) AS day, agentClass, COUNT(*) AS n FROM event
            WHERE partner = ? AND occurredAt >= ? AND occurredAt < ? AND campaign = ? GROUP BY kind, asset, ipHash, day, agentClass
            """), arguments: [claim.partner, from, until, claim.campaign]).compactMap { row -> EngagementRule.Hits? in
            guard let kind = AssetEvent.Kind(rawValue: row["kind"]) else { return nil }
            return EngagementRule.Hits(kind: kind, asset: row["asset"], visitor: row["ipHash"], day: row["day"], agentClass: row["agentClass"], count: row["n"])
        }
        let partnerVisitors = Set(try String.fetchAll(db.cachedStatement(sql: "SELECT visitor FROM partnerAddress WHERE partner = ?"),
                                                      arguments: [claim.partner]))
        let figures = engagement.count(hits, partnerVisitors: partnerVisitors)
        evidence.downloads = figures[.download]?.raw ?? 0
        evidence.opens = figures[.open]?.counted ?? 0
        evidence.clicks = figures[.click]?.counted ?? 0
        evidence.views = figures[.view]?.counted ?? 0
        evidence.hits = figures.mapValues(\.raw)
        let leads = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(DISTINCT leadId) AS leads, SUM(source = 'webinar') AS webinar FROM leadSubmission
            WHERE partner = ? AND campaign = ? AND submittedAt >= ? AND submittedAt < ?
            """), arguments: [claim.partner, claim.campaign, from, until])
        evidence.leads = leads?["leads"] ?? 0
        evidence.webinarRegistrations = leads?["webinar"] ?? 0
        let deals = try DealRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM deal WHERE partner = ? AND domain IN (
              SELECT companyDomain FROM lead WHERE partner = ? AND id IN (SELECT leadId FROM leadSubmission WHERE partner = ? AND campaign = ?))
            ORDER BY id
            """), arguments: [claim.partner, claim.partner, claim.partner, claim.campaign]).map { try $0.deal() }
        evidence.add(deals: deals, currency: claim.currency)
        return evidence
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
