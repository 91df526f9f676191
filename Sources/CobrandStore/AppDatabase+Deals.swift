import CobrandCore
import Foundation
import GRDB

/// Deal registrations. Each request is decided by `DealRules` inside the write transaction that records
/// it, so concurrent requests for one account are serialised by SQLite's single writer: exactly one wins.
/// Every change is a `Deal` transition from Core; the store saves it with its `dealDecision` row and an
/// outbox row.
extension AppDatabase {
    public typealias Deal = CobrandCore.Deal
    public typealias DealError = CobrandCore.DealError

    /// The outcome of a registration request.
    public struct Registration: Sendable, Equatable {
        public let deal: Deal
        /// False when an earlier registration was returned (same partner's active one, or an idempotent retry).
        public let created: Bool
    }

    /// The account domain of a partner's lead, for a registration that names the lead.
    public func leadDomain(_ id: Int64, partner: String) throws -> String {
        try writer.read { db in
            guard let lead = try LeadRecord.filter(key: id).filter(LeadRecord.Columns.partner == partner).fetchOne(db)
            else { throw DealError.leadNotFound(id) }
            guard let domain = lead.companyDomain else { throw DealError.leadWithoutDomain(id) }
            return domain
        }
    }

    /// Decides and records a registration. `visitor` is the registering request's visitor hash: the
    /// partner's own address, which never counts as a tracked lead's.
    public func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, visitor: String? = nil, now: Date) throws -> Registration {
        try writer.write { db in
            if let idempotencyKey,
               let earlier = try DealRecord.filter(DealRecord.Columns.partner == request.partner && DealRecord.Columns.idempotencyKey == idempotencyKey)
                .fetchOne(db) {
                return Registration(deal: try earlier.deal(), created: false)
            }
            // A named lead must be one of the partner's own: another partner's or a made-up id is refused, never stored.
            if let lead = request.leadID, try LeadRecord.filter(key: lead).filter(LeadRecord.Columns.partner == request.partner).isEmpty(db) {
                throw DealError.leadNotFound(lead)
            }
            let active = try Self.activeDeals(domain: request.domain, now: now, db)
            let own = active.first { $0.partner == request.partner }?.id
            let other = active.contains { $0.partner != request.partner }
            let submissions = try LeadSubmissionRecord.tracked(partner: request.partner, domain: request.domain, db)
            var partnerVisitors = try PartnerAddressRecord.visitors(partner: request.partner, db)
            if let visitor { partnerVisitors.insert(visitor) }
            let evidence = rules.trackedLead.evidence(submissions, partnerVisitors: partnerVisitors, now: now)
            let (status, rule): (DealStatus, DealRules.Rule)
            switch rules.decide(request, account: .init(ownActive: own, heldByOther: other, trackedLead: evidence != nil)) {
            case let .existing(id): return Registration(deal: try Self.deal(id, db), created: false)
            case let .conflict(why): (status, rule) = (.conflict, why)
            case let .approved(why): (status, rule) = (.approved, why)
            case let .pending(why): (status, rule) = (.pending, why)
            }
            let deal = Deal(request, status: status, rule: rule, rules: rules, evidence: evidence, idempotencyKey: idempotencyKey, at: now)
            return Registration(deal: try Self.save(deal, actor: "rules", note: nil, type: "deal.registered", now: now, db), created: true)
        }
    }

    /// A channel-team decision on one deal (`Deal.approved`, `rejected`, `extended`).
    public enum Action: Sendable, Equatable {
        case approve, reject, extend(days: Int)
    }

    @discardableResult
    public func decide(_ id: Int64, _ action: Action, note: String?, rules: DealRules, now: Date) throws -> Deal {
        try writer.write { db in
            let deal = try Self.deal(id, db)
            let decided: Deal, type: String
            switch action {
            case .approve:
                let held = try Self.activeDeals(domain: deal.domain, now: now, db).contains { $0.partner != deal.partner && $0.id != id }
                (decided, type) = (try deal.approved(note: note, at: now, rules: rules, accountHeldByOther: held), "deal.approved")
            case .reject: (decided, type) = (try deal.rejected(note: note, at: now), "deal.rejected")
            case let .extend(days): (decided, type) = (try deal.extended(days: days, note: note, at: now), "deal.extended")
            }
            return try Self.save(decided, actor: "channel-team", note: note, type: type, now: now, db)
        }
    }

    /// Remembers that the partner used this address (portal sign-in, an API call). An automatic approval
    /// that rested on a lead from the same address is contradicted by it and goes back to review
    /// (`Deal.contradicted`), in the same transaction. Returns the deals sent back.
    @discardableResult
    public func notePartnerAddress(partner: String, visitor: String, rules: DealRules, now: Date) throws -> [Deal] {
        try writer.write { db in
            try PartnerAddressRecord.note(partner: partner, visitor: visitor, now: now, db)
            let candidates = try DealRecord.filter(DealRecord.Columns.partner == partner && DealRecord.Columns.evidenceVisitor == visitor)
                .order(DealRecord.Columns.id).fetchAll(db)
            return try candidates.compactMap { record in
                guard let back = try record.deal().contradicted(by: visitor, rules: rules, at: now) else { return nil }
                return try Self.save(back, actor: "rules", note: nil, type: "deal.review", now: now, db)
            }
        }
    }

    /// Marks approved registrations whose protection ended as expired (they already stopped counting as
    /// active at their expiry time); returns them.
    @discardableResult
    public func expireDeals(now: Date) throws -> [Deal] {
        try writer.write { db in
            let due = try DealRecord.filter(DealRecord.Columns.status == DealStatus.approved && DealRecord.Columns.expiresAt <= now)
                .order(DealRecord.Columns.id).fetchAll(db)
            return try due.map { try Self.save(try $0.deal().expired(at: now), actor: "rules", note: nil, type: "deal.expired", now: now, db) }
        }
    }

    public func deal(_ id: Int64) throws -> Deal { try writer.read { db in try Self.deal(id, db) } }

    /// Deals, newest first, optionally of one partner and one status.
    public func deals(partner: String? = nil, status: DealStatus? = nil) throws -> [Deal] {
        try writer.read { db in
            var request = DealRecord.order(DealRecord.Columns.id.desc)
            if let partner { request = request.filter(DealRecord.Columns.partner == partner) }
            if let status { request = request.filter(DealRecord.Columns.status == status) }
            return try request.fetchAll(db).map { try $0.deal() }
        }
    }

    /// Every decision on a deal, oldest first: (status, rule, actor, note, time).
    public func decisions(deal id: Int64) throws -> [(status: String, rule: String, actor: String, note: String?, at: Date)] {
        try writer.read { db in
            try DealDecisionRecord.filter(DealDecisionRecord.Columns.dealId == id).order(DealDecisionRecord.Columns.id).fetchAll(db).map {
                ($0.status.rawValue, $0.rule.rawValue, $0.actor, $0.note, $0.decidedAt)
            }
        }
    }

    /// The registrations for `domain` that are active at `now` (`Deal.isActive`), oldest first.
    static func activeDeals(domain: String, now: Date, _ db: Database) throws -> [Deal] {
        try DealRecord.filter(DealRecord.Columns.domain == domain).order(DealRecord.Columns.id).fetchAll(db).map { try $0.deal() }
            .filter { $0.isActive(at: now) }
    }

    static func deal(_ id: Int64, _ db: Database) throws -> Deal {
        guard let record = try DealRecord.fetchOne(db, key: id) else { throw DealError.notFound(id) }
        return try record.deal()
    }

    /// Saves a deal as a transition returned it, with its decision log row and outbox event (none for a
    /// change the CRM itself made: `type` nil).
    static func save(_ deal: Deal, actor: String, note: String?, type: String?, now: Date, _ db: Database) throws -> Deal {
        var record = try DealRecord(deal)
        try record.save(db)
        var saved = deal
        saved.id = record.id ?? deal.id
        try DealDecisionRecord(id: nil, dealId: saved.id, status: saved.status, rule: saved.rule, actor: actor, note: note, decidedAt: now)
            .insert(db)
        // Read back, so the caller gets what a later read gets (times as stored, to the millisecond).
        let stored = try Self.deal(saved.id, db)
        guard let type else { return stored }
        var object = stored.payload
        object["partner"] = stored.partner
        try enqueue(type: type, object: ["deal": object], now: now, db)
        return stored
    }
}
