import CobrandCore
import Foundation
import PostgresNIO

/// MDF on PostgreSQL: allocations, claims, payments, reconciliation and the report, as on SQLite. Every
/// MDF write takes the audit chain's advisory lock first (`mdfWrite`), so appends from several nodes stay one
/// chain and no two MDF writes ever wait on each other's rows in opposite orders.
extension PostgresStore {
    static let auditLock = "mdf-audit"

    /// A write transaction of MDF data: the audit chain's lock is its first statement.
    func mdfWrite<T>(_ body: (PostgresDB) async throws -> sending T) async throws -> sending T {
        try await write { db in
            try await db.lock(Self.auditLock)
            return try await body(db)
        }
    }

    // MARK: Claims

    public func submit(_ request: ClaimRequest, proofs: [ClaimProof], idempotencyKey: String?, actor: String,
                       now: Date) async throws -> (claim: AppDatabase.Claim, created: Bool) {
        try await mdfWrite { db in
            if let idempotencyKey {
                try await db.lock("claim-key:\(request.partner)/\(idempotencyKey)")
                if let earlier = try await db.one(AppDatabase.Claim.self, """
                    SELECT * FROM mdfClaim WHERE partner = \(request.partner) AND idempotencyKey = \(idempotencyKey)
                    """) {
                    return (earlier, false)
                }
            }
            guard let allocation = try await db.one(AppDatabase.Allocation.self, """
                SELECT * FROM mdfAllocation WHERE partner = \(request.partner) AND start <= \(request.start) AND "end" >= \(request.start)
                ORDER BY start DESC LIMIT 1
                """) else { throw ClaimError.noAllocation(partner: request.partner, day: request.start) }
            try ClaimState.checkDeadline(today: Timestamp.day(now), period: allocation.period, deadline: allocation.deadline)
            let claim = AppDatabase.Claim(request, period: allocation.period, idempotencyKey: idempotencyKey, now: now)
            let id = try await db.insertedID("""
                INSERT INTO mdfClaim (partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice, results,
                  status, idempotencyKey, createdAt)
                VALUES (\(claim.partner), \(claim.period), \(claim.campaign), \(claim.activity.rawValue), \(claim.activityStart), \(claim.activityEnd),
                  \(claim.amountMinor), \(claim.currency), \(claim.invoice), \(try JSONColumn.encode(claim.results)), \(claim.status.rawValue),
                  \(claim.idempotencyKey), \(claim.createdAt))
                RETURNING id
                """, table: "mdfClaim")
            for proof in proofs {
                try await db.run("""
                    INSERT INTO mdfProof (claimId, name, sha256, size) VALUES (\(id), \(proof.name), \(proof.sha256), \(proof.data.count))
                    """)
            }
            try await Self.audit(.claim(id, request, period: allocation.period, proofs: proofs), actor: actor, now: now, db)
            return (try await Self.claim(id, db), true)
        }
    }

    public func claim(_ id: Int64) async throws -> AppDatabase.Claim { try await read { db in try await Self.claim(id, db) } }

    public func markPaid(claim id: Int64, reference: String, actor: String, now: Date) async throws -> AppDatabase.Claim {
        try await mdfWrite { db in
            let claim = try await Self.claim(id, db, forUpdate: true)
            try await Self.update(claim.with(try claim.state.paid(reference: reference, at: now)), db)
            try await Self.audit(.pay(claim, reference: reference), actor: actor, now: now, db)
            return try await Self.claim(id, db)
        }
    }

    public func claims(period: String?, partner: String?) async throws -> [AppDatabase.Claim] {
        try await read { db in try await Self.claims(period: period, partner: partner, db) }
    }

    public func proofs(period: String) async throws -> [Int64: [AppDatabase.Proof]] {
        try await read { db in
            let rows = try await db.connection.query("""
                SELECT p.claimId, p.name, p.sha256, p.size FROM mdfProof p JOIN mdfClaim c ON c.id = p.claimId
                WHERE c.period = \(period) ORDER BY p.position
                """, logger: db.logger).collect()
            var result: [Int64: [AppDatabase.Proof]] = [:]
            for row in rows {
                let (claim, name, sha256, size) = try row.decode((Int64, String, String, Int).self)
                result[claim, default: []].append(AppDatabase.Proof(name: name, sha256: sha256, size: size))
            }
            return result
        }
    }

