import CobrandCore
import Foundation
import GRDB

/// MDF claims: stored against the partner's allocation whose period contains the activity's first day,
/// with proofs kept by content beside the database, and an audit entry in the same transaction.
extension AppDatabase {
    public struct Claim: Codable, FetchableRecord, Equatable, Sendable {
        public enum Status: String, Codable, Sendable, CaseIterable { case submitted, approved, partial, review, rejected }

        public let id: Int64
        public let partner: String
        public let period: String
        public let campaign: String
        public let activity: String
        public let activityStart: String
        public let activityEnd: String
        public let amountMinor: Int64
        public let currency: String
        public let invoice: String
        public let results: String
        public let status: Status
        public let approvedMinor: Int64?
        public let reasons: String?
        public let overrideNote: String?
        public let idempotencyKey: String?
        public let createdAt: Date
        public let decidedAt: Date?
        public let paidAt: Date?
        public let paymentReference: String?

        public var amount: Money { Money(amountMinor: amountMinor, currency: currency) }
        /// The decision's reasons; a stored value that is not a JSON list of strings is an error, never "no reasons".
        public func reasonList() throws -> [String] {
            guard let reasons else { return [] }
            return try JSONDecoder().decode([String].self, from: Data(reasons.utf8))
        }
        public var resultCounts: [String: Int] { (try? JSONDecoder().decode([String: Int].self, from: Data(results.utf8))) ?? [:] }
    }

    public struct Proof: Codable, FetchableRecord, Equatable, Sendable {
        public let name: String
        public let sha256: String
        public let size: Int
    }

    public enum ClaimError: Error, Equatable, CustomStringConvertible {
        case noAllocation(partner: String, day: String)
        case pastDeadline(period: String, deadline: String)
        case notFound(Int64)

        public var description: String {
            switch self {
            case let .noAllocation(partner, day): "partner \(partner) has no MDF allocation for a period that contains \(day)"
            case let .pastDeadline(period, deadline): "claims for \(period) closed on \(deadline)"
            case let .notFound(id): "no claim \(id)"
            }
        }

        /// The request field a partner should change.
        public var field: String {
            switch self {
            case .noAllocation, .pastDeadline: "activity_start"
            case .notFound: "id"
            }
        }
    }

