import CobrandCore
import Foundation

/// What Cobrand asks of its database: load the facts a rule needs and save the outcome, atomically.
/// `AppDatabase` (SQLite through GRDB) is one engine; a second (PostgreSQL) implements the same contract and
/// runs the same store tests. Callers never see a connection or SQL. Every call is `async`: PostgreSQL's
/// client is, and SQLite's synchronous methods satisfy the requirements as they are.
public protocol Store: EventSink {
    // MARK: Claims
    func submit(_ request: ClaimRequest, proofs: [ClaimProof], idempotencyKey: String?, actor: String, now: Date) async throws -> (claim: AppDatabase.Claim, created: Bool)
    func claim(_ id: Int64) async throws -> AppDatabase.Claim
    func markPaid(claim id: Int64, reference: String, actor: String, now: Date) async throws -> AppDatabase.Claim
    func claims(period: String?, partner: String?) async throws -> [AppDatabase.Claim]
    func proofs(period: String) async throws -> [Int64: [AppDatabase.Proof]]
    func proof(sha256: String, partner: String?) async throws -> AppDatabase.Proof?
    func proofs(claim id: Int64) async throws -> [AppDatabase.Proof]

    // MARK: Deals
    func leadDomain(_ id: Int64, partner: String) async throws -> String
    func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, visitor: String?, now: Date) async throws -> AppDatabase.Registration
    @discardableResult func decide(_ id: Int64, _ action: AppDatabase.Action, note: String?, rules: DealRules, now: Date) async throws -> AppDatabase.Deal
    @discardableResult func notePartnerAddress(partner: String, visitor: String, rules: DealRules, now: Date) async throws -> [AppDatabase.Deal]
    @discardableResult func expireDeals(now: Date) async throws -> [AppDatabase.Deal]
    func deal(_ id: Int64) async throws -> AppDatabase.Deal
    func deals(partner: String?, status: DealStatus?) async throws -> [AppDatabase.Deal]
    func decisions(deal id: Int64) async throws -> [(status: String, rule: String, actor: String, note: String?, at: Date)]

    // MARK: CRM
    /// Applies the CRM's updates in one transaction, in order; an unknown deal or lead refuses them all.
    func applyCRM(_ updates: [CRMUpdate], now: Date) async throws -> [CRMUpdate.Result]

    // MARK: Funnel
    /// What `Funnel.report` needs for one partner (nil: all) between two instants (nil: no bound).
    func funnelFacts(partner: String?, from: Date?, until: Date?) async throws -> Funnel.Facts

    // MARK: Events
    /// Answers when the database does (`/readyz`).
    func ping() async throws
    /// Inserts events in one transaction, from async code (the event writer's thread uses `EventSink`).
    func insertEvents(_ events: [AssetEvent]) async throws
    func eventCount() async throws -> Int

    // MARK: Leads
    @discardableResult func record(_ lead: Lead, ipHash: String, signed: Bool, now: Date) async throws -> (id: Int64, created: Bool)
    func leads(partner: String?) async throws -> [AppDatabase.StoredLead]

    // MARK: MDF
    func allocate(_ inputs: [AppDatabase.AllocationInput], period: Period, deadlineDays: Int, actor: String, now: Date) async throws
    func extendDeadline(partner: String, period: Period, to day: String, actor: String, now: Date) async throws
    func allocations(period: String?, partner: String?) async throws -> [AppDatabase.Allocation]
    func balances(period: String?, partner: String?) async throws -> [AppDatabase.Balance]
    func verifyAudit() async throws -> (id: Int64, reason: String)?
    func auditCount() async throws -> Int

    // MARK: MDFReport
    func mdfReport(period: String) async throws -> [AppDatabase.MDFReportRow]

    // MARK: Outbox
    func dueOutbox(now: Date, limit: Int) async throws -> [AppDatabase.OutboxRow]
    func markDelivered(_ id: Int64, now: Date) async throws
    func markFailed(_ id: Int64, error: String, dead: Bool, retryAt: Date) async throws
    @discardableResult func retryDead(ids: [Int64]?, now: Date) async throws -> Int
    func outboxCounts() async throws -> [AppDatabase.OutboxRow.Status: Int]
    func outbox(status: AppDatabase.OutboxRow.Status?) async throws -> [AppDatabase.OutboxRow]
    func outbox(status: AppDatabase.OutboxRow.Status?, newest: Int) async throws -> [AppDatabase.OutboxRow]

    // MARK: Overrides
    @discardableResult func saveChanges(partner: String, _ changes: [AppDatabase.ChangeRequest], actor: String, now: Date) async throws -> [AppDatabase.FieldChange]
    func decide(change id: Int64, approve: Bool, by actor: String, note: String?, now: Date) async throws -> AppDatabase.FieldChange
    func changes(partner: String?, status: ChangeStatus?) async throws -> [AppDatabase.FieldChange]
    func change(_ id: Int64) async throws -> AppDatabase.FieldChange
    func overrides(partner: String?, pending: Bool) async throws -> [String: PartnerOverrides]

    // MARK: Portal
    func noteVisit(partner: String, now: Date) async throws
    func visits(partner: String) async throws -> (previous: Date?, last: Date?)
    func leadAssets(partner: String) async throws -> [Int64: String]
    func performanceFacts(partner: String, from: Date, until: Date) async throws -> (leads: [(campaign: String, locale: String)], deals: [Performance.Deal])
    func partnerOverview(search: String?) async throws -> [AppDatabase.PartnerOverview]
    func periods() async throws -> [String]

    // MARK: Reconcile
    @discardableResult func reconcile(period: String, rules: Reconciler.Rules, actor: String, now: Date) async throws -> [Reconciler.Decision]
    func override(claim id: Int64, status: Reconciler.Decision.Status, approvedMinor: Int64?, note: String, actor: String, now: Date) async throws -> AppDatabase.Claim

    // MARK: Sessions
    func startSession<R: RandomNumberGenerator>(for grant: AppDatabase.Grant, now: Date, lifetime: TimeInterval, using random: inout R) async throws -> String
    func startSession<R: RandomNumberGenerator>(partner: String, now: Date, lifetime: TimeInterval, using random: inout R) async throws -> String
    func session(_ id: String, now: Date) async throws -> AppDatabase.Grant?
    func sessionPartner(_ id: String, now: Date) async throws -> String?
    func endSession(_ id: String) async throws
    func kit(partner: String, campaign: String, locale: String) async throws -> AppDatabase.Kit?
    func partner(_ id: String) async throws -> (name: String, locales: [String])?

    // MARK: Locks
    /// Runs `body` while holding the lock `name` for every process on this database: PostgreSQL's advisory
    /// lock on a connection of its own; SQLite has one process, whose callers serialise themselves.
    func withLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T
    /// `withLock` without waiting: nil, and `body` not run, while another process holds the lock.
    func tryLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T?

    // MARK: Rate limits
    /// Takes a token from `key`'s bucket (`limit` per `period`); false when it is empty. On PostgreSQL the
    /// buckets are rows, so the limit holds across nodes; SQLite's one process keeps them in memory.
    func allow(_ key: String, limit: Int, period: TimeInterval, now: Date) async throws -> Bool

    // MARK: Suppression
    @discardableResult func suppress(_ suppression: Suppression, now: Date) async throws -> Bool
    func suppressions(partner: String?) async throws -> [AppDatabase.SuppressedAddress]

    // MARK: Tokens
    func issueToken<R: RandomNumberGenerator>(role: AppDatabase.Role, partner: String?, now: Date, using random: inout R) async throws -> String
    func grant(for token: String) async throws -> AppDatabase.Grant?
    @discardableResult func revokeTokens(role: AppDatabase.Role, partner: String?, now: Date) async throws -> Int

    // MARK: Usage
    func usage(from: Date, until: Date, partner: String?) async throws -> [AppDatabase.UsageRow]

    // MARK: Roster, kits and secrets
    func secret(_ name: String, generate: () -> Data) async throws -> Data
    func sync(partners: [Partner], now: Date) async throws
    func sync(kits: [AppDatabase.Kit], partner: String?) async throws
    func kits(partner: String) async throws -> [AppDatabase.Kit]
    func kits() async throws -> [AppDatabase.Kit]
    /// The shards of fleet build `build` that have reported.
    func shards(build: String) async throws -> [Shard]
    /// A fleet build's shard reports its slice's kits (see `KitSync`); the last of N finishes the build.
    func sync(kits: [AppDatabase.Kit], shard: Shard, build: String?, partners: [Partner], now: Date) async throws -> FleetProgress
}

