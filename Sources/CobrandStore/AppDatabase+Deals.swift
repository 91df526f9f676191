import CobrandCore
import Foundation
import GRDB

/// Deal registrations. Each request is decided by `DealRules` inside the write transaction that records
/// it, so concurrent requests for one account are serialised by SQLite's single writer: exactly one wins.
/// Every decision keeps its rule, in the deal row and in `dealDecision`, and writes an outbox row.
extension AppDatabase {
    public struct Deal: Codable, FetchableRecord, Equatable, Sendable {
        public typealias Status = DealStatus

        public let id: Int64
        public let partner: String
        public let domain: String
        public let accountName: String
        public let valueMinor: Int64
        public let currency: String
        /// JSON array of product names.
        public let products: String
        public let expectedClose: String
        public let leadId: Int64?
        public let status: Status
        public let rule: String
        public let note: String?
        public let idempotencyKey: String?
        public let createdAt: Date
        public let decidedAt: Date
        public let expiresAt: Date?

        public var value: Money { Money(amountMinor: valueMinor, currency: currency) }
        public var productList: [String] { (try? JSONDecoder().decode([String].self, from: Data(products.utf8))) ?? [] }
    }

    public enum DealError: Error, Equatable, CustomStringConvertible {
        case notFound(Int64)
        case leadNotFound(Int64)
        case leadWithoutDomain(Int64)
        case transition(id: Int64, from: Deal.Status, action: String)
        case accountTaken(Int64)

        public var description: String {
            switch self {
            case let .notFound(id): "no deal \(id)"
            case let .leadNotFound(id): "no lead \(id) of this partner"
            case let .leadWithoutDomain(id): "lead \(id) has no company domain (free-mail address and no website); give the account domain instead"
            case let .transition(id, from, action): "deal \(id) is \(from.rawValue) and cannot be \(action)"
            case let .accountTaken(id): "deal \(id)'s account is held by another partner's active registration"
            }
        }
    }

    /// The outcome of a registration request.
    public struct Registration: Sendable, Equatable {
        public let deal: Deal
        /// False when an earlier registration was returned (same partner's active one, or an idempotent retry).
        public let created: Bool
    }

    static let active = "status IN \(DealStatus.sqlList(DealStatus.active)) AND (expiresAt IS NULL OR expiresAt > ?)"

