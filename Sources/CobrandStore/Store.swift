import CobrandCore
import Foundation

/// What Cobrand asks of its database: load the facts a rule needs and save the outcome, atomically.
/// `AppDatabase` (SQLite through GRDB) is one engine; a second (PostgreSQL) implements the same contract and
/// runs the same store tests. Callers never see a connection or SQL.
public protocol Store: Sendable {
    // MARK: Claims
    func submit(_ request: ClaimRequest, proofs: [ClaimProof], idempotencyKey: String?, actor: String, now: Date) throws -> (claim: AppDatabase.Claim, created: Bool)
    func claim(_ id: Int64) throws -> AppDatabase.Claim
    func markPaid(claim id: Int64, reference: String, actor: String, now: Date) throws -> AppDatabase.Claim
    func claims(period: String?, partner: String?) throws -> [AppDatabase.Claim]
    func proofs(period: String) throws -> [Int64: [AppDatabase.Proof]]
    func proof(sha256: String, partner: String?) throws -> AppDatabase.Proof?
    func proofs(claim id: Int64) throws -> [AppDatabase.Proof]

    // MARK: Deals
    func leadDomain(_ id: Int64, partner: String) throws -> String
    func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, visitor: String?, now: Date) throws -> AppDatabase.Registration
    @discardableResult func decide(_ id: Int64, _ action: AppDatabase.Action, note: String?, rules: DealRules, now: Date) throws -> AppDatabase.Deal
    @discardableResult func notePartnerAddress(partner: String, visitor: String, rules: DealRules, now: Date) throws -> [AppDatabase.Deal]
    @discardableResult func expireDeals(now: Date) throws -> [AppDatabase.Deal]
    func deal(_ id: Int64) throws -> AppDatabase.Deal
    func deals(partner: String?, status: DealStatus?) throws -> [AppDatabase.Deal]
    func decisions(deal id: Int64) throws -> [(status: String, rule: String, actor: String, note: String?, at: Date)]

    // MARK: Events
    func insert(_ events: [AssetEvent]) throws
    @discardableResult func insert(_ events: [AssetEvent], spoolSegment: String, now: Date) throws -> Bool
    func eventCount() throws -> Int

    // MARK: Leads
    @discardableResult func record(_ lead: Lead, ipHash: String, signed: Bool, now: Date) throws -> (id: Int64, created: Bool)
    func leads(partner: String?) throws -> [AppDatabase.StoredLead]

    // MARK: MDF
    func allocate(_ inputs: [AppDatabase.AllocationInput], period: Period, deadlineDays: Int, actor: String, now: Date) throws
    func extendDeadline(partner: String, period: Period, to day: String, actor: String, now: Date) throws
    func allocations(period: String?, partner: String?) throws -> [AppDatabase.Allocation]
    func balances(period: String?, partner: String?) throws -> [AppDatabase.Balance]
    func verifyAudit() throws -> (id: Int64, reason: String)?
    func auditCount() throws -> Int

    // MARK: MDFReport
    func mdfReport(period: String) throws -> [AppDatabase.MDFReportRow]

    // MARK: Outbox
    func dueOutbox(now: Date, limit: Int) throws -> [AppDatabase.OutboxRow]
    func markDelivered(_ id: Int64, now: Date) throws
    func markFailed(_ id: Int64, error: String, dead: Bool, retryAt: Date) throws
    @discardableResult func retryDead(ids: [Int64]?, now: Date) throws -> Int
    func outboxCounts() throws -> [AppDatabase.OutboxRow.Status: Int]
    func outbox(status: AppDatabase.OutboxRow.Status?) throws -> [AppDatabase.OutboxRow]
    func outbox(status: AppDatabase.OutboxRow.Status?, newest: Int) throws -> [AppDatabase.OutboxRow]

    // MARK: Overrides
    @discardableResult func saveChanges(partner: String, _ changes: [AppDatabase.ChangeRequest], actor: String, now: Date) throws -> [AppDatabase.FieldChange]
    func decide(change id: Int64, approve: Bool, by actor: String, note: String?, now: Date) throws -> AppDatabase.FieldChange
    func changes(partner: String?, status: ChangeStatus?) throws -> [AppDatabase.FieldChange]
    func change(_ id: Int64) throws -> AppDatabase.FieldChange
    func overrides(partner: String?, pending: Bool) throws -> [String: PartnerOverrides]

    // MARK: Portal
    func noteVisit(partner: String, now: Date) throws
    func visits(partner: String) throws -> (previous: Date?, last: Date?)
    func leadAssets(partner: String) throws -> [Int64: String]
    func performanceFacts(partner: String, from: Date, until: Date) throws -> (leads: [(campaign: String, locale: String)], deals: [Performance.Deal])
    func partnerOverview(search: String?) throws -> [AppDatabase.PartnerOverview]
    func periods() throws -> [String]

    // MARK: Reconcile
    @discardableResult func reconcile(period: String, rules: Reconciler.Rules, actor: String, now: Date) throws -> [Reconciler.Decision]
    func override(claim id: Int64, status: Reconciler.Decision.Status, approvedMinor: Int64?, note: String, actor: String, now: Date) throws -> AppDatabase.Claim

    // MARK: Sessions
    func startSession<R: RandomNumberGenerator>(for grant: AppDatabase.Grant, now: Date, lifetime: TimeInterval, using random: inout R) throws -> String
    func startSession<R: RandomNumberGenerator>(partner: String, now: Date, lifetime: TimeInterval, using random: inout R) throws -> String
    func session(_ id: String, now: Date) throws -> AppDatabase.Grant?
    func sessionPartner(_ id: String, now: Date) throws -> String?
    func endSession(_ id: String) throws
    func kit(partner: String, campaign: String, locale: String) throws -> AppDatabase.Kit?
    func partner(_ id: String) throws -> (name: String, locales: [String])?

    // MARK: Suppression
    @discardableResult func suppress(_ suppression: Suppression, now: Date) throws -> Bool
    func suppressions(partner: String?) throws -> [AppDatabase.SuppressedAddress]

    // MARK: Tokens
    func issueToken<R: RandomNumberGenerator>(role: AppDatabase.Role, partner: String?, now: Date, using random: inout R) throws -> String
    func grant(for token: String) throws -> AppDatabase.Grant?
    @discardableResult func revokeTokens(role: AppDatabase.Role, partner: String?, now: Date) throws -> Int

    // MARK: Usage
    func usage(from: Date, until: Date, partner: String?) throws -> [AppDatabase.UsageRow]

    // MARK: Roster, kits and secrets
    func secret(_ name: String, generate: () -> Data) throws -> Data
    func sync(partners: [Partner], now: Date) throws
    func sync(kits: [AppDatabase.Kit], partner: String?) throws
    func kits(partner: String) throws -> [AppDatabase.Kit]
}

