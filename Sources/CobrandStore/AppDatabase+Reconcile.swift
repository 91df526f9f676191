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
            let allocations = Dictionary(uniqueKeysWithValues: try Allocation.fetchAll(db, sql: "SELECT * FROM mdfAllocation WHERE period = ?",
                                                                                     arguments: [period]).map { ($0.partner, $0.amount) })
            let claims = try Claim.fetchAll(db, sql: "SELECT * FROM mdfClaim WHERE period = ? ORDER BY id", arguments: [period])
            let inputs = try claims.map { claim in
                Reconciler.Claim(
                    id: claim.id, partner: claim.partner, campaign: claim.campaign,
                    activity: ClaimRequest.Activity(rawValue: claim.activity) ?? .other, start: claim.activityStart, end: claim.activityEnd,
                    amount: claim.amount, invoice: claim.invoice, results: claim.resultCounts, evidence: try Self.evidence(for: claim, db),
                    override: claim.overrideNote == nil ? nil : (Reconciler.Decision.Status(rawValue: claim.status.rawValue) ?? .review, claim.approvedMinor ?? 0))
            }
            let decisions = Reconciler(rules: rules).reconcile(inputs, allocations: allocations)
            for (claim, decision) in zip(claims, decisions) where claim.overrideNote == nil {
                let reasons = String(decoding: try JSONSerialization.data(withJSONObject: decision.reasons, options: [.withoutEscapingSlashes]), as: UTF8.self)
                guard claim.status.rawValue != decision.status.rawValue || claim.approvedMinor != decision.approvedMinor || claim.reasons != reasons else { continue }
                try db.execute(sql: "UPDATE mdfClaim SET status = ?, approvedMinor = ?, reasons = ?, decidedAt = ? WHERE id = ?",
                               arguments: [decision.status.rawValue, decision.approvedMinor, reasons, now, claim.id])
                try Self.audit(actor: actor, action: "decide", subject: "claim:\(claim.id)", detail: [
                    "status": decision.status.rawValue, "approved": Money(amountMinor: decision.approvedMinor, currency: claim.currency).majorText,
                    "currency": claim.currency, "reasons": decision.reasons,
                ], now: now, db)
            }
            return decisions
        }
    }

    /// An admin's decision on a claim, with a note; reconciliation keeps it from then on.
    public func override(claim id: Int64, status: Reconciler.Decision.Status, approvedMinor: Int64?, note: String, actor: String, now: Date) throws -> Claim {
        try writer.write { db in
            let claim = try Self.claim(id, db)
            let approved: Int64 = switch status {
            case .approved: approvedMinor ?? claim.amountMinor
            case .partial: approvedMinor ?? 0
            case .review, .rejected: 0
            }
            guard approved >= 0, approved <= claim.amountMinor, status != .partial || (approved > 0 && approved < claim.amountMinor) else {
                throw ClaimOverrideError(message: "the approved amount must be at most the claimed \(claim.amount.majorText) \(claim.currency)"
                                         + (status == .partial ? ", above 0 and below the claim for partial" : ""))
            }
            let reasons = String(decoding: try JSONSerialization.data(withJSONObject: ["overridden by an admin: \(note)"]), as: UTF8.self)
            try db.execute(sql: "UPDATE mdfClaim SET status = ?, approvedMinor = ?, overrideNote = ?, reasons = ?, decidedAt = ? WHERE id = ?",
                           arguments: [status.rawValue, approved, note, reasons, now, id])
            try Self.audit(actor: actor, action: "override", subject: "claim:\(id)", detail: [
                "status": status.rawValue, "approved": Money(amountMinor: approved, currency: claim.currency).majorText, "currency": claim.currency,
                "note": note, "previous_status": claim.status.rawValue,
            ], now: now, db)
            return try Self.claim(id, db)
        }
    }

    public struct ClaimOverrideError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// What was tracked for the claim's partner and campaign inside its window (days inclusive, UTC).
    static func evidence(for claim: Claim, _ db: Database) throws -> Reconciler.Evidence {
        let from = claim.activityStart, until = Period.add(1, to: claim.activityEnd)
        var evidence = Reconciler.Evidence()
        let first = try String.fetchOne(db, sql: "SELECT MIN(occurredAt) FROM event WHERE partner = ? AND campaign = ? AND kind = 'download'",
                                        arguments: [claim.partner, claim.campaign])
        evidence.firstDownload = first.map { String($0.prefix(10)) }
        for row in try Row.fetchAll(db, sql: """
            SELECT kind, COUNT(*) AS n FROM event WHERE partner = ? AND occurredAt >= ? AND occurredAt < ? AND campaign = ? GROUP BY kind
            """, arguments: [claim.partner, from, until, claim.campaign]) {
            let count: Int = row["n"]
            switch row["kind"] as String {
            case "download": evidence.downloads = count
            case "open": evidence.opens = count
            case "click": evidence.clicks = count
            case "view": evidence.views = count
            default: break
            }
        }
        let leads = try Row.fetchOne(db, sql: """
            SELECT COUNT(DISTINCT leadId) AS leads, SUM(source = 'webinar') AS webinar FROM leadSubmission
            WHERE partner = ? AND campaign = ? AND submittedAt >= ? AND submittedAt < ?
            """, arguments: [claim.partner, claim.campaign, from, until])
        evidence.leads = leads?["leads"] ?? 0
        evidence.webinarRegistrations = leads?["webinar"] ?? 0
        let deals = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, COALESCE(SUM(valueMinor), 0) AS value FROM deal
            WHERE partner = ? AND currency = ? AND status IN ('pending', 'approved', 'expired') AND domain IN (
              SELECT companyDomain FROM lead WHERE partner = ? AND id IN (SELECT leadId FROM leadSubmission WHERE partner = ? AND campaign = ?))
            """, arguments: [claim.partner, claim.currency, claim.partner, claim.partner, claim.campaign])
        evidence.deals = deals?["n"] ?? 0
        evidence.pipelineMinor = deals?["value"] ?? 0
        return evidence
    }
}
