import CobrandCore
import CobrandStore
import Foundation
import GRDB
import Testing

@Suite("Deal registration store")
struct DealStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let rules = DealRules(autoApproveBelow: ["USD": 2_500_000], expiryDays: 90)

    func request(_ partner: String, domain: String = "acme.com", value: String = "18000") -> DealRequest {
        DealRequest(partner: partner, domain: domain, accountName: "Acme", value: Money(major: value, currency: "USD")!,
                    products: ["Stream"], expectedClose: "2027-03-31")
    }

    /// A tracked lead: through a signed form, two days before `now`, from visitor "h".
    func withLead(_ database: any Store, partner: String, domain: String = "acme.com") async throws {
        try await database.record(Lead(partner: partner, campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                 email: EmailAddress("jane@\(domain)")!, companyDomain: domain), ipHash: "h", signed: true,
                            now: now.addingTimeInterval(-2 * 86_400))
    }

    /// The forged "tracked lead" attack and its neighbours: only a signed form's lead, old enough, from a visitor
    /// who is not the registering partner, approves at once.
    @Test("which leads count as tracked for automatic approval", arguments: Engine.all, [
        (true, 25.0, "visitor", nil as String?, "auto-approved"),
        (false, 25.0, "visitor", nil, "review-no-tracked-lead"),      // posted to the bare API
        (true, 23.0, "visitor", nil, "review-no-tracked-lead"),       // too fresh
        (true, 25.0, "visitor", "visitor", "review-no-tracked-lead"), // from the partner's own sign-in address
        (true, 25.0, "registrar", nil, "review-no-tracked-lead"),     // from the address that registers
    ])
    func trackedLead(engine: Engine, tracked: (Bool, Double, String, String?, String)) async throws {
        let (signed, hoursOld, visitor, signedInFrom, rule) = tracked
        try await engine.with { database in
            try await database.record(Lead(partner: "alpha", campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                     email: EmailAddress("nobody@megacorp.example")!, companyDomain: "megacorp.example"),
                                ipHash: visitor, signed: signed, now: now.addingTimeInterval(-hoursOld * 3_600))
            if let signedInFrom { try await database.notePartnerAddress(partner: "alpha", visitor: signedInFrom, rules: rules, now: now) }
            let registration = try await database.register(request("alpha", domain: "megacorp.example", value: "24999.99"), rules: rules,
                                                      idempotencyKey: nil, visitor: "registrar", now: now)
            #expect(registration.deal.rule.rawValue == rule)
            #expect(registration.deal.status == (rule == "auto-approved" ? .approved : .pending))
        }
    }

    @Test("an automatic approval goes back to review when the partner later signs in from the lead's address", arguments: Engine.all)
    func contradicted(engine: Engine) async throws {
        try await engine.with { database in
            try await withLead(database, partner: "alpha")
            let deal = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, visitor: "office", now: now).deal
            #expect(deal.status == .approved)
            #expect(try await database.notePartnerAddress(partner: "alpha", visitor: "office", rules: rules, now: now).isEmpty)
            #expect(try await database.notePartnerAddress(partner: "beta", visitor: "h", rules: rules, now: now).isEmpty, "another partner's address proves nothing")
            let back = try await database.notePartnerAddress(partner: "alpha", visitor: "h", rules: rules, now: now.addingTimeInterval(60))
            #expect(back.map(\.id) == [deal.id])
            let stored = try await database.deal(deal.id)
            #expect(stored.status == .pending && stored.rule == .reviewContradicted && stored.expiresAt == nil)
            #expect(try await database.decisions(deal: deal.id).map(\.rule) == ["auto-approved", "review-contradicted"])
            #expect(try await database.outbox().map(\.type).suffix(1) == ["deal.review"])
            // Still held: another partner gets a conflict.
            #expect(try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: now).deal.status == .conflict)
        }
    }

    @Test("a tracked lead under the threshold is approved for 90 days; the same partner again gets the same deal", arguments: Engine.all)
    func approveAndIdempotent(engine: Engine) async throws {
        try await engine.with { database in
            try await withLead(database, partner: "alpha")
            let first = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now)
            #expect(first.created && first.deal.status == .approved && first.deal.rule == .autoApproved)
            #expect(first.deal.expiresAt == now.addingTimeInterval(90 * 86_400))
            let again = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now.addingTimeInterval(60))
            #expect(!again.created && again.deal.id == first.deal.id)
            #expect(try await database.deals().count == 1)
        }
    }

    @Test("another partner's active registration means conflict, stored with its rule; the first keeps the account", arguments: Engine.all)
    func conflict(engine: Engine) async throws {
        try await engine.with { database in
            let held = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now)
            #expect(held.deal.status == .pending && held.deal.rule == .reviewNoTrackedLead)
            let second = try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: now)
            #expect(second.created && second.deal.status == .conflict && second.deal.rule == .heldByAnotherPartner)
            #expect(!(second.deal.payload.description.contains("alpha")))
            #expect(try await database.deal(held.deal.id).status == .pending)
        }
    }

    @Test("expiry frees the account at the expiry time, before and after cobrand deals expire marks it", arguments: Engine.all)
    func expiry(engine: Engine) async throws {
        try await engine.with { database in
            try await withLead(database, partner: "alpha")
            let approved = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now).deal
            let later = now.addingTimeInterval(90 * 86_400)
            #expect(try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: later.addingTimeInterval(-1)).deal.status == .conflict)
            #expect(try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: later).deal.status == .pending)
            #expect(try await database.expireDeals(now: later).map(\.id) == [approved.id])
            #expect(try await database.deal(approved.id).status == .expired)
            #expect(try await database.expireDeals(now: later).isEmpty)
        }
    }

    @Test("two partners racing for one account concurrently: exactly one holds it", arguments: Engine.all)
    func race(engine: Engine) async throws {
        let now = self.now, rules = self.rules
        try await engine.with(onDisk: true) { database in
            for round in 0..<20 {
                let domain = "race\(round).com"
                let outcomes = try await withThrowingTaskGroup(of: DealStatus.self) { group in
                    for partner in ["alpha", "beta", "gamma", "delta"] {
                        group.addTask {
                            try await database.register(DealRequest(partner: partner, domain: domain, accountName: "R",
                                                                    value: Money(amountMinor: 100, currency: "USD"), products: ["P"],
                                                                    expectedClose: "2027-01-01"), rules: rules, idempotencyKey: nil, now: now).deal.status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 == .pending }.count == 1, "round \(round): \(outcomes)")
                #expect(outcomes.filter { $0 == .conflict }.count == 3)
            }
        }
    }

    @Test("an Idempotency-Key retry returns the first registration, even with a different body", arguments: Engine.all)
    func idempotencyKey(engine: Engine) async throws {
        try await engine.with { database in
            let first = try await database.register(request("alpha"), rules: rules, idempotencyKey: "k1", now: now)
            let retry = try await database.register(request("alpha", domain: "other.com"), rules: rules, idempotencyKey: "k1", now: now)
            #expect(!retry.created && retry.deal == first.deal)
            let otherPartner = try await database.register(request("beta", domain: "beta-only.com"), rules: rules, idempotencyKey: "k1", now: now)
            #expect(otherPartner.created)
        }
    }

    @Test("the channel team approves, extends and rejects; each decision is logged and sent to the outbox", arguments: Engine.all)
    func decisions(engine: Engine) async throws {
        try await engine.with { database in
            let deal = try await database.register(request("alpha", value: "90000"), rules: rules, idempotencyKey: nil, now: now).deal
            await #expect(throws: AppDatabase.DealError.self) { try await database.decide(deal.id, .extend(days: 30), note: nil, rules: rules, now: now) }
            let approved = try await database.decide(deal.id, .approve, note: "ok", rules: rules, now: now)
            #expect(approved.status == .approved && approved.expiresAt == now.addingTimeInterval(90 * 86_400))
            let extended = try await database.decide(deal.id, .extend(days: 30), note: nil, rules: rules, now: now)
            #expect(extended.expiresAt == now.addingTimeInterval(120 * 86_400))
            let rejected = try await database.decide(deal.id, .reject, note: "duplicate", rules: rules, now: now)
            #expect(rejected.status == .rejected && rejected.expiresAt == nil)
            await #expect(throws: AppDatabase.DealError.self) { try await database.decide(deal.id, .approve, note: nil, rules: rules, now: now) }
            #expect(try await database.decisions(deal: deal.id).map(\.rule) == ["review-no-tracked-lead", "approved-by-channel-team", "extended-by-channel-team", "rejected-by-channel-team"])
            #expect(try await database.outbox().map(\.type) == ["deal.registered", "deal.approved", "deal.extended", "deal.rejected"])
        }
    }

    @Test("approving a pending deal whose account another partner now holds is refused", arguments: Engine.all)
    func approveTaken(engine: Engine) async throws {
        try await engine.with { database in
            let pending = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now).deal
            _ = try await database.decide(pending.id, .reject, note: nil, rules: rules, now: now)
            try await withLead(database, partner: "beta")
            #expect(try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: now).deal.status == .approved)
            let again = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, now: now).deal
            #expect(again.status == .conflict)
            await #expect(throws: AppDatabase.DealError.self) { try await database.decide(again.id, .approve, note: nil, rules: rules, now: now) }
        }
    }

    func update(_ event: String, _ reference: CRMReference, _ stage: DealStage, amount: String? = nil, crm: String? = nil, at seconds: Double) -> CRMUpdate {
        .deal(reference, DealUpdate(eventID: event, stage: stage, amount: amount.map { Money(major: $0, currency: "USD")! },
                                    closeDate: stage == .open ? nil : "2027-03-01", crmID: crm, at: now.addingTimeInterval(seconds)))
    }

    @Test("the CRM's updates close registrations and qualify leads, each event once, in the CRM's order; a batch naming an unknown deal stores nothing",
          arguments: Engine.all)
    func crmUpdates(engine: Engine) async throws {
        try await engine.with { database in
            try await withLead(database, partner: "alpha")
            let deal = try await database.register(request("alpha"), rules: rules, idempotencyKey: nil, visitor: "office", now: now).deal
            let lead = try #require(try await database.leads().first?.id)
            let outbox = try await database.outbox().count
            let won = update("e1", .ours(deal.id), .won, amount: "48000.00", crm: "OPP-1", at: 60)
            let qualified = CRMUpdate.lead(.ours(lead), LeadUpdate(eventID: "e2", qualification: .qualified, crmID: "L-9", at: now))
            let results = try await database.applyCRM([won, won, update("e0", .ours(deal.id), .open, at: 30), qualified], now: now.addingTimeInterval(600))
            #expect(results == [.applied, .duplicate, .stale, .applied])
            var stored = try await database.deal(deal.id)
            #expect(stored.status == .won && stored.rule == .wonInCRM)
            #expect(stored.outcome == DealOutcome(stage: .won, amount: Money(major: "48000", currency: "USD"), closeDate: "2027-03-01", crmID: "OPP-1",
                                                  at: now.addingTimeInterval(60)))
            #expect(stored.payload["crm_id"] as? String == "OPP-1")
            #expect(try await database.decisions(deal: deal.id).map { "\($0.status) \($0.rule) \($0.actor)" }.last == "won won-in-crm crm")
            #expect(try await database.outbox().count == outbox, "the CRM's own change is not sent back to it")
            let storedLead = try #require(try await database.leads().first)
            #expect(storedLead.qualification == .qualified && storedLead.crmId == "L-9")
            // A won registration no longer holds the account.
            #expect(try await database.register(request("beta"), rules: rules, idempotencyKey: nil, now: now.addingTimeInterval(700)).deal.status == .pending)
            // By the CRM's id, once stored: lost; and a replay of the first batch is all duplicates.
            #expect(try await database.applyCRM([update("e3", .crm("OPP-1"), .lost, at: 120)], now: now.addingTimeInterval(800)) == [.applied])
            #expect(try await database.applyCRM([won, qualified], now: now.addingTimeInterval(900)) == [.duplicate, .duplicate])
            stored = try await database.deal(deal.id)
            #expect(stored.status == .lost && stored.outcome?.amount == nil)
            let events = try await database.strings("SELECT eventId FROM crmEvent ORDER BY eventId")
            #expect(events == ["e0", "e1", "e2", "e3"])
            // One unknown deal in a batch: nothing of it is stored.
            let disqualified = CRMUpdate.lead(.ours(lead), LeadUpdate(eventID: "e4", qualification: .disqualified, crmID: nil, at: now.addingTimeInterval(60)))
            await #expect(throws: CRMUnknownTarget(kind: .deal, reference: .ours(999), eventID: "e5")) {
                try await database.applyCRM([disqualified, self.update("e5", .ours(999), .won, amount: "1.00", at: 60)], now: now)
            }
            await #expect(throws: CRMUnknownTarget(kind: .lead, reference: .crm("L-404"), eventID: "e6")) {
                try await database.applyCRM([.lead(.crm("L-404"), LeadUpdate(eventID: "e6", qualification: .qualified, crmID: nil, at: now))], now: now)
            }
            #expect(try await database.leads().first?.qualification == .qualified)
            #expect(try await database.strings("SELECT eventId FROM crmEvent ORDER BY eventId") == events)
            // One CRM opportunity is one registration.
            let beta = try #require(try await database.deals(partner: "beta").first)
            do {
                _ = try await database.applyCRM([update("e7", .ours(beta.id), .open, crm: "OPP-1", at: 60)], now: now)
                Issue.record("a second deal took OPP-1")
            } catch let error as CRMUpdateError {
                #expect(error.field == "crm_id" && error.eventID == "e7")
            }
            // Reopened while beta's registration holds the account: alpha's is a conflict, not a second holder.
            #expect(try await database.applyCRM([update("e8", .crm("OPP-1"), .open, at: 130)], now: now.addingTimeInterval(1_000)) == [.applied])
            stored = try await database.deal(deal.id)
            #expect(stored.status == .conflict && stored.rule == .heldByAnotherPartner)
            #expect(try await database.decisions(deal: deal.id).map(\.actor).suffix(3) == ["crm", "crm", "crm"])
        }
    }
}
