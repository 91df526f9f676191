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

    @Test("one node delivers the outbox at a time: the other's round is skipped while the first holds the lock, and runs after")
    func outboxLock() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            let (held, release) = AsyncStream.makeStream(of: Void.self)
            let (entered, enter) = AsyncStream.makeStream(of: Void.self)
            let first = Task {
                try await one.tryLock("outbox") {
                    enter.yield()
                    for await _ in held { break }
                    return "one"
                }
            }
            for await _ in entered { break }
            #expect(try await two.tryLock("outbox") { "two" } == nil, "node one holds it")
            release.yield()
            #expect(try await first.value == "one")
            #expect(try await two.tryLock("outbox") { "two" } == "two", "free again once node one's round ends")
        }
    }

    @Test("allocations, claims and deadline changes from two nodes at once: none deadlocks, the chain stays one")
    func mdfMix() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            let q4 = try #require(Period("2026-Q4")), now = self.now
            let day = try #require(Period.day("2026-12-20"))
            for partner in ["a", "b"] {
                try await one.allocate([.init(partner: partner, amount: Money(amountMinor: 1_000_000, currency: "EUR"))], period: q4, deadlineDays: 60,
                                       actor: "t", now: now)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<30 {
                    let node = index.isMultiple(of: 2) ? one : two, partner = index % 4 < 2 ? "a" : "b"
                    group.addTask {
                        switch index % 3 {
                        case 0:
                            try await node.allocate([.init(partner: partner, amount: Money(amountMinor: Int64(1_000_000 + index), currency: "EUR"))],
                                                    period: q4, deadlineDays: 60, actor: "t", now: now)
                        case 1:
                            let request = try ClaimRequest.validated(partner: partner, campaign: "c", activity: "email", start: "2026-11-02", end: "2026-11-20",
                                                                     amount: "10", currency: "EUR", invoice: "I-\(index)", results: [:], campaigns: ["c"])
                            _ = try await node.submit(request, proofs: [], idempotencyKey: nil, actor: "t", now: day)
                        default:
                            try await node.extendDeadline(partner: partner, period: q4, to: "2027-04-\(10 + index)", actor: "t", now: now)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await one.auditCount() == 32)
            #expect(try await two.verifyAudit() == nil)
        }
    }

    @Test("a rate limit taken from on two nodes at once gives exactly its limit")
    func rateLimitRace() async throws {
        try await TestPostgres.withScratchSchema { url in
            let (one, two) = try await nodes(url)
            let now = self.now
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    let node = index.isMultiple(of: 2) ? one : two
                    group.addTask { try await node.allow("lead:v", limit: 7, period: 3_600, now: now) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 7)
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
            // A build id is one build's: a shard reporting twice, or with another count, changes nothing.
            await #expect(throws: FleetBuild.Refusal.reportedAlready(build: "two", shard: shards[0])) {
                try await database.sync(kits: [], shard: shards[0], build: "two", partners: [], now: now)
            }
            await #expect(throws: FleetBuild.Refusal.otherShardCount(build: "two", shards: 3, given: Shard("1/4")!)) {
                try await database.sync(kits: [], shard: Shard("1/4")!, build: "two", partners: [], now: now)
            }
            #expect(try await database.kits().count == 11)
        }
    }
}