extension AppDatabase: Store {}

/// The shorter calls, with what they leave out; each forwards to a requirement with every argument.
extension Store {
    public func sync(kits: [AppDatabase.Kit]) throws { try sync(kits: kits, partner: nil) }
    public func claims() throws -> [AppDatabase.Claim] { try claims(period: nil, partner: nil) }
    public func claims(period: String) throws -> [AppDatabase.Claim] { try claims(period: period, partner: nil) }
    public func claims(partner: String) throws -> [AppDatabase.Claim] { try claims(period: nil, partner: partner) }
    public func proof(sha256: String) throws -> AppDatabase.Proof? { try proof(sha256: sha256, partner: nil) }
    public func register(_ request: DealRequest, rules: DealRules, idempotencyKey: String?, now: Date) throws -> AppDatabase.Registration {
        try register(request, rules: rules, idempotencyKey: idempotencyKey, visitor: nil, now: now)
    }
    public func deals() throws -> [AppDatabase.Deal] { try deals(partner: nil, status: nil) }
    public func deals(partner: String) throws -> [AppDatabase.Deal] { try deals(partner: partner, status: nil) }
    public func deals(status: DealStatus) throws -> [AppDatabase.Deal] { try deals(partner: nil, status: status) }
    @discardableResult public func record(_ lead: Lead, ipHash: String, now: Date) throws -> (id: Int64, created: Bool) {
        try record(lead, ipHash: ipHash, signed: false, now: now)
    }
    public func leads() throws -> [AppDatabase.StoredLead] { try leads(partner: nil) }
    public func allocations() throws -> [AppDatabase.Allocation] { try allocations(period: nil, partner: nil) }
    public func allocations(period: String) throws -> [AppDatabase.Allocation] { try allocations(period: period, partner: nil) }
    public func allocations(partner: String) throws -> [AppDatabase.Allocation] { try allocations(period: nil, partner: partner) }
    public func balances() throws -> [AppDatabase.Balance] { try balances(period: nil, partner: nil) }
    public func balances(period: String) throws -> [AppDatabase.Balance] { try balances(period: period, partner: nil) }
    public func balances(partner: String) throws -> [AppDatabase.Balance] { try balances(period: nil, partner: partner) }
    public func dueOutbox(now: Date) throws -> [AppDatabase.OutboxRow] { try dueOutbox(now: now, limit: 100) }
    @discardableResult public func retryDead(now: Date) throws -> Int { try retryDead(ids: nil, now: now) }
    public func outbox() throws -> [AppDatabase.OutboxRow] { try outbox(status: nil) }
    public func outbox(newest: Int) throws -> [AppDatabase.OutboxRow] { try outbox(status: nil, newest: newest) }
    public func decide(change id: Int64, approve: Bool, by actor: String, now: Date) throws -> AppDatabase.FieldChange {
        try decide(change: id, approve: approve, by: actor, note: nil, now: now)
    }
    public func changes() throws -> [AppDatabase.FieldChange] { try changes(partner: nil, status: nil) }
    public func changes(partner: String) throws -> [AppDatabase.FieldChange] { try changes(partner: partner, status: nil) }
    public func changes(status: ChangeStatus) throws -> [AppDatabase.FieldChange] { try changes(partner: nil, status: status) }
    public func overrides() throws -> [String: PartnerOverrides] { try overrides(partner: nil, pending: false) }
    public func overrides(partner: String?) throws -> [String: PartnerOverrides] { try overrides(partner: partner, pending: false) }
    public func partnerOverview() throws -> [AppDatabase.PartnerOverview] { try partnerOverview(search: nil) }
    public func startSession<R: RandomNumberGenerator>(for grant: AppDatabase.Grant, now: Date, using random: inout R) throws -> String {
        try startSession(for: grant, now: now, lifetime: AppDatabase.sessionLifetime, using: &random)
    }
    public func startSession<R: RandomNumberGenerator>(partner: String, now: Date, using random: inout R) throws -> String {
        try startSession(partner: partner, now: now, lifetime: AppDatabase.sessionLifetime, using: &random)
    }
    public func suppressions() throws -> [AppDatabase.SuppressedAddress] { try suppressions(partner: nil) }
    public func usage(from: Date, until: Date) throws -> [AppDatabase.UsageRow] { try usage(from: from, until: until, partner: nil) }
}