    public func proof(sha256: String, partner: String?) async throws -> AppDatabase.Proof? {
        try await read { db in
            try await db.one(AppDatabase.Proof.self, """
                SELECT p.name, p.sha256, p.size FROM mdfProof p JOIN mdfClaim c ON c.id = p.claimId
                WHERE p.sha256 = \(sha256) AND (\(partner)::text IS NULL OR c.partner = \(partner)) ORDER BY p.position LIMIT 1
                """)
        }
    }

    public func proofs(claim id: Int64) async throws -> [AppDatabase.Proof] {
        try await read { db in
            try await db.all(AppDatabase.Proof.self, "SELECT name, sha256, size FROM mdfProof WHERE claimId = \(id) ORDER BY position")
        }
    }

    static func claim(_ id: Int64, _ db: PostgresDB, forUpdate: Bool = false) async throws -> AppDatabase.Claim {
        guard let claim = try await db.one(AppDatabase.Claim.self, "SELECT * FROM mdfClaim WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")")
        else { throw ClaimError.notFound(id) }
        return claim
    }

    static func claims(period: String?, partner: String?, _ db: PostgresDB, forUpdate: Bool = false) async throws -> [AppDatabase.Claim] {
        try await db.all(AppDatabase.Claim.self, """
            SELECT * FROM mdfClaim WHERE (\(period)::text IS NULL OR period = \(period)) AND (\(partner)::text IS NULL OR partner = \(partner))
            ORDER BY id \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """)
    }

    /// Writes a claim's decision columns (what `ClaimState` changes).
    static func update(_ claim: AppDatabase.Claim, _ db: PostgresDB) async throws {
        try await db.run("""
            UPDATE mdfClaim SET status = \(claim.status.rawValue), approvedMinor = \(claim.approvedMinor),
              reasons = \(try claim.reasons.map { try JSONColumn.encode($0) }), overrideNote = \(claim.overrideNote), decidedAt = \(claim.decidedAt),
              paidAt = \(claim.paidAt), paymentReference = \(claim.paymentReference)
            WHERE id = \(claim.id)
            """)
    }

    // MARK: Allocations

    public func allocate(_ inputs: [AppDatabase.AllocationInput], period: Period, deadlineDays: Int, actor: String, now: Date) async throws {
        try await mdfWrite { db in
            var audit = try await Self.auditAppender(now: now, db)
            for input in inputs {
                if let existing = try await db.value(String.self, """
                    SELECT currency FROM mdfAllocation WHERE partner = \(input.partner) AND period = \(period.id)
                    """), existing != input.amount.currency {
                    throw AppDatabase.MDFError.currencyChange(partner: input.partner, period: period.id, from: existing, to: input.amount.currency)
                }
                let deadline = input.deadline ?? period.dayAfterEnd(adding: deadlineDays)
                try await db.run("""
                    INSERT INTO mdfAllocation (partner, period, start, "end", amountMinor, currency, deadline, createdAt, updatedAt)
                    VALUES (\(input.partner), \(period.id), \(period.start), \(period.end), \(input.amount.amountMinor), \(input.amount.currency),
                      \(deadline), \(now), \(now))
                    ON CONFLICT (partner, period) DO UPDATE SET amountMinor = EXCLUDED.amountMinor, deadline = EXCLUDED.deadline,
                      updatedAt = EXCLUDED.updatedAt
                    """)
                try await Self.insert(audit.next(.allocate(input, period: period, deadline: deadline), actor: actor), db)
            }
        }
    }

