import CobrandCore
import Foundation
import GRDB

/// Market development funds: allocations per partner and period, and the hash-chained audit log every
/// MDF change is appended to in the same transaction.
extension AppDatabase {
    public struct Allocation: Codable, FetchableRecord, Equatable, Sendable {
        public let partner: String
        public let period: String
        public let start: String
        public let end: String
        public let amountMinor: Int64
        public let currency: String
        /// Last day claims for this allocation are accepted, `YYYY-MM-DD`.
        public let deadline: String
        public let createdAt: Date
        public let updatedAt: Date

        public var amount: Money { Money(amountMinor: amountMinor, currency: currency) }
    }

    /// A partner's money in a period.
    public struct Balance: Codable, Equatable, Sendable {
        public let partner: String
        public let period: String
        public let currency: String
        public let allocated: String
        public let claimed: String
        public let approved: String
        public let paid: String
        public let remaining: String
        public let deadline: String

        public var fields: [String] { [partner, period, currency, allocated, claimed, approved, paid, remaining, deadline] }
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
                if let existing = try String.fetchOne(db, sql: "SELECT currency FROM mdfAllocation WHERE partner = ? AND period = ?",
                                                      arguments: [input.partner, period.id]),
                   existing != input.amount.currency {
                    throw MDFError.currencyChange(partner: input.partner, period: period.id, from: existing, to: input.amount.currency)
                }
                let deadline = input.deadline ?? period.dayAfterEnd(adding: deadlineDays)
                try db.execute(sql: """
                    INSERT INTO mdfAllocation (partner, period, start, end, amountMinor, currency, deadline, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(partner, period) DO UPDATE SET amountMinor = excluded.amountMinor, deadline = excluded.deadline,
                      updatedAt = excluded.updatedAt
                    """, arguments: [input.partner, period.id, period.start, period.end, input.amount.amountMinor, input.amount.currency,
                                     deadline, now, now])
                try audit.append(actor: actor, action: "allocate", subject: "allocation:\(input.partner)/\(period.id)", detail: [
                    "partner": input.partner, "period": period.id, "start": period.start, "end": period.end,
                    "amount": input.amount.majorText, "currency": input.amount.currency, "deadline": deadline,
                ], db)
            }
        }
    }

    /// Moves one partner's claim deadline for a period.
    public func extendDeadline(partner: String, period: Period, to day: String, actor: String, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE mdfAllocation SET deadline = ?, updatedAt = ? WHERE partner = ? AND period = ?",
                           arguments: [day, now, partner, period.id])
            guard db.changesCount == 1 else { throw MDFError.noAllocation(partner: partner, period: period.id) }
            try Self.audit(actor: actor, action: "extend-deadline", subject: "allocation:\(partner)/\(period.id)",
                           detail: ["partner": partner, "period": period.id, "deadline": day], now: now, db)
        }
    }

    public func allocations(period: String? = nil, partner: String? = nil) throws -> [Allocation] {
        try writer.read { db in
            try Allocation.fetchAll(db, sql: """
                SELECT * FROM mdfAllocation WHERE (? IS NULL OR period = ?) AND (? IS NULL OR partner = ?) ORDER BY period, partner
                """, arguments: [period, period, partner, partner])
        }
    }

    /// Per allocation: claimed (every claim not rejected), approved (approved and partial amounts), paid
    /// (approved amounts marked paid), remaining (allocated minus approved).
    public func balances(period: String? = nil, partner: String? = nil) throws -> [Balance] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.partner, a.period, a.currency, a.amountMinor, a.deadline,
                  COALESCE((SELECT SUM(amountMinor) FROM mdfClaim c WHERE c.partner = a.partner AND c.period = a.period
                            AND c.currency = a.currency AND c.status <> 'rejected'), 0) AS claimed,
                  COALESCE((SELECT SUM(approvedMinor) FROM mdfClaim c WHERE c.partner = a.partner AND c.period = a.period
                            AND c.currency = a.currency AND c.status IN ('approved', 'partial')), 0) AS approved,
                  COALESCE((SELECT SUM(approvedMinor) FROM mdfClaim c WHERE c.partner = a.partner AND c.period = a.period
                            AND c.currency = a.currency AND c.paidAt IS NOT NULL), 0) AS paid
                FROM mdfAllocation a WHERE (? IS NULL OR a.period = ?) AND (? IS NULL OR a.partner = ?) ORDER BY a.partner, a.start
                """, arguments: [period, period, partner, partner]).map { row in
                let currency: String = row["currency"]
                func text(_ minor: Int64) -> String { Money(amountMinor: minor, currency: currency).majorText }
                let allocated: Int64 = row["amountMinor"], approved: Int64 = row["approved"]
                return Balance(partner: row["partner"], period: row["period"], currency: currency, allocated: text(allocated),
                               claimed: text(row["claimed"]), approved: text(approved), paid: text(row["paid"]), remaining: text(allocated - approved),
                               deadline: row["deadline"])
            }
        }
    }

    // MARK: Audit log

    /// Appends an entry chained to the last one, inside the caller's transaction.
    static func audit(actor: String, action: String, subject: String, detail: [String: Any], now: Date, _ db: Database) throws {
        var appender = try AuditAppender(db, now: now)
        try appender.append(actor: actor, action: action, subject: subject, detail: detail, db)
    }

    /// Appends many audit entries in one transaction: reads the chain's end once and keeps it.
    struct AuditAppender {
        var lastID: Int64
        var lastHash: String
        let at: String

        init(_ db: Database, now: Date) throws {
            let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM mdfAudit ORDER BY id DESC LIMIT 1")
            lastID = last?["id"] ?? 0
            lastHash = last?["hash"] ?? AuditChain.genesis
            at = Timestamp.iso8601(now)
        }

        mutating func append(actor: String, action: String, subject: String, detail: [String: Any], _ db: Database) throws {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            let entry = AuditChain.Entry(id: lastID + 1, at: at, actor: actor, action: action, subject: subject, detail: json)
            let hash = AuditChain.hash(entry, previous: lastHash)
            try db.cachedStatement(sql: "INSERT INTO mdfAudit (id, at, actor, action, subject, detail, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .execute(arguments: [entry.id, at, actor, action, subject, json, lastHash, hash])
            lastID = entry.id
            lastHash = hash
        }
    }

    /// Checks the whole chain; nil when intact, else the first row that breaks it and why.
    public func verifyAudit() throws -> (id: Int64, reason: String)? {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM mdfAudit ORDER BY id").map { row in
                (entry: AuditChain.Entry(id: row["id"], at: row["at"], actor: row["actor"], action: row["action"], subject: row["subject"],
                                         detail: row["detail"]),
                 previous: row["previous"] as String, hash: row["hash"] as String)
            }
            return AuditChain.firstBroken(rows)
        }
    }

    public func auditCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mdfAudit") ?? 0 }
    }
}
