import CobrandCore
import Foundation
import GRDB

/// Market development funds: allocations per partner and period, and the hash-chained audit log every
/// MDF change is appended to in the same transaction.
extension AppDatabase {
    /// A partner's money in a period: the allocation's `MDFBalance` and its claim deadline. Amounts are
    /// formatted only where they are shown (`allocated` and the others are the plain `majorText`).
    public struct Balance: Encodable, Equatable, Sendable {
        public let partner: String
        public let period: String
        public let money: MDFBalance
        public let deadline: String

        public var currency: String { money.allocated.currency }
        public var allocated: String { money.allocated.majorText }
        public var claimed: String { money.claimed.majorText }
        public var approved: String { money.approved.majorText }
        public var paid: String { money.paid.majorText }
        public var remaining: String { money.remaining.majorText }

        public var fields: [String] { [partner, period, currency, allocated, claimed, approved, paid, remaining, deadline] }

        enum CodingKeys: String, CodingKey { case partner, period, currency, allocated, claimed, approved, paid, remaining, deadline }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            for (key, value) in zip([CodingKeys.partner, .period, .currency, .allocated, .claimed, .approved, .paid, .remaining, .deadline], fields) {
                try container.encode(value, forKey: key)
            }
        }
    }

    public static let balanceColumns = ["partner", "period", "currency", "allocated", "claimed", "approved", "paid", "remaining", "deadline"]

    public enum MDFError: Error, Equatable, CustomStringConvertible {
        case noAllocation(partner: String, period: String)
        case currencyChange(partner: String, period: String, from: String, to: String)

        public var description: String {
            switch self {
            case let .noAllocation(partner, period): "partner \(partner) has no allocation for \(period); run cobrand mdf allocate first"
            case let .currencyChange(partner, period, from, to):
                "partner \(partner)'s \(period) allocation is in \(from), not \(to); an allocation keeps its currency"
            }
        }
    }

    /// One allocation to write: amount for a partner, and optionally its own claim deadline.
    public struct AllocationInput: Sendable, Equatable {
        public let partner: String
        public let amount: Money
        public let deadline: String?

        public init(partner: String, amount: Money, deadline: String? = nil) {
            self.partner = partner
            self.amount = amount
            self.deadline = deadline
        }
    }

    /// Sets allocations for `period` in one transaction (all or nothing): a new one is created, an existing
    /// one gets the new amount. The deadline defaults to the period's end plus `deadlineDays`.
    public func allocate(_ inputs: [AllocationInput], period: Period, deadlineDays: Int, actor: String, now: Date) throws {
        try writer.write { db in
            var audit = try AuditAppender(db, now: now)
            for input in inputs {
                if let existing = try Allocation.fetchOne(db, key: ["partner": input.partner, "period": period.id]),
                   existing.currency != input.amount.currency {
                    throw MDFError.currencyChange(partner: input.partner, period: period.id, from: existing.currency, to: input.amount.currency)
                }
                let deadline = input.deadline ?? period.dayAfterEnd(adding: deadlineDays)
                _ = try Allocation(partner: input.partner, period: period.id, start: period.start, end: period.end, amountMinor: input.amount.amountMinor,
                                   currency: input.amount.currency, deadline: deadline, createdAt: now, updatedAt: now)
                    .upsertAndFetch(db, onConflict: ["partner", "period"], updating: .noColumnUnlessSpecified) { excluded in
                        [Allocation.Columns.amountMinor.set(to: excluded[Allocation.Columns.amountMinor]),
                         Allocation.Columns.deadline.set(to: excluded[Allocation.Columns.deadline]),
                         Allocation.Columns.updatedAt.set(to: excluded[Allocation.Columns.updatedAt])]
                    }
                try audit.append(.allocate(input, period: period, deadline: deadline), actor: actor, db)
            }
        }
    }

    /// Moves one partner's claim deadline for a period.
    public func extendDeadline(partner: String, period: Period, to day: String, actor: String, now: Date) throws {
        try writer.write { db in
            guard var allocation = try Allocation.fetchOne(db, key: ["partner": partner, "period": period.id]) else {
                throw MDFError.noAllocation(partner: partner, period: period.id)
            }
            allocation.deadline = day
            allocation.updatedAt = now
            try allocation.update(db)
            try Self.audit(.extendDeadline(partner: partner, period: period, to: day), actor: actor, now: now, db)
        }
    }

    public func allocations(period: String? = nil, partner: String? = nil) throws -> [Allocation] {
        try writer.read { db in try Self.allocations(period: period, partner: partner).fetchAll(db) }
    }

    static func allocations(period: String?, partner: String?) -> QueryInterfaceRequest<Allocation> {
        var request = Allocation.order(Allocation.Columns.period, Allocation.Columns.partner)
        if let period { request = request.filter(Allocation.Columns.period == period) }
        if let partner { request = request.filter(Allocation.Columns.partner == partner) }
        return request
    }

    /// Each allocation's `MDFBalance` (Core sums; the store only fetches), by partner and period start.
    public func balances(period: String? = nil, partner: String? = nil) throws -> [Balance] {
        try writer.read { db in
            let claims = Dictionary(grouping: try Self.claims(period: period, partner: partner).fetchAll(db), by: { [$0.partner, $0.period] })
            return try Self.allocations(period: period, partner: partner).order(Allocation.Columns.partner, Allocation.Columns.start).fetchAll(db)
                .map { allocation in
                    Balance(partner: allocation.partner, period: allocation.period,
                            money: MDFBalance(allocation: allocation.amount, claims: (claims[[allocation.partner, allocation.period]] ?? []).map(\.state)),
                            deadline: allocation.deadline)
                }
        }
    }

    // MARK: Audit log

    /// What an MDF change writes to the audit log: one place for each kind, so both engines write the same
    /// entries (the chain's hashes cover them).
    struct AuditEvent {
        let action: String
        let subject: String
        let detail: AuditDetail

        static func allocate(_ input: AllocationInput, period: Period, deadline: String) -> AuditEvent {
            AuditEvent(action: "allocate", subject: "allocation:\(input.partner)/\(period.id)", detail: AuditDetail([
                "partner": .text(input.partner), "period": .text(period.id), "start": .text(period.start), "end": .text(period.end),
                "amount": .text(input.amount.majorText), "currency": .text(input.amount.currency), "deadline": .text(deadline),
            ]))
        }

        static func extendDeadline(partner: String, period: Period, to day: String) -> AuditEvent {
            AuditEvent(action: "extend-deadline", subject: "allocation:\(partner)/\(period.id)",
                       detail: AuditDetail(["partner": .text(partner), "period": .text(period.id), "deadline": .text(day)]))
        }

        static func claim(_ id: Int64, _ request: ClaimRequest, period: String, proofs: [ClaimProof]) -> AuditEvent {
            AuditEvent(action: "claim", subject: "claim:\(id)", detail: AuditDetail([
                "partner": .text(request.partner), "period": .text(period), "campaign": .text(request.campaign),
                "activity": .text(request.activity.rawValue), "start": .text(request.start), "end": .text(request.end),
                "amount": .text(request.amount.majorText), "currency": .text(request.amount.currency), "invoice": .text(request.invoice),
                "results": .counts(request.results), "proofs": .texts(proofs.map(\.sha256)),
            ]))
        }

        static func pay(_ claim: Claim, reference: String) -> AuditEvent {
            AuditEvent(action: "pay", subject: "claim:\(claim.id)", detail: AuditDetail([
                "amount": .text(Money(amountMinor: claim.approvedMinor ?? 0, currency: claim.currency).majorText), "currency": .text(claim.currency),
                "reference": .text(reference),
            ]))
        }

        static func decide(_ claim: Claim, _ decision: Reconciler.Decision) -> AuditEvent {
            AuditEvent(action: "decide", subject: "claim:\(claim.id)", detail: AuditDetail([
                "status": .text(decision.status.rawValue), "approved": .text(Money(amountMinor: decision.approvedMinor, currency: claim.currency).majorText),
                "currency": .text(claim.currency), "reasons": .texts(decision.reasons),
            ]))
        }

        static func override(_ claim: Claim, status: Reconciler.Decision.Status, to next: ClaimState, note: String) -> AuditEvent {
            AuditEvent(action: "override", subject: "claim:\(claim.id)", detail: AuditDetail([
                "status": .text(status.rawValue), "approved": .text(Money(amountMinor: next.approvedMinor ?? 0, currency: claim.currency).majorText),
                "currency": .text(claim.currency), "note": .text(note), "previous_status": .text(claim.status.rawValue),
            ]))
        }
    }

    /// Appends an entry chained to the last one, inside the caller's transaction.
    static func audit(_ event: AuditEvent, actor: String, now: Date, _ db: Database) throws {
        var appender = try AuditAppender(db, now: now)
        try appender.append(event, actor: actor, db)
    }

    /// Chains audit entries after `last` (the chain's end, read once): each engine inserts the rows it returns.
    struct AuditAppender {
        var lastID: Int64
        var lastHash: String
        let at: String

        init(last: AuditRecord?, now: Date) {
            lastID = last?.id ?? 0
            lastHash = last?.hash ?? AuditChain.genesis
            at = Timestamp.iso8601(now)
        }

        init(_ db: Database, now: Date) throws {
            self.init(last: try AuditRecord.order(AuditRecord.Columns.id.desc).fetchOne(db), now: now)
        }

        /// The next row of the chain.
        mutating func next(_ event: AuditEvent, actor: String) -> AuditRecord {
            let json = event.detail.json
            let entry = AuditChain.Entry(id: lastID + 1, at: at, actor: actor, action: event.action, subject: event.subject, detail: json)
            let hash = AuditChain.hash(entry, previous: lastHash)
            let row = AuditRecord(id: entry.id, at: at, actor: actor, action: event.action, subject: event.subject, detail: json, previous: lastHash,
                                  hash: hash)
            (lastID, lastHash) = (entry.id, hash)
            return row
        }

        mutating func append(_ event: AuditEvent, actor: String, _ db: Database) throws {
            let row = next(event, actor: actor)
            try db.cachedStatement(sql: "INSERT INTO mdfAudit (id, at, actor, action, subject, detail, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .execute(arguments: [row.id, row.at, row.actor, row.action, row.subject, row.detail, row.previous, row.hash])
        }
    }

    /// Checks the whole chain; nil when intact, else the first row that breaks it and why.
    public func verifyAudit() throws -> (id: Int64, reason: String)? {
        try writer.read { db in
            AuditRecord.firstBroken(try AuditRecord.order(AuditRecord.Columns.id).fetchAll(db))
        }
    }

    public func auditCount() throws -> Int {
        try writer.read { db in try AuditRecord.fetchCount(db) }
    }
}