    public func extendDeadline(partner: String, period: Period, to day: String, actor: String, now: Date) async throws {
        try await mdfWrite { db in
            let changed = try await db.run("""
                UPDATE mdfAllocation SET deadline = \(day), updatedAt = \(now) WHERE partner = \(partner) AND period = \(period.id) RETURNING 1
                """)
            guard changed == 1 else { throw AppDatabase.MDFError.noAllocation(partner: partner, period: period.id) }
            try await Self.audit(.extendDeadline(partner: partner, period: period, to: day), actor: actor, now: now, db)
        }
    }

    public func allocations(period: String?, partner: String?) async throws -> [AppDatabase.Allocation] {
        try await read { db in try await Self.allocations(period: period, partner: partner, order: .periodPartner, db) }
    }

    /// Orders of allocation lists, as SQLite sorts text (byte order, whatever the database's collation).
    enum AllocationOrder: String {
        case periodPartner = "period COLLATE \"C\", partner COLLATE \"C\""
        case partnerStart = "partner COLLATE \"C\", start"
    }

    static func allocations(period: String?, partner: String?, order: AllocationOrder, _ db: PostgresDB) async throws -> [AppDatabase.Allocation] {
        try await db.all(AppDatabase.Allocation.self, """
            SELECT * FROM mdfAllocation WHERE (\(period)::text IS NULL OR period = \(period)) AND (\(partner)::text IS NULL OR partner = \(partner))
            ORDER BY \(unescaped: order.rawValue)
            """)
    }

    public func balances(period: String?, partner: String?) async throws -> [AppDatabase.Balance] {
        try await read { db in
            let claims = Dictionary(grouping: try await Self.claims(period: period, partner: partner, db), by: { [$0.partner, $0.period] })
            return try await Self.allocations(period: period, partner: partner, order: .partnerStart, db).map { allocation in
                AppDatabase.Balance(partner: allocation.partner, period: allocation.period,
                                    money: MDFBalance(allocation: allocation.amount,
                                                      claims: (claims[[allocation.partner, allocation.period]] ?? []).map(\.state)),
                                    deadline: allocation.deadline)
            }
        }
    }

    // MARK: Audit

    /// The chain's end, read under the chain's lock (held to the end of the transaction).
    static func auditAppender(now: Date, _ db: PostgresDB) async throws -> AppDatabase.AuditAppender {
        try await db.lock(auditLock)
        return AppDatabase.AuditAppender(last: try await db.one(AuditRecord.self, "SELECT * FROM mdfAudit ORDER BY id DESC LIMIT 1"), now: now)
    }

    static func audit(_ event: AppDatabase.AuditEvent, actor: String, now: Date, _ db: PostgresDB) async throws {
        var appender = try await auditAppender(now: now, db)
        try await insert(appender.next(event, actor: actor), db)
    }

    static func insert(_ row: AuditRecord, _ db: PostgresDB) async throws {
        try await insert([row], db)
    }

    /// Audit rows in chain order, one statement of arrays.
    static func insert(_ rows: [AuditRecord], _ db: PostgresDB) async throws {
        guard !rows.isEmpty else { return }
        try await db.run("""
            INSERT INTO mdfAudit (id, at, actor, action, subject, detail, previous, hash)
            SELECT * FROM unnest(\(rows.map(\.id))::bigint[], \(rows.map(\.at))::text[], \(rows.map(\.actor))::text[], \(rows.map(\.action))::text[],
                                 \(rows.map(\.subject))::text[], \(rows.map(\.detail))::text[], \(rows.map(\.previous))::text[], \(rows.map(\.hash))::text[])
            """)
    }

    public func verifyAudit() async throws -> (id: Int64, reason: String)? {
        try await read { db in AuditRecord.firstBroken(try await db.all(AuditRecord.self, "SELECT * FROM mdfAudit ORDER BY id")) }
    }

    public func auditCount() async throws -> Int {
        try await read { db in try await db.value(Int.self, "SELECT count(*) FROM mdfAudit") ?? 0 }
    }

    // MARK: Reconcile

