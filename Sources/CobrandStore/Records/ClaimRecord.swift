import CobrandCore
import Foundation
import GRDB

extension AppDatabase {
    /// A row of `mdfClaim`. `results` and `reasons` are JSON columns: a value that does not decode is an
    /// error, never "no results".
    public struct Claim: Codable, FetchableRecord, MutablePersistableRecord, Equatable, Sendable {
        public typealias Status = ClaimStatus
        public static let databaseTableName = "mdfClaim"

        enum CodingKeys: String, CodingKey {
            case rowID = "id", partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice, results
            case status, approvedMinor, reasons, overrideNote, idempotencyKey, createdAt, decidedAt, paidAt, paymentReference
        }

        public enum Columns {
            public static let id = Column(CodingKeys.rowID), partner = Column(CodingKeys.partner), period = Column(CodingKeys.period)
            public static let idempotencyKey = Column(CodingKeys.idempotencyKey)
        }

        /// Nil until inserted.
        var rowID: Int64?
        public var id: Int64 { rowID ?? 0 }
        public let partner: String
        public let period: String
        public let campaign: String
        public let activity: ClaimRequest.Activity
        public let activityStart: String
        public let activityEnd: String
        public let amountMinor: Int64
        public let currency: String
        public let invoice: String
        public let results: [String: Int]
        public internal(set) var status: Status
        public internal(set) var approvedMinor: Int64?
        public internal(set) var reasons: [String]?
        public internal(set) var overrideNote: String?
        public let idempotencyKey: String?
        public let createdAt: Date
        public internal(set) var decidedAt: Date?
        public internal(set) var paidAt: Date?
        public internal(set) var paymentReference: String?

        public var amount: Money { Money(amountMinor: amountMinor, currency: currency) }

        /// The claim as reconciliation decides it, with its evidence from `facts`.
        func reconcilerInput(_ facts: EvidenceFacts, engagement: EngagementRule) -> Reconciler.Claim {
            Reconciler.Claim(id: id, partner: partner, campaign: campaign, activity: activity, start: activityStart, end: activityEnd, amount: amount,
                             invoice: invoice, results: results,
                             evidence: facts.evidence(claim: id, partner: partner, campaign: campaign, currency: currency, engagement: engagement),
                             override: state.settledDecision)
        }

        /// What the claim rules (`ClaimState`) decide on.
        public var state: ClaimState {
            ClaimState(id: id, amount: amount, status: status, approvedMinor: approvedMinor, reasons: reasons ?? [], overrideNote: overrideNote,
                       decidedAt: decidedAt, paidAt: paidAt, paymentReference: paymentReference)
        }

        /// A new claim of `request` against the allocation of `period`.
        init(_ request: ClaimRequest, period: String, idempotencyKey: String?, now: Date) {
            partner = request.partner
            self.period = period
            campaign = request.campaign
            activity = request.activity
            activityStart = request.start
            activityEnd = request.end
            amountMinor = request.amount.amountMinor
            currency = request.amount.currency
            invoice = request.invoice
            results = request.results
            status = .submitted
            self.idempotencyKey = idempotencyKey
            createdAt = now
        }

        /// This claim with `state`'s decision.
        func with(_ state: ClaimState) -> Claim {
            var claim = self
            claim.status = state.status
            claim.approvedMinor = state.approvedMinor
            claim.reasons = state.status == .submitted && state.reasons.isEmpty ? nil : state.reasons
            claim.overrideNote = state.overrideNote
            claim.decidedAt = state.decidedAt
            claim.paidAt = state.paidAt
            claim.paymentReference = state.paymentReference
            return claim
        }

        public mutating func didInsert(_ inserted: InsertionSuccess) { rowID = inserted.rowID }

        /// `reasons` as the record's own encoding stores it (GRDB's JSON, slashes escaped), for updates that
        /// write only the decision's columns.
        static func reasonsColumn(_ reasons: [String]) throws -> String {
            String(decoding: try reasonsEncoder.encode(reasons), as: UTF8.self)
        }

        private static let reasonsEncoder = databaseJSONEncoder(for: CodingKeys.reasons.stringValue)
    }

    /// A row of `mdfProof`: a proof's name and digest; the bytes are in the `BlobStore`.
    public struct Proof: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
        public static let databaseTableName = "mdfProof"
        static let claim = belongsTo(Claim.self, using: ForeignKey(["claimId"]))

        public enum Columns { public static let claimId = Column("claimId"), sha256 = Column(CodingKeys.sha256) }

        public let name: String
        public let sha256: String
        public let size: Int
    }

    /// A proof row to insert, with the claim it belongs to.
    struct ProofRow: Encodable, PersistableRecord {
        static let databaseTableName = "mdfProof"
        let claimId: Int64, name: String, sha256: String, size: Int
    }
}

extension ClaimStatus: DatabaseValueConvertible {}
extension ClaimRequest.Activity: DatabaseValueConvertible {}
