import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Testing

@Suite("MDF store")
struct MDFStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let q4 = Period("2026-Q4")!

    @Test("allocations are set per partner and period, keep their currency, and every change is audited in a verifiable chain", arguments: Engine.all)
    func allocations(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR")),
                                   .init(partner: "beta", amount: Money(amountMinor: 100_000, currency: "USD"), deadline: "2027-01-31")],
                                  period: q4, deadlineDays: 60, actor: "cli:test", now: now)
            try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 750_000, currency: "EUR"))], period: q4, deadlineDays: 60,
                                  actor: "cli:test", now: now)
            await #expect(throws: AppDatabase.MDFError.currencyChange(partner: "alpha", period: "2026-Q4", from: "EUR", to: "USD")) {
                try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 1, currency: "USD"))], period: q4, deadlineDays: 60,
                                      actor: "cli:test", now: now)
            }
            try await database.extendDeadline(partner: "alpha", period: q4, to: "2027-04-30", actor: "cli:test", now: now)
            await #expect(throws: AppDatabase.MDFError.self) { try await database.extendDeadline(partner: "gamma", period: q4, to: "2027-04-30", actor: "x", now: now) }
            let balances = try await database.balances(period: "2026-Q4")
            #expect(balances.map(\.fields) == [
                ["alpha", "2026-Q4", "EUR", "7500.00", "0.00", "0.00", "0.00", "7500.00", "2027-04-30"],
                ["beta", "2026-Q4", "USD", "1000.00", "0.00", "0.00", "0.00", "1000.00", "2027-01-31"],
            ])
            #expect(try await database.auditCount() == 4)
            #expect(try await database.verifyAudit() == nil)
        }
    }

    @Test("a failed import writes nothing, not even audit rows", arguments: Engine.all)
    func allOrNothing(engine: Engine) async throws {
        try await engine.with { database in
            try await database.allocate([.init(partner: "beta", amount: Money(amountMinor: 1, currency: "USD"))], period: q4, deadlineDays: 60, actor: "a", now: now)
            await #expect(throws: AppDatabase.MDFError.self) {
                try await database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 5, currency: "EUR")),
                                       .init(partner: "beta", amount: Money(amountMinor: 5, currency: "EUR"))], period: q4, deadlineDays: 60, actor: "a", now: now)
            }
            #expect(try await database.allocations().map(\.partner) == ["beta"])
            #expect(try await database.auditCount() == 1)
        }
    }

    @Test("editing, deleting or inserting an audit row behind the store's back is detected and named", arguments: Engine.all)
    func tamper(engine: Engine) async throws {
        try await engine.with { database in
            for partner in ["a", "b", "c"] {
                try await database.allocate([.init(partner: partner, amount: Money(amountMinor: 100, currency: "EUR"))], period: q4, deadlineDays: 60,
                                      actor: "a", now: now)
            }
            try await database.execute(#"UPDATE mdfAudit SET detail = replace(detail, '"1.00"', '"100.00"') WHERE id = 2"#)
            #expect(try await database.verifyAudit()?.id == 2)
            try await database.execute("DELETE FROM mdfAudit WHERE id = 2")
            #expect(try await database.verifyAudit()?.id == 3)
        }
    }
}
