import CobrandCore
import Foundation
import GRDB

/// MDF claims: stored against the partner's allocation whose period contains the activity's first day,
/// with proofs kept by content beside the database, and an audit entry in the same transaction.
extension AppDatabase {
    public typealias ClaimError = CobrandCore.ClaimError

    /// Stores a claim and its proofs' names and digests (the files are kept by `SubmitClaim`, before).
    public func submit(_ request: ClaimRequest, proofs: [ClaimProof], idempotencyKey: String?, actor: String,
                       now: Date) throws -> (claim: Claim, created: Bool) {
        if let idempotencyKey, let earlier = try writer.read({ db in
            try Claim.filter(Claim.Columns.partner == request.partner && Claim.Columns.idempotencyKey == idempotencyKey).fetchOne(db)
        }) {
            return (earlier, false)
        }
        return try writer.write { db in
            guard let allocation = try Allocation.containing(day: request.start, partner: request.partner).fetchOne(db)
            else { throw ClaimError.noAllocation(partner: request.partner, day: request.start) }
            try ClaimState.checkDeadline(today: Timestamp.day(now), period: allocation.period, deadline: allocation.deadline)
            var claim = Claim(request, period: allocation.period, idempotencyKey: idempotencyKey, now: now)
            try claim.insert(db)
            for proof in proofs {
                try ProofRow(claimId: claim.id, name: proof.name, sha256: proof.sha256, size: proof.data.count).insert(db)
            }
            try Self.audit(.claim(claim.id, request, period: allocation.period, proofs: proofs), actor: actor, now: now, db)
            return (try Self.claim(claim.id, db), true)
        }
    }

    public func claim(_ id: Int64) throws -> Claim { try writer.read { db in try Self.claim(id, db) } }

    /// Records the payment of an approved or partial claim's approved amount (`ClaimState.paid`).
    public func markPaid(claim id: Int64, reference: String, actor: String, now: Date) throws -> Claim {
        try writer.write { db in
            let claim = try Self.claim(id, db)
            let paid = claim.with(try claim.state.paid(reference: reference, at: now))
            try paid.update(db)
            try Self.audit(.pay(claim, reference: reference), actor: actor, now: now, db)
            return try Self.claim(id, db)
        }
    }

    public func claims(period: String? = nil, partner: String? = nil) throws -> [Claim] {
        try writer.read { db in try Self.claims(period: period, partner: partner).fetchAll(db) }
    }

    static func claims(period: String?, partner: String?) -> QueryInterfaceRequest<Claim> {
        var request = Claim.order(Claim.Columns.id)
        if let period { request = request.filter(Claim.Columns.period == period) }
        if let partner { request = request.filter(Claim.Columns.partner == partner) }
        return request
    }

    /// The proofs of a period's claims, by claim id.
    public func proofs(period: String) throws -> [Int64: [Proof]] {
        try writer.read { db in
            let rows = try Proof.joining(required: Proof.claim.filter(Claim.Columns.period == period))
                .select(Proof.Columns.claimId, Column("name"), Proof.Columns.sha256, Column("size")).order(Column.rowID)
                .asRequest(of: Row.self).fetchAll(db)
            var result: [Int64: [Proof]] = [:]
            for row in rows { result[row["claimId"], default: []].append(try Proof(row: row)) }
            return result
        }
    }

    /// A stored proof by its SHA-256, only if it belongs to a claim of `partner` (any claim without one).
    public func proof(sha256: String, partner: String? = nil) throws -> Proof? {
        try writer.read { db in
            var claims = Proof.claim
            if let partner { claims = claims.filter(Claim.Columns.partner == partner) }
            return try Proof.filter(Proof.Columns.sha256 == sha256).joining(required: claims).order(Column.rowID).fetchOne(db)
        }
    }

    public func proofs(claim id: Int64) throws -> [Proof] {
        try writer.read { db in try Proof.filter(Proof.Columns.claimId == id).order(Column.rowID).fetchAll(db) }
    }

    static func claim(_ id: Int64, _ db: Database) throws -> Claim {
        guard let claim = try Claim.fetchOne(db, key: id) else { throw ClaimError.notFound(id) }
        return claim
    }

    /// A claim as its partner sees it.
    public static func payload(_ claim: Claim, proofs: [Proof]) -> [String: Any] {
        [
            "id": claim.id, "period": claim.period, "campaign": claim.campaign, "activity": claim.activity.rawValue,
            "activity_start": claim.activityStart, "activity_end": claim.activityEnd, "amount": claim.amount.majorText,
            "currency": claim.currency, "invoice": claim.invoice, "results": claim.results, "status": claim.status.rawValue,
            "approved_amount": claim.approvedMinor.map { Money(amountMinor: $0, currency: claim.currency).majorText } as Any? ?? NSNull(),
            "reasons": claim.reasons ?? [],
            "proofs": proofs.map { ["name": $0.name, "sha256": $0.sha256, "size": $0.size] },
            "created_at": Timestamp.iso8601(claim.createdAt), "paid_at": claim.paidAt.map(Timestamp.iso8601) as Any? ?? NSNull(),
        ]
    }
}