    @discardableResult
    public func reconcile(period: String, rules: Reconciler.Rules, actor: String, now: Date) async throws -> [Reconciler.Decision] {
        try await mdfWrite { db in
            let allocations = Dictionary(uniqueKeysWithValues: try await Self.allocations(period: period, partner: nil, order: .partnerStart, db)
                .map { ($0.partner, $0.amount) })
            let claims = try await Self.claims(period: period, partner: nil, db, forUpdate: true)
            let facts = try await Self.evidenceFacts(period: period, db)
            let inputs = claims.map { $0.reconcilerInput(facts, engagement: rules.engagement) }
            let decisions = Reconciler(rules: rules).reconcile(inputs, allocations: allocations)
            var audit = try await Self.auditAppender(now: now, db)
            var decided: [ClaimState] = [], rows: [AuditRecord] = []
            for (claim, decision) in zip(claims, decisions) {
                guard let next = claim.state.reconciled(decision, at: now) else { continue }
                decided.append(next)
                rows.append(audit.next(.decide(claim, decision), actor: actor))
            }
            try await Self.saveDecisions(decided, at: now, db)
            try await Self.insert(rows, db)
            return decisions
        }
    }

    /// Reconciliation's decisions (`ClaimState.reconciled`: status, approved amount, reasons, decided now), one statement of arrays.
    static func saveDecisions(_ decided: [ClaimState], at now: Date, _ db: PostgresDB) async throws {
        guard !decided.isEmpty else { return }
        try await db.run("""
            UPDATE mdfClaim SET status = saved.status, approvedMinor = saved.approvedMinor, reasons = saved.reasons, decidedAt = \(now)
            FROM unnest(\(decided.map(\.id))::bigint[], \(decided.map(\.status.rawValue))::text[], \(decided.map { $0.approvedMinor ?? 0 })::bigint[],
                        \(try decided.map { try JSONColumn.encode($0.reasons) })::text[])
              AS saved (id, status, approvedMinor, reasons)
            WHERE mdfClaim.id = saved.id
            """)
    }

    public func override(claim id: Int64, status: Reconciler.Decision.Status, approvedMinor: Int64?, note: String, actor: String,
                         now: Date) async throws -> AppDatabase.Claim {
        try await mdfWrite { db in
            let claim = try await Self.claim(id, db, forUpdate: true)
            let next = try claim.state.overridden(status, approvedMinor: approvedMinor, note: note, at: now)
            try await Self.update(claim.with(next), db)
            try await Self.audit(.override(claim, status: status, to: next, note: note), actor: actor, now: now, db)
            return try await Self.claim(id, db)
        }
    }