extension AppDatabase: Store {}
extension PostgresStore: Store {}

/// Where the event writer's flush thread puts tracked events. Synchronous on purpose: that thread must
/// wait for the database, and it is neither an event loop nor a task of the cooperative pool, so waiting
/// there starves nothing (an engine whose client is async blocks on its own event loop).
public protocol EventSink: Sendable {
    func insert(_ events: [AssetEvent]) throws
    /// Inserts a spooled segment's events and marks it replayed in one transaction; false when it was already.
    @discardableResult func insert(_ events: [AssetEvent], spoolSegment: String, now: Date) throws -> Bool
}

/// The shorter calls, with what they leave out; each forwards to a requirement with every argument.
extension Store {
    public func sync(kits: [AppDatabase.Kit]) async throws { try await sync(kits: kits, partner: nil) }
    public func claims() async throws -> [AppDatabase.Claim] { try await claims(period: nil, partner: nil) }
    public func claims(period: String) async throws -> [AppDatabase.Claim] { try await claims(period: period, partner: nil) }
    public func claims(partner: String) async throws -> [AppDatabase.Claim] { try await claims(period: nil, partner: partner) }
    public func proof(sha256: String) async throws -> AppDatabase.Proof? { try await proof(sha256: sha256, partner: nil) }
    public func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, now: Date) async throws -> AppDatabase.Registration {
        try await register(request, rules: rules, idempotencyKey: idempotencyKey, visitor: nil, now: now)
    }
    public func deals() async throws -> [AppDatabase.Deal] { try await deals(partner: nil, status: nil) }
    public func deals(partner: String) async throws -> [AppDatabase.Deal] { try await deals(partner: partner, status: nil) }
    public func deals(status: DealStatus) async throws -> [AppDatabase.Deal] { try await deals(partner: nil, status: status) }
    @discardableResult public func record(_ lead: Lead, ipHash: String, now: Date) async throws -> (id: Int64, created: Bool) {
        try await record(lead, ipHash: ipHash, signed: false, now: now)
    }
    public func leads() async throws -> [AppDatabase.StoredLead] { try await leads(partner: nil) }
    public func allocations() async throws -> [AppDatabase.Allocation] { try await allocations(period: nil, partner: nil) }
    public func allocations(period: String) async throws -> [AppDatabase.Allocation] { try await allocations(period: period, partner: nil) }
    public func allocations(partner: String) async throws -> [AppDatabase.Allocation] { try await allocations(period: nil, partner: partner) }
    public func balances() async throws -> [AppDatabase.Balance] { try await balances(period: nil, partner: nil) }
    public func balances(period: String) async throws -> [AppDatabase.Balance] { try await balances(period: period, partner: nil) }
    public func balances(partner: String) async throws -> [AppDatabase.Balance] { try await balances(period: nil, partner: partner) }
    public func dueOutbox(now: Date) async throws -> [AppDatabase.OutboxRow] { try await dueOutbox(now: now, limit: 100) }
    @discardableResult public func retryDead(now: Date) async throws -> Int { try await retryDead(ids: nil, now: now) }
    public func outbox() async throws -> [AppDatabase.OutboxRow] { try await outbox(status: nil) }
    public func outbox(newest: Int) async throws -> [AppDatabase.OutboxRow] { try await outbox(status: nil, newest: newest) }
    public func decide(change id: Int64, approve: Bool, by actor: String, now: Date) async throws -> AppDatabase.FieldChange {
        try await decide(change: id, approve: approve, by: actor, note: nil, now: now)
    }
    public func changes() async throws -> [AppDatabase.FieldChange] { try await changes(partner: nil, status: nil) }
    public func changes(partner: String) async throws -> [AppDatabase.FieldChange] { try await changes(partner: partner, status: nil) }
    public func changes(status: ChangeStatus) async throws -> [AppDatabase.FieldChange] { try await changes(partner: nil, status: status) }
    public func overrides() async throws -> [String: PartnerOverrides] { try await overrides(partner: nil, pending: false) }
    public func overrides(partner: String?) async throws -> [String: PartnerOverrides] { try await overrides(partner: partner, pending: false) }
    public func partnerOverview() async throws -> [AppDatabase.PartnerOverview] { try await partnerOverview(search: nil) }
    public func startSession<R: RandomNumberGenerator>(for grant: AppDatabase.Grant, now: Date, using random: inout R) async throws -> String {
        try await startSession(for: grant, now: now, lifetime: AppDatabase.sessionLifetime, using: &random)
    }
    public func startSession<R: RandomNumberGenerator>(partner: String, now: Date, using random: inout R) async throws -> String {
        try await startSession(partner: partner, now: now, lifetime: AppDatabase.sessionLifetime, using: &random)
    }
    public func suppressions() async throws -> [AppDatabase.SuppressedAddress] { try await suppressions(partner: nil) }
    public func usage(from: Date, until: Date) async throws -> [AppDatabase.UsageRow] { try await usage(from: from, until: until, partner: nil) }
}
