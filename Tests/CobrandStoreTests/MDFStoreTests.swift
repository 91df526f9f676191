import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Testing

@Suite("MDF store")
struct MDFStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let q4 = Period("2026-Q4")!

    @Test("allocations are set per partner and period, keep their currency, and every change is audited in a verifiable chain")
    func allocations() throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR")),
                               .init(partner: "beta", amount: Money(amountMinor: 100_000, currency: "USD"), deadline: "2027-01-31")],
                              period: q4, deadlineDays: 60, actor: "cli:test", now: now)
        try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 750_000, currency: "EUR"))], period: q4, deadlineDays: 60,
                              actor: "cli:test", now: now)
        #expect(throws: AppDatabase.MDFError.currencyChange(partner: "alpha", period: "2026-Q4", from: "EUR", to: "USD")) {
            try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 1, currency: "USD"))], period: q4, deadlineDays: 60,
                                  actor: "cli:test", now: now)
        }
        try database.extendDeadline(partner: "alpha", period: q4, to: "2027-04-30", actor: "cli:test", now: now)
        #expect(throws: AppDatabase.MDFError.self) { try database.extendDeadline(partner: "gamma", period: q4, to: "2027-04-30", actor: "x", now: now) }
        let balances = try database.balances(period: "2026-Q4")
        #expect(balances.map(\.fields) == [
            ["alpha", "2026-Q4", "EUR", "7500.00", "0.00", "0.00", "0.00", "7500.00", "2027-04-30"],
            ["beta", "2026-Q4", "USD", "1000.00", "0.00", "0.00", "0.00", "1000.00", "2027-01-31"],
        ])
        #expect(try database.auditCount() == 4)
        #expect(try database.verifyAudit() == nil)
    }

    @Test("a failed import writes nothing, not even audit rows")
    func allOrNothing() throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.allocate([.init(partner: "beta", amount: Money(amountMinor: 1, currency: "USD"))], period: q4, deadlineDays: 60, actor: "a", now: now)
        #expect(throws: AppDatabase.MDFError.self) {
            try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 5, currency: "EUR")),
                                   .init(partner: "beta", amount: Money(amountMinor: 5, currency: "EUR"))], period: q4, deadlineDays: 60, actor: "a", now: now)
        }
        #expect(try database.allocations().map(\.partner) == ["beta"])
        #expect(try database.auditCount() == 1)
    }

    @Test("editing, deleting or inserting an audit row behind the store's back is detected and named")
    func tamper() throws {
        let database = try AppDatabase(DatabaseQueue())
        for partner in ["a", "b", "c"] {
            try database.allocate([.init(partner: partner, amount: Money(amountMinor: 100, currency: "EUR"))], period: q4, deadlineDays: 60,
                                  actor: "a", now: now)
        }
        try database.writer.write { db in try db.execute(sql: #"UPDATE mdfAudit SET detail = replace(detail, '"1.00"', '"100.00"') WHERE id = 2"#) }
        #expect(try database.verifyAudit()?.id == 2)
        try database.writer.write { db in try db.execute(sql: "DELETE FROM mdfAudit WHERE id = 2") }
        #expect(try database.verifyAudit()?.id == 3)
    }
}
