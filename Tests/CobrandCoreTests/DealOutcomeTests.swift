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
        // approved registration won: sourced by alpha; beta's lead 30 days before influenced it
        ([won(1, "alpha", .approved)], [lead("alpha", daysBeforeClose: 40), lead("beta", daysBeforeClose: 30)],
         ["alpha 1 sourced", "beta 1 influenced"]),
        // won after the registration's protection expired: still sourced
        ([won(2, "alpha", .expired)], [], ["alpha 2 sourced"]),
        // a rejected or conflicting registration sources nothing; its partner's own lead still influenced it
        ([won(3, "alpha", .rejected)], [lead("alpha", daysBeforeClose: 10)], ["alpha 3 influenced"]),
        ([won(4, "beta", .conflict)], [], []),
        // the vendor closed it directly: partners' leads influenced it
        ([won(5, nil, nil)], [lead("alpha", daysBeforeClose: 1), lead("gamma", daysBeforeClose: 0)], ["alpha 5 influenced", "gamma 5 influenced"]),
        // outside the window, another account, or after the close: no credit
        ([won(6, nil, nil)], [lead("alpha", daysBeforeClose: 181), lead("beta", domain: "other.com", daysBeforeClose: 3), lead("gamma", daysBeforeClose: -2)],
         []),
        // several leads of one partner count once
        ([won(7, "alpha", .approved)], [lead("beta", daysBeforeClose: 3), lead("beta", daysBeforeClose: 90)], ["alpha 7 sourced", "beta 7 influenced"]),
    ] as [([RevenueAttribution.WonDeal], [RevenueAttribution.LeadTouch], [String])])
    func attribution(won: [RevenueAttribution.WonDeal], leads: [RevenueAttribution.LeadTouch], expected: [String]) {
        let credits = RevenueAttribution.credits(won: won, leads: leads)
        #expect(credits.map { "\($0.partner) \($0.deal) \($0.kind.rawValue)" } == expected)
        #expect(credits.allSatisfy { $0.amount == Self.eur("48000") })
    }
}