    /// Stores a claim and its proofs' names and digests (the files are kept by `SubmitClaim`, before).
    public func submit(_ request: ClaimRequest, proofs: [ClaimProof], idempotencyKey: String?, actor: String,
                       now: Date) throws -> (claim: Claim, created: Bool) {
        if let idempotencyKey, let earlier = try writer.read({ db in
            try Claim.fetchOne(db, sql: "SELECT * FROM mdfClaim WHERE partner = ? AND idempotencyKey = ?", arguments: [request.partner, idempotencyKey])
        }) {
            return (earlier, false)
        }
        return try writer.write { db in
            guard let allocation = try Allocation.fetchOne(db, sql: """
                SELECT * FROM mdfAllocation WHERE partner = ? AND start <= ? AND end >= ? ORDER BY start DESC LIMIT 1
                """, arguments: [request.partner, request.start, request.start])
            else { throw ClaimError.noAllocation(partner: request.partner, day: request.start) }
            let today = Timestamp.day(now)
            guard today <= allocation.deadline else { throw ClaimError.pastDeadline(period: allocation.period, deadline: allocation.deadline) }
            let results = String(decoding: try JSONSerialization.data(withJSONObject: request.results, options: [.sortedKeys]), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO mdfClaim (partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice, results,
                  status, idempotencyKey, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)
                """, arguments: [request.partner, allocation.period, request.campaign, request.activity.rawValue, request.start, request.end,
                                 request.amount.amountMinor, request.amount.currency, request.invoice, results, idempotencyKey, now])
            let id = db.lastInsertedRowID
            for proof in proofs {
                try db.execute(sql: "INSERT INTO mdfProof (claimId, name, sha256, size) VALUES (?, ?, ?, ?)",
                               arguments: [id, proof.name, proof.sha256, proof.data.count])
            }
            try Self.audit(actor: actor, action: "claim", subject: "claim:\(id)", detail: [
                "partner": request.partner, "period": allocation.period, "campaign": request.campaign, "activity": request.activity.rawValue,
                "start": request.start, "end": request.end, "amount": request.amount.majorText, "currency": request.amount.currency,
                "invoice": request.invoice, "results": request.results, "proofs": proofs.map(\.sha256),
            ], now: now, db)
            return (try Self.claim(id, db), true)
        }
    }

    public func claim(_ id: Int64) throws -> Claim { try writer.read { db in try Self.claim(id, db) } }

    /// Records the payment of an approved or partial claim's approved amount.
    public func markPaid(claim id: Int64, reference: String, actor: String, now: Date) throws -> Claim {
        try writer.write { db in
            let claim = try Self.claim(id, db)
            guard claim.status == .approved || claim.status == .partial, claim.paidAt == nil else {
                throw ClaimOverrideError(message: claim.paidAt == nil
                    ? "claim \(id) is \(claim.status.rawValue); only approved or partial claims are paid"
                    : "claim \(id) was already paid (\(claim.paymentReference ?? ""))")
            }
            try db.execute(sql: "UPDATE mdfClaim SET paidAt = ?, paymentReference = ? WHERE id = ?", arguments: [now, reference, id])
            try Self.audit(actor: actor, action: "pay", subject: "claim:\(id)", detail: [
                "amount": Money(amountMinor: claim.approvedMinor ?? 0, currency: claim.currency).majorText, "currency": claim.currency,
                "reference": reference,
            ], now: now, db)
            return try Self.claim(id, db)
        }
    }

    public func claims(period: String? = nil, partner: String? = nil) throws -> [Claim] {
        try writer.read { db in
            try Claim.fetchAll(db, sql: "SELECT * FROM mdfClaim WHERE (? IS NULL OR period = ?) AND (? IS NULL OR partner = ?) ORDER BY id",
                               arguments: [period, period, partner, partner])
        }
    }

    /// The proofs of a period's claims, by claim id.
    public func proofs(period: String) throws -> [Int64: [Proof]] {
        try writer.read { db in
            var result: [Int64: [Proof]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT p.claimId, p.name, p.sha256, p.size FROM mdfProof p JOIN mdfClaim c ON c.id = p.claimId WHERE c.period = ? ORDER BY p.rowid
                """, arguments: [period]) {
                result[row["claimId"], default: []].append(Proof(name: row["name"], sha256: row["sha256"], size: row["size"]))
            }
            return result
        }
    }

    /// A stored proof by its SHA-256, only if it belongs to a claim of `partner` (any claim without one).
    public func proof(sha256: String, partner: String? = nil) throws -> Proof? {
        try writer.read { db in
            try Proof.fetchOne(db, sql: """
                SELECT p.name, p.sha256, p.size FROM mdfProof p JOIN mdfClaim c ON c.id = p.claimId
                WHERE p.sha256 = ? AND (? IS NULL OR c.partner = ?) ORDER BY p.rowid LIMIT 1
                """, arguments: [sha256, partner, partner])
        }
    }

    public func proofs(claim id: Int64) throws -> [Proof] {
        try writer.read { db in try Proof.fetchAll(db, sql: "SELECT name, sha256, size FROM mdfProof WHERE claimId = ? ORDER BY rowid", arguments: [id]) }
    }

    static func claim(_ id: Int64, _ db: Database) throws -> Claim {
        guard let claim = try Claim.fetchOne(db, sql: "SELECT * FROM mdfClaim WHERE id = ?", arguments: [id]) else { throw ClaimError.notFound(id) }
        return claim
    }

    /// A claim as its partner sees it.
    public static func payload(_ claim: Claim, proofs: [Proof]) -> [String: Any] {
        [
            "id": claim.id, "period": claim.period, "campaign": claim.campaign, "activity": claim.activity,
            "activity_start": claim.activityStart, "activity_end": claim.activityEnd, "amount": claim.amount.majorText,
            "currency": claim.currency, "invoice": claim.invoice, "results": claim.resultCounts, "status": claim.status.rawValue,
            "approved_amount": claim.approvedMinor.map { Money(amountMinor: $0, currency: claim.currency).majorText } as Any? ?? NSNull(),
            "reasons": claim.reasons.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? [],
            "proofs": proofs.map { ["name": $0.name, "sha256": $0.sha256, "size": $0.size] },
            "created_at": Timestamp.iso8601(claim.createdAt), "paid_at": claim.paidAt.map(Timestamp.iso8601) as Any? ?? NSNull(),
        ]
    }
}