    /// What was tracked for every claim of `period` (`AppDatabase.evidenceFacts`, the same queries).
    static func evidenceFacts(period: String, _ db: PostgresDB) async throws -> EvidenceFacts {
        var facts = EvidenceFacts()
        let hits = try await db.connection.query("""
            SELECT c.id, e.kind, e.asset, e.ipHash, to_char(e.occurredAt, 'YYYY-MM-DD') AS day, e.agentClass, count(*)::bigint FROM mdfClaim c
            JOIN event e ON e.partner = c.partner AND e.occurredAt >= c.activityStart::date AND e.occurredAt < c.activityEnd::date + 1
              AND e.campaign = c.campaign
            WHERE c.period = \(period) GROUP BY c.id, e.kind, e.asset, e.ipHash, day, e.agentClass
            """, logger: db.logger)
        for try await (id, kind, asset, visitor, day, agent, count) in hits.decode((Int64, String, String, String, String, String, Int).self) {
            guard let kind = AssetEvent.Kind(rawValue: kind) else { continue }
            facts.hits[id, default: []].append(EngagementRule.Hits(kind: kind, asset: asset, visitor: visitor, day: day, agentClass: agent, count: count))
        }
        let submissions = try await db.connection.query("""
            SELECT c.id, count(DISTINCT s.leadId)::bigint, count(*) FILTER (WHERE s.source = 'webinar')::bigint FROM mdfClaim c
            JOIN leadSubmission s ON s.partner = c.partner AND s.campaign = c.campaign AND s.submittedAt >= c.activityStart::date
              AND s.submittedAt < c.activityEnd::date + 1
            WHERE c.period = \(period) GROUP BY c.id
            """, logger: db.logger)
        for try await (id, leads, webinar) in submissions.decode((Int64, Int, Int).self) {
            facts.submissions[id] = EvidenceFacts.Submissions(leads: leads, webinar: webinar)
        }
        let downloads = try await db.connection.query("""
            SELECT partner, campaign, (SELECT to_char(min(occurredAt), 'YYYY-MM-DD') FROM event
              WHERE event.partner = claimed.partner AND event.campaign = claimed.campaign AND kind = \(AssetEvent.Kind.download.rawValue))
            FROM (SELECT DISTINCT partner, campaign FROM mdfClaim WHERE period = \(period)) AS claimed
            """, logger: db.logger)
        for try await (partner, campaign, day) in downloads.decode((String, String, String?).self) {
            guard let day else { continue }
            facts.firstDownloads[EvidenceFacts.Campaign(partner: partner, campaign: campaign)] = day
        }
        let visitors = try await db.connection.query("""
            SELECT partner, visitor FROM partnerAddress WHERE partner IN (SELECT partner FROM mdfClaim WHERE period = \(period))
            """, logger: db.logger)
        for try await (partner, visitor) in visitors.decode((String, String).self) { facts.partnerVisitors[partner, default: []].insert(visitor) }
        let deals = try await db.connection.query("""
            SELECT claimed.campaign AS claimedCampaign, deal.* FROM (SELECT DISTINCT partner, campaign FROM mdfClaim WHERE period = \(period)) AS claimed
            JOIN deal ON deal.partner = claimed.partner
            WHERE deal.domain IN (SELECT companyDomain FROM lead WHERE lead.partner = claimed.partner AND lead.id IN (
              SELECT leadId FROM leadSubmission WHERE leadSubmission.partner = claimed.partner AND leadSubmission.campaign = claimed.campaign))
            ORDER BY deal.id
            """, logger: db.logger)
        for try await row in deals {
            let deal = try row.decode(record: DealRecord.self).deal()
            let claimed = try row.decode(record: ClaimedCampaign.self).claimedCampaign
            facts.deals[EvidenceFacts.Campaign(partner: deal.partner, campaign: claimed), default: []].append(deal)
        }
        return facts
    }

    /// The campaign column beside a deal's in `evidenceFacts`.
    private struct ClaimedCampaign: Decodable { let claimedCampaign: String }

    // MARK: Report

    public func mdfReport(period: String) async throws -> [AppDatabase.MDFReportRow] {
        try await read { db in
            let allocations = try await Self.allocations(period: period, partner: nil, order: .partnerStart, db)
            guard let days = allocations.first else { return [] }
            let (start, until) = (days.start, Period.add(1, to: days.end))
            let claims = Dictionary(grouping: try await Self.claims(period: period, partner: nil, db), by: \.partner)
            var rows: [AppDatabase.MDFReportRow] = []
            for allocation in allocations {
                let own = claims[allocation.partner] ?? []
                let campaigns = Array(Set(own.filter { $0.status.isClaimed }.map(\.campaign))).sorted()
                let leadIDs = Set(try await db.column(Int64.self, """
                    SELECT DISTINCT leadId FROM leadSubmission WHERE partner = \(allocation.partner) AND submittedAt >= \(start)::date
                      AND submittedAt < \(until)::date AND campaign = ANY(\(campaigns))
                    """))
                let deals = try await db.all(DealRecord.self, """
                    SELECT * FROM deal WHERE partner = \(allocation.partner) AND domain IN (SELECT companyDomain FROM lead WHERE id = ANY(\(Array(leadIDs))))
                    ORDER BY id
                    """).map { try $0.deal() }
                rows.append(AppDatabase.MDFReportRow(partner: allocation.partner, period: period,
                                                     balance: MDFBalance(allocation: allocation.amount, claims: own.map(\.state)),
                                                     leads: leadIDs.count, deals: deals))
            }
            return rows
        }
    }
}