    /// The account domain of a partner's lead, for a registration that names the lead.
    public func leadDomain(_ id: Int64, partner: String) throws -> String {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT companyDomain FROM lead WHERE id = ? AND partner = ?", arguments: [id, partner])
            else { throw DealError.leadNotFound(id) }
            guard let domain: String = row["companyDomain"] else { throw DealError.leadWithoutDomain(id) }
            return domain
        }
    }

    /// Decides and records a registration. `visitor` is the registering request's visitor hash: the
    /// partner's own address, which never counts as a tracked lead's.
    public func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, visitor: String? = nil, now: Date) throws -> Registration {
        try writer.write { db in
            if let idempotencyKey,
               let earlier = try Deal.fetchOne(db, sql: "SELECT * FROM deal WHERE partner = ? AND idempotencyKey = ?",
                                               arguments: [request.partner, idempotencyKey]) {
                return Registration(deal: earlier, created: false)
            }
            let own = try Int64.fetchOne(db, sql: "SELECT id FROM deal WHERE partner = ? AND domain = ? AND \(Self.active) ORDER BY id LIMIT 1",
                                         arguments: [request.partner, request.domain, now])
            let other = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM deal WHERE partner <> ? AND domain = ? AND \(Self.active))",
                                          arguments: [request.partner, request.domain, now]) ?? false
            let submissions = try Row.fetchAll(db, sql: """
                SELECT s.signed, s.submittedAt, s.ipHash FROM leadSubmission s JOIN lead l ON l.id = s.leadId
                WHERE l.partner = ? AND l.companyDomain = ?
                """, arguments: [request.partner, request.domain]).map {
                TrackedLeadRule.Submission(signed: $0["signed"], submittedAt: $0["submittedAt"], visitor: $0["ipHash"])
            }
            var partnerVisitors = Set(try String.fetchAll(db, sql: "SELECT visitor FROM partnerAddress WHERE partner = ?", arguments: [request.partner]))
            if let visitor { partnerVisitors.insert(visitor) }
            let evidence = rules.trackedLead.evidence(submissions, partnerVisitors: partnerVisitors, now: now)
            let decision = rules.decide(request, account: .init(ownActive: own, heldByOther: other, trackedLead: evidence != nil))
            let (status, rule): (Deal.Status, DealRules.Rule)
            switch decision {
            case let .existing(id):
                return Registration(deal: try Self.deal(id, db), created: false)
            case let .conflict(why): (status, rule) = (.conflict, why)
            case let .approved(why): (status, rule) = (.approved, why)
            case let .pending(why): (status, rule) = (.pending, why)
            }
            let products = String(decoding: try JSONEncoder().encode(request.products), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO deal (partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule,
                  idempotencyKey, createdAt, decidedAt, expiresAt, evidenceVisitor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [request.partner, request.domain, request.accountName, request.value.amountMinor, request.value.currency,
                                 products, request.expectedClose, request.leadID, status.rawValue, rule.rawValue, idempotencyKey, now, now,
                                 status == .approved ? rules.expiry(from: now) : nil, status == .approved ? evidence?.visitor : nil])
            let deal = try Self.deal(db.lastInsertedRowID, db)
            try Self.logDecision(deal, actor: "rules", note: nil, now: now, db, type: "deal.registered")
            return Registration(deal: deal, created: true)
        }
    }

    /// A channel-team decision on one deal: approve (pending only, and only while no other partner holds
    /// the account), reject (pending or approved), extend (approved: `days` more from the later of now
    /// and the current expiry).
    public enum Action: Sendable, Equatable {
        case approve, reject, extend(days: Int)
    }

    @discardableResult
    public func decide(_ id: Int64, _ action: Action, note: String?, rules: DealRules, now: Date) throws -> Deal {
        try writer.write { db in
            let deal = try Self.deal(id, db)
            func check(_ lifecycle: DealLifecycle.Action, _ verb: String) throws {
                guard DealLifecycle.allows(lifecycle, status: deal.status, expiresAt: deal.expiresAt, now: now) else {
                    throw DealError.transition(id: id, from: deal.status, action: verb)
                }
            }
            switch action {
            case .approve:
                try check(.approve, "approved")
                let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM deal WHERE id <> ? AND partner <> ? AND domain = ? AND \(Self.active))",
                                              arguments: [id, deal.partner, deal.domain, now]) ?? false
                guard !taken else { throw DealError.accountTaken(id) }
                try db.execute(sql: "UPDATE deal SET status = 'approved', rule = ?, note = ?, decidedAt = ?, expiresAt = ? WHERE id = ?",
                               arguments: [DealRules.Rule.manualApproval.rawValue, note, now, rules.expiry(from: now), id])
            case .reject:
                try check(.reject, "rejected")
                try db.execute(sql: "UPDATE deal SET status = 'rejected', rule = ?, note = ?, decidedAt = ?, expiresAt = NULL WHERE id = ?",
                               arguments: [DealRules.Rule.manualRejection.rawValue, note, now, id])
            case let .extend(days):
                try check(.extend, "extended")
                let base = max(deal.expiresAt ?? now, now)
                try db.execute(sql: "UPDATE deal SET rule = ?, note = ?, decidedAt = ?, expiresAt = ? WHERE id = ?",
                               arguments: [DealRules.Rule.extended.rawValue, note, now, base.addingTimeInterval(Double(days) * 86_400), id])
            }
            let updated = try Self.deal(id, db)
            let type = switch action { case .approve: "deal.approved"; case .reject: "deal.rejected"; case .extend: "deal.extended" }
            try Self.logDecision(updated, actor: "channel-team", note: note, now: now, db, type: type)
            return updated
        }
    }

    /// Remembers that the partner used this address (portal sign-in, an API call). An automatic approval
    /// that rested on a lead from the same address is contradicted by it and goes back to review (pending,
    /// still holding the account), in the same transaction. Returns the deals sent back.
    @discardableResult
    public func notePartnerAddress(partner: String, visitor: String, rules: DealRules, now: Date) throws -> [Deal] {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO partnerAddress (partner, visitor, firstSeen, lastSeen) VALUES (?, ?, ?, ?)
                ON CONFLICT (partner, visitor) DO UPDATE SET lastSeen = excluded.lastSeen
                """, arguments: [partner, visitor, now, now])
            let candidates = try Row.fetchAll(db, sql: "SELECT id, rule, evidenceVisitor FROM deal WHERE partner = ? AND evidenceVisitor = ? AND status = 'approved'",
                                              arguments: [partner, visitor])
            var contradicted: [Deal] = []
            for row in candidates {
                guard let rule = DealRules.Rule(rawValue: row["rule"]),
                      rules.contradicts(evidence: row["evidenceVisitor"], partnerVisitor: visitor, rule: rule) else { continue }
                let id: Int64 = row["id"]
                try db.execute(sql: "UPDATE deal SET status = 'pending', rule = ?, decidedAt = ?, expiresAt = NULL WHERE id = ?",
                               arguments: [DealRules.Rule.reviewContradicted.rawValue, now, id])
                let deal = try Self.deal(id, db)
                try Self.logDecision(deal, actor: "rules", note: nil, now: now, db, type: "deal.review")
                contradicted.append(deal)
            }
            return contradicted
        }
    }

    /// Marks approved registrations whose protection ended as expired (they already stopped counting as
    /// active at their expiry time); returns them.
    @discardableResult
    public func expireDeals(now: Date) throws -> [Deal] {
        try writer.write { db in
            let due = try Deal.fetchAll(db, sql: "SELECT * FROM deal WHERE status = 'approved' AND expiresAt <= ? ORDER BY id", arguments: [now])
            for deal in due {
                try db.execute(sql: "UPDATE deal SET status = 'expired', rule = ?, decidedAt = ? WHERE id = ?",
                               arguments: [DealRules.Rule.expired.rawValue, now, deal.id])
                try Self.logDecision(try Self.deal(deal.id, db), actor: "rules", note: nil, now: now, db, type: "deal.expired")
            }
            return try due.map { try Self.deal($0.id, db) }
        }
    }

    public func deal(_ id: Int64) throws -> Deal { try writer.read { db in try Self.deal(id, db) } }

    /// Deals, newest first, optionally of one partner and one status.
    public func deals(partner: String? = nil, status: Deal.Status? = nil) throws -> [Deal] {
        try writer.read { db in
            try Deal.fetchAll(db, sql: "SELECT * FROM deal WHERE (? IS NULL OR partner = ?) AND (? IS NULL OR status = ?) ORDER BY id DESC",
                              arguments: [partner, partner, status?.rawValue, status?.rawValue])
        }
    }

    /// Every decision on a deal, oldest first: (status, rule, actor, note, time).
    public func decisions(deal id: Int64) throws -> [(status: String, rule: String, actor: String, note: String?, at: Date)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dealDecision WHERE dealId = ? ORDER BY id", arguments: [id]).map {
                ($0["status"], $0["rule"], $0["actor"], $0["note"], $0["decidedAt"])
            }
        }
    }

    static func deal(_ id: Int64, _ db: Database) throws -> Deal {
        guard let deal = try Deal.fetchOne(db, sql: "SELECT * FROM deal WHERE id = ?", arguments: [id]) else { throw DealError.notFound(id) }
        return deal
    }

    static func logDecision(_ deal: Deal, actor: String, note: String?, now: Date, _ db: Database, type: String) throws {
        try db.execute(sql: "INSERT INTO dealDecision (dealId, status, rule, actor, note, decidedAt) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [deal.id, deal.status.rawValue, deal.rule, actor, note, now])
        var object = payload(deal)
        object["partner"] = deal.partner
        try enqueue(type: type, object: ["deal": object], now: now, db)
    }

    /// A deal as its partner sees it (and the CRM, which also gets `partner`): never another partner's name.
    public static func payload(_ deal: Deal) -> [String: Any] {
        [
            "id": deal.id, "status": deal.status.rawValue, "rule": deal.rule,
            "explanation": DealRules.Rule(rawValue: deal.rule)?.explanation ?? "", "account_domain": deal.domain,
            "account_name": deal.accountName, "value": deal.value.majorText, "currency": deal.currency, "products": deal.productList,
            "expected_close": deal.expectedClose, "lead_id": deal.leadId as Any? ?? NSNull(), "note": deal.note as Any? ?? NSNull(),
            "created_at": Timestamp.iso8601(deal.createdAt), "decided_at": Timestamp.iso8601(deal.decidedAt),
            "expires_at": deal.expiresAt.map(Timestamp.iso8601) as Any? ?? NSNull(),
        ]
    }
}
