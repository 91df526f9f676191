import CobrandCore
import Foundation
import Testing

@Suite("CRM outcomes of registered deals")
struct DealOutcomeTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func eur(_ major: String) -> Money { Money(major: major, currency: "EUR")! }

    static func update(_ id: String, _ stage: DealStage, _ amount: String? = nil, close: String? = "2027-02-10", crm: String? = "OPP-1",
                       at minutes: Double) -> DealUpdate {
        DealUpdate(eventID: id, stage: stage, amount: amount.map(Self.eur), closeDate: close, crmID: crm, at: t0.addingTimeInterval(minutes * 60))
    }

    static func outcome(_ stage: DealStage, _ amount: String? = nil, close: String? = "2027-02-10", crm: String? = "OPP-1",
                        at minutes: Double) -> DealOutcome {
        DealOutcome(stage: stage, amount: amount.map(Self.eur), closeDate: close, crmID: crm, at: t0.addingTimeInterval(minutes * 60))
    }

    @Test("updates change the outcome by the CRM's clock, whatever order they arrive in", arguments: [
        // first word from the CRM
        (nil, update("e1", .open, close: nil, at: 0), false, DealOutcome.Change.applied(outcome(.open, close: nil, at: 0))),
        // won, with its amount and close date
        (outcome(.open, close: nil, at: 0), update("e2", .won, "48000", at: 10), false, .applied(outcome(.won, "48000", at: 10))),
        // lost: no amount kept
        (outcome(.open, close: nil, at: 0), update("e3", .lost, "48000", at: 10), false, .applied(outcome(.lost, at: 10))),
        // reopened after a win: the CRM's word stands, the close date goes
        (outcome(.won, "48000", at: 10), update("e4", .open, at: 20), false, .applied(outcome(.open, close: nil, at: 20))),
        // an older update arriving after a newer one changes nothing
        (outcome(.won, "48000", at: 10), update("e5", .open, at: 5), false, .stale),
        // the same event again changes nothing
        (outcome(.won, "48000", at: 10), update("e2", .won, "48000", at: 10), true, .duplicate),
        // at the same instant, the later arrival wins
        (outcome(.won, "48000", at: 10), update("e6", .lost, at: 10), false, .applied(outcome(.lost, at: 10))),
        // a CRM id once known stays when an update leaves it out
        (outcome(.open, close: nil, at: 0), update("e7", .won, "9000", crm: nil, at: 30), false, .applied(outcome(.won, "9000", at: 30))),
    ] as [(DealOutcome?, DealUpdate, Bool, DealOutcome.Change)])
    func transitions(current: DealOutcome?, update: DealUpdate, seen: Bool, expected: DealOutcome.Change) {
        #expect(DealOutcome.apply(update, to: current, seen: seen) == expected)
    }

    static func won(_ id: Int64, _ partner: String?, _ status: DealStatus?, domain: String = "acme.com", close: String = "2027-02-10")
        -> RevenueAttribution.WonDeal {
        .init(id: id, partner: partner, status: status, domain: domain, amount: eur("48000"), closeDate: close)
    }

    static func lead(_ partner: String, domain: String = "acme.com", daysBeforeClose: Double) -> RevenueAttribution.LeadTouch {
        .init(partner: partner, domain: domain, submittedAt: Period.day("2027-02-10")!.addingTimeInterval(-daysBeforeClose * 86_400 + 3_600))
    }

    @Test("sourced revenue goes to the registering partner once; influenced to every other partner whose lead reached the account in the window",
          arguments: [
        // a registration closed as won: sourced by alpha; beta's lead 30 days before influenced it
        ([won(1, "alpha", .won)], [lead("alpha", daysBeforeClose: 40), lead("beta", daysBeforeClose: 30)],
         ["alpha 1 sourced", "beta 1 influenced"]),
        // a rejected or conflicting registration (the vendor's own deal) sources nothing; its partner's own lead still influenced it
        ([won(3, "alpha", .rejected)], [lead("alpha", daysBeforeClose: 10)], ["alpha 3 influenced"]),
        ([won(4, "beta", .conflict)], [], []),
        // the vendor closed it directly: partners' leads influenced it
        ([won(5, nil, nil)], [lead("alpha", daysBeforeClose: 1), lead("gamma", daysBeforeClose: 0)], ["alpha 5 influenced", "gamma 5 influenced"]),
        // outside the window, another account, or after the close: no credit
        ([won(6, nil, nil)], [lead("alpha", daysBeforeClose: 181), lead("beta", domain: "other.com", daysBeforeClose: 3), lead("gamma", daysBeforeClose: -2)],
         []),
        // several leads of one partner count once
        ([won(7, "alpha", .won)], [lead("beta", daysBeforeClose: 3), lead("beta", daysBeforeClose: 90)], ["alpha 7 sourced", "beta 7 influenced"]),
    ] as [([RevenueAttribution.WonDeal], [RevenueAttribution.LeadTouch], [String])])
    func attribution(won: [RevenueAttribution.WonDeal], leads: [RevenueAttribution.LeadTouch], expected: [String]) {
        let credits = RevenueAttribution.credits(won: won, leads: leads)
        #expect(credits.map { "\($0.partner) \($0.deal) \($0.kind.rawValue)" } == expected)
        #expect(credits.allSatisfy { $0.amount == Self.eur("48000") })
    }

    static let expiry = t0.addingTimeInterval(30 * 86_400)

    /// What the CRM's outcome does to a registration: accepted ones end as won or lost, reopened ones go back
    /// to where their protection stands, refused ones only carry the outcome.
    @Test("the CRM's outcome closes and reopens registrations", arguments: [
        (DealStatus.approved, expiry as Date?, DealStage.won, 0.0, false, DealStatus.won, DealRules.Rule.wonInCRM, true),
        (.expired, t0.addingTimeInterval(-86_400), .won, 0, false, .won, .wonInCRM, true),           // won after the protection expired
        (.pending, nil, .won, 0, false, .won, .wonInCRM, false),                                     // closed, but never approved: sources nothing
        (.pending, nil, .lost, 0, false, .lost, .lostInCRM, false),
        (.won, expiry, .lost, 0, false, .lost, .lostInCRM, false),
        (.rejected, nil, .won, 0, false, .rejected, .manualRejection, false),                       // the vendor's own deal now
        (.conflict, nil, .lost, 0, false, .conflict, .heldByAnotherPartner, false),
        (.won, expiry, .open, 0, false, .approved, .reopenedInCRM, false),                           // protection stands until its expiry
        (.won, expiry, .open, 0, true, .conflict, .heldByAnotherPartner, false),                     // another partner took the account meanwhile
        (.won, expiry, .open, 31, true, .expired, .reopenedInCRM, false),                            // reopened after it ended: holds nothing
        (.lost, nil, .open, 0, false, .pending, .reopenedInCRM, false),                              // never approved: back to review
        (.approved, expiry, .open, 0, false, .approved, .manualApproval, false),                     // the CRM's id, nothing else
    ] as [(DealStatus, Date?, DealStage, Double, Bool, DealStatus, DealRules.Rule, Bool)])
    func recording(status: DealStatus, expiresAt: Date?, stage: DealStage, daysLater: Double, held: Bool, expected: DealStatus, rule: DealRules.Rule,
                   sourced: Bool) {
        let initial: DealRules.Rule = switch status {
        case .rejected: .manualRejection
        case .conflict: .heldByAnotherPartner
        case .pending: .reviewNoTrackedLead
        default: .manualApproval
        }
        let deal = Deal(id: 9, partner: "alpha", domain: "acme.com", accountName: "Acme", value: Self.eur("40000"), products: [], expectedClose: "2027-02-28",
                        leadID: nil, status: status, rule: initial, createdAt: Self.t0, decidedAt: Self.t0, expiresAt: expiresAt)
        let now = Self.t0.addingTimeInterval(daysLater * 86_400 + 60)
        let outcome = Self.outcome(stage, stage == .won ? "48000" : nil, close: stage == .open ? nil : "2027-02-10", at: 1)
        let recorded = deal.recording(outcome, at: now, accountHeldByOther: held)
        #expect(recorded.status == expected)
        #expect(recorded.rule == rule)
        #expect(recorded.outcome == outcome)
        #expect(recorded.expiresAt == expiresAt, "the protection's end is kept for a reopening")
        #expect(recorded.decidedAt == (expected == status && rule == initial ? Self.t0 : now))
        #expect(!recorded.isActive(at: now) || expected == .approved || expected == .pending, "won and lost registrations free the account")
        #expect((recorded.sourcedWin != nil) == sourced)
        // Through `applying`: the same deal, the answer for the CRM, and a decision only when status or rule changed.
        let step = deal.applying(DealUpdate(eventID: "x", stage: stage, amount: outcome.amount, closeDate: outcome.closeDate, crmID: "OPP-1", at: outcome.at),
                                 seen: false, at: now, accountHeldByOther: held)
        #expect(step.result == .applied && step.deal == recorded && step.decided == (expected != status || rule != initial))
        #expect(deal.applying(DealUpdate(eventID: "x", stage: stage, amount: nil, closeDate: nil, crmID: nil, at: outcome.at), seen: true, at: now,
                              accountHeldByOther: held).result == .duplicate)
    }

    @Test("lead qualification follows the CRM's clock")
    func leadQualification() {
        let at = { (minutes: Double) in Self.t0.addingTimeInterval(minutes * 60) }
        let qualified = LeadOutcome(qualification: .qualified, crmID: "L-1", at: at(5))
        #expect(LeadOutcome.apply(LeadUpdate(eventID: "a", qualification: .qualified, crmID: "L-1", at: at(5)), to: nil, seen: false) == .applied(qualified))
        #expect(LeadOutcome.apply(LeadUpdate(eventID: "b", qualification: .disqualified, crmID: nil, at: at(2)), to: qualified, seen: false) == .stale)
        #expect(LeadOutcome.apply(LeadUpdate(eventID: "a", qualification: .qualified, crmID: nil, at: at(5)), to: qualified, seen: true) == .duplicate)
        #expect(LeadOutcome.apply(LeadUpdate(eventID: "c", qualification: .disqualified, crmID: nil, at: at(9)), to: qualified, seen: false)
            == .applied(LeadOutcome(qualification: .disqualified, crmID: "L-1", at: at(9))))
    }

    static let wonFields = ["event_id": "e1", "type": "deal", "deal_id": "12", "crm_id": "006Q", "stage": "won", "amount": "48000.50",
                            "currency": "eur", "close_date": "2027-02-10", "updated_at": "2027-02-10T09:30:00Z"]

    static func with(_ changes: [String: String]) -> [String: String] { wonFields.merging(changes) { $1 } }
    /// When Cobrand receives the updates: 2027-02-10T09:35:00Z, five minutes after the CRM's time of the won update.
    static let receivedAt = Date(timeIntervalSince1970: 1_802_252_100)

    @Test("a CRM update is read from its fields, or refused naming the field", arguments: [
        (with([:]), nil as String?),
        (with(["deal_id": "", "updated_at": "2027-02-10T09:30:00.250Z"]), nil),
        (with(["stage": "lost", "amount": "", "currency": ""]), nil),
        (with(["stage": "open", "amount": "", "currency": "", "close_date": ""]), nil),
        (["event_id": "e2", "type": "lead", "lead_id": "4", "status": "qualified", "updated_at": "2027-02-10T09:30:00Z"], nil),
        (with(["event_id": ""]), "event_id"),
        (with(["stage": "closed"]), "stage"),
        (with(["amount": ""]), "amount"),
        (with(["amount": "48,000.00"]), "amount"),
        (with(["currency": "EURO"]), "amount"),
        (with(["close_date": "2027-02-30"]), "close_date"),
        (with(["close_date": ""]), "close_date"),
        (with(["stge": "won"]), "stge"),
        (with(["updated_at": "yesterday"]), "updated_at"),
        (with(["updated_at": "2027-02-10T09:40:00Z"]), nil),           // within the clock skew
        (with(["updated_at": "2027-02-10T09:40:01Z"]), "updated_at"),  // ahead of Cobrand's clock: it would make real updates stale
        (with(["deal_id": "abc"]), "deal_id"),
        (with(["deal_id": "", "crm_id": ""]), "deal_id"),
        (with(["type": "opportunity"]), "type"),
        (with(["stage": "lost", "currency": ""]), "amount"),
        (["event_id": "e2", "type": "lead", "lead_id": "4", "status": "qualified", "stage": "won", "updated_at": "2027-02-10T09:30:00Z"], "stage"),
    ] as [([String: String], String?)])
    func parse(fields: [String: String], refused: String?) throws {
        do {
            let update = try CRMUpdate.parse(fields, now: Self.receivedAt)
            #expect(refused == nil, "accepted \(update)")
        } catch {
            #expect(error.field == refused, "\(error)")
        }
    }

    @Test("a won update reads into whole values")
    func parsedValues() throws {
        let update = try CRMUpdate.parse(Self.wonFields, now: Self.receivedAt)
        #expect(update == .deal(.ours(12), DealUpdate(eventID: "e1", stage: .won, amount: Money(amountMinor: 4_800_050, currency: "EUR"),
                                                      closeDate: "2027-02-10", crmID: "006Q", at: Date(timeIntervalSince1970: 1_802_251_800))))
        #expect(try CRMUpdate.parse(Self.with(["deal_id": ""]), now: Self.receivedAt) == .deal(.crm("006Q"), DealUpdate(
            eventID: "e1", stage: .won, amount: Money(amountMinor: 4_800_050, currency: "EUR"), closeDate: "2027-02-10", crmID: "006Q",
            at: Date(timeIntervalSince1970: 1_802_251_800))))
    }

    @Test("a CSV export with one bad row is refused naming its line, and a good one reads every row")
    func csv() throws {
        let header = "event_id,type,deal_id,lead_id,crm_id,stage,status,amount,currency,close_date,updated_at\n"
        let good = header + "e1,deal,12,,006Q,won,,48000.00,EUR,2027-02-10,2027-02-10T09:30:00Z\r\ne2,lead,,7,,,qualified,,,,2027-02-01T00:00:00Z\n"
        let rows = try CRMUpdate.parseCSV(good, file: "crm.csv", now: Self.receivedAt)
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows.map(\.update.eventID) == ["e1", "e2"])
        let bad = good + "e3,deal,13,,,won,,,EUR,2027-02-10,2027-02-10T09:00:00Z\n"
        #expect(throws: CRMImportError(problems: ["crm.csv:4: amount is missing; give the won amount in major units, such as 48000.00"])) {
            try CRMUpdate.parseCSV(bad, file: "crm.csv", now: Self.receivedAt)
        }
        #expect(throws: CRMImportError(problems: ["crm.csv:1: column 'stge' is not a field of a CRM update; use \(CRMUpdate.fields.joined(separator: ", "))"])) {
            try CRMUpdate.parseCSV("event_id,stge\ne1,won\n", file: "crm.csv", now: Self.receivedAt)
        }
    }

    @Test("a signed request is accepted within five minutes of its timestamp, with a signature of the body", arguments: [
        (0.0, true, nil as Webhook.Refusal?), (299, true, nil), (-299, true, nil), (301, true, .stale), (-301, true, .stale), (0, false, .signature),
    ])
    func signedRequests(skew: Double, signedRight: Bool, refusal: Webhook.Refusal?) {
        let secret = Data("a-shared-secret-of-some-length".utf8), body = Data(#"{"updates":[]}"#.utf8)
        let timestamp: Int64 = 1_800_000_000
        let header = Webhook.signature(body: signedRight ? body : Data("{}".utf8), timestamp: timestamp, secret: secret)
        let now = Date(timeIntervalSince1970: Double(timestamp) + skew)
        #expect(Webhook.refusal(header: header, timestamp: String(timestamp), body: body, secret: secret, now: now) == refusal)
        #expect(Webhook.refusal(header: nil, timestamp: String(timestamp), body: body, secret: secret, now: now) == .missing)
        #expect(Webhook.refusal(header: header, timestamp: "abc", body: body, secret: secret, now: now) == .timestamp)
    }
}
