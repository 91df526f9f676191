import CobrandCore
@testable import CobrandStore
import Foundation
import Testing

@Suite("Rate limits in the store")
struct RateLimitStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a bucket gives its limit at once, refills at limit per period, and keys do not share", arguments: Engine.all)
    func bucket(engine: Engine) async throws {
        try await engine.with { (database: any TestStore) async throws in
            #expect(try await database.allow("lead:a", limit: 2, period: 60, now: now))
            #expect(try await database.allow("lead:a", limit: 2, period: 60, now: now))
            #expect(try await !database.allow("lead:a", limit: 2, period: 60, now: now))
            #expect(try await database.allow("lead:b", limit: 2, period: 60, now: now))
            #expect(try await !database.allow("lead:a", limit: 2, period: 60, now: now.addingTimeInterval(29)))
            #expect(try await database.allow("lead:a", limit: 2, period: 60, now: now.addingTimeInterval(31)))
        }
    }
}

/// Two `PostgresStore`s on one database are two nodes: what one process guaranteed must hold between them.
@Suite("Several nodes on one PostgreSQL database", .enabled(if: TestPostgres.url != nil))
struct MultiNodeStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func nodes(_ url: String) async throws -> (PostgresStore, PostgresStore) {
        (try await PostgresStore.open(url: url, maximumConnections: 4, node: "one"), try await PostgresStore.open(url: url, maximumConnections: 4, node: "two"))
    }

    @Test("a rate limit spent on one node is spent on the other")
    func rateLimit() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            #expect(try await one.allow("lead:v", limit: 3, period: 60, now: now))
            #expect(try await two.allow("lead:v", limit: 3, period: 60, now: now))
            #expect(try await one.allow("lead:v", limit: 3, period: 60, now: now))
            #expect(try await !two.allow("lead:v", limit: 3, period: 60, now: now))
        }
    }

    @Test("one account registered on two nodes at once, 20 rounds: exactly one registration holds it each time")
    func dealRace() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            let now = self.now
            for round in 0..<20 {
                let outcomes = try await withThrowingTaskGroup(of: DealStatus.self) { group in
                    for (node, partner) in [(one, "alpha"), (two, "beta"), (one, "gamma"), (two, "delta")] {
                        group.addTask {
                            try await node.register(DealRequest(partner: partner, domain: "race\(round).com", accountName: "R",
                                                                value: Money(amountMinor: 100, currency: "USD"), products: ["P"], expectedClose: "2027-01-01"),
                                                    rules: DealRules(), idempotencyKey: nil, visitor: nil, now: now).deal.status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.sorted { $0.rawValue < $1.rawValue } == [.conflict, .conflict, .conflict, .pending], "round \(round)")
            }
        }
    }

    @Test("MDF changes appended from two nodes at once stay one valid audit chain")
    func auditChain() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            let q4 = try #require(Period("2026-Q4")), now = self.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let node = index.isMultiple(of: 2) ? one : two
                    group.addTask {
                        try await node.allocate([.init(partner: "p\(index % 10)", amount: Money(amountMinor: Int64(100 + index), currency: "EUR"))],
                                                period: q4, deadlineDays: 60, actor: "node", now: now)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await one.auditCount() == 40)
            #expect(try await two.verifyAudit() == nil)
        }
    }

    @Test("one node delivers the outbox at a time; another takes over when its lease runs out")
    func outboxLease() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            try await one.suppress(try Suppression.make(partner: "alpha", campaign: "c", address: "a@b.example", source: .page), now: now)
            #expect(try await one.dueOutbox(now: now).count == 1)
            #expect(try await two.dueOutbox(now: now).isEmpty, "node one holds the lease")
            #expect(try await one.dueOutbox(now: now.addingTimeInterval(20)).count == 1, "the holder renews it")
            let later = now.addingTimeInterval(20 + PostgresStore.outboxLease + 1)
            let taken = try await two.dueOutbox(now: later)
            #expect(taken.count == 1, "node one stopped renewing: node two resends what was not marked delivered")
            #expect(try await one.dueOutbox(now: later).isEmpty)
            try await two.markDelivered(taken[0].id, now: later)
            #expect(try await two.dueOutbox(now: later).isEmpty)
        }
    }
}

@Suite("Fleet builds in the store")
struct FleetStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func kit(_ partner: String, _ locale: String, sha: String = "1") -> AppDatabase.Kit {
        .init(dir: "kits/c/\(partner)/\(locale)", campaign: "c", partner: partner, locale: locale, bundle: "bundles/c/\(partner)/c-\(partner)-\(locale).zip",
              sha256: sha, files: 3, bytes: 100, builtAt: now)
    }

    @Test("each shard replaces only its slice; a dropped partner's kits go when the build's last shard reports, in any order", arguments: Engine.all)
    func shards(engine: Engine) async throws {
        try await engine.with { database in
            let de = LocaleTag("de-DE")!
            let partners = (0..<12).map { Partner(id: "p\($0)", name: "P\($0)", locales: [de]) }
            let all = partners.map { kit($0.id, "de-DE") }
            let shards = (1...3).map { Shard("\($0)/3")! }
            for shard in shards.reversed() {
                _ = try await database.sync(kits: all, shard: shard, build: "one", partners: partners, now: now)
            }
            #expect(try await database.kits() == all.sorted { $0.dir < $1.dir })

            let fewer = Array(partners.dropFirst())  // p0 leaves the roster
            let p0 = try #require(shards.first { $0.contains(partner: "p0", locale: de) })
            var progress: [FleetProgress] = []
            for shard in [p0] + shards.filter({ $0 != p0 }) {
                let built = all.filter { $0.partner != "p0" }.map { $0.partner == "p5" ? kit("p5", "de-DE", sha: "2") : $0 }
                progress.append(try await database.sync(kits: built, shard: shard, build: "two", partners: fewer, now: now))
                #expect(try await database.kits(partner: "p0").isEmpty == (progress.count == 3), "after \(progress.count) shard(s)")
            }
            #expect(progress.map(\.reported) == [1, 2, 3] && progress.map(\.finished) == [false, false, true])
            #expect(try await database.kits(partner: "p5").map(\.sha256) == ["2"])
            #expect(try await database.partner("p0") == nil)
            #expect(try await database.partner("p1") != nil)
        }
    }
}
