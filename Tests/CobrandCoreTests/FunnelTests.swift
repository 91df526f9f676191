import CobrandCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("The funnel from impressions to revenue")
struct FunnelTests {
    static let day0 = Period.day("2027-01-01")!
    static func day(_ n: Double) -> Date { day0.addingTimeInterval(n * 86_400) }
    static func key(_ partner: String, _ asset: String, locale: String = "en-US", campaign: String = "launch") -> Funnel.Key {
        Funnel.Key(partner: partner, campaign: campaign, locale: locale, asset: asset)
    }

    static func deal(_ id: Int64, _ partner: String, _ domain: String, _ status: DealStatus, lead: Int64? = nil, won: String? = nil, lost: Bool = false) -> Deal {
        let outcome = won.map { DealOutcome(stage: .won, amount: Money(major: $0, currency: "EUR"), closeDate: "2027-01-21", crmID: nil, at: day(20)) }
            ?? (lost ? DealOutcome(stage: .lost, amount: nil, closeDate: "2027-01-21", crmID: nil, at: day(20)) : nil)
        return Deal(id: id, partner: partner, domain: domain, accountName: domain, value: Money(major: "40000", currency: "EUR")!, products: [],
                    expectedClose: "2027-03-01", leadID: lead, status: status, rule: .manualApproval, createdAt: day(3), decidedAt: day(3),
                    expiresAt: outcome == nil ? nil : day(93), outcome: outcome)  // closed ones were approved first
    }

    /// Alpha's emails were opened by people, a mail proxy and a bot; two leads came from its landing page (one
    /// qualified), one became a won deal and one a lost one, and a third deal came without a lead. Beta's lead
    /// at the won account influenced it; beta's conflicting registration counts nowhere.
    static let facts = Funnel.Facts(
        hits: [
            .init(key: key("alpha", "email"), kind: .open, agentClass: "desktop", count: 10),
            .init(key: key("alpha", "email"), kind: .open, agentClass: "mail-proxy", count: 4),
            .init(key: key("alpha", "email"), kind: .open, agentClass: "bot", count: 3),
            .init(key: key("alpha", "email"), kind: .click, agentClass: "desktop", count: 5),
            .init(key: key("alpha", "email"), kind: .click, agentClass: "bot", count: 1),
            .init(key: key("alpha", "landing"), kind: .view, agentClass: "mobile", count: 20),
            .init(key: key("alpha", "kit"), kind: .download, agentClass: "other", count: 2),
            .init(key: key("beta", "landing", locale: "de-DE"), kind: .view, agentClass: "desktop", count: 7),
        ],
        submissions: [
            .init(lead: 1, key: key("alpha", "landing"), domain: "acme.com", qualification: .qualified, submittedAt: day(1)),
            .init(lead: 1, key: key("alpha", "webinar"), domain: "acme.com", qualification: .qualified, submittedAt: day(5)),
            .init(lead: 2, key: key("alpha", "landing"), domain: "globex.com", qualification: .disqualified, submittedAt: day(2)),
            .init(lead: 3, key: key("beta", "landing", locale: "de-DE"), domain: "acme.com", qualification: nil, submittedAt: day(2)),
        ],
        deals: [
            deal(10, "alpha", "acme.com", .won, lead: 1, won: "48000.00"),
            deal(11, "alpha", "globex.com", .lost, lost: true),
            deal(12, "alpha", "initech.com", .pending),
            deal(13, "beta", "acme.com", .conflict),
        ],
        spend: [.init(partner: "alpha", campaign: "launch", approved: Money(major: "2400", currency: "EUR")!)])

    @Test("every stage is counted where it belongs, computed by hand")
    func report() {
        let rows = Funnel.report(Self.facts)
        #expect(rows.map(\.fields) == [
            ["alpha", "", "", "", "0", "0", "0", "0", "0", "0", "1", "0", "0", "", "", "", ""],
            ["alpha", "", "*", "*", "0", "0", "0", "0", "0", "0", "1", "0", "0", "", "", "", ""],
            ["alpha", "launch", "en-US", "email", "0", "14", "4", "5", "0", "0", "0", "0", "0", "", "", "", ""],
            ["alpha", "launch", "en-US", "kit", "2", "0", "0", "0", "0", "0", "0", "0", "0", "", "", "", ""],
            ["alpha", "launch", "en-US", "landing", "20", "0", "0", "0", "2", "1", "2", "1", "1", "48000.00 EUR", "", "", ""],
            ["alpha", "launch", "*", "*", "22", "14", "4", "5", "2", "1", "2", "1", "1", "48000.00 EUR", "", "2400.00 EUR", "20.00"],
            ["beta", "launch", "de-DE", "landing", "7", "0", "0", "0", "1", "0", "0", "0", "0", "", "48000.00 EUR", "", ""],
            ["beta", "launch", "*", "*", "7", "0", "0", "0", "1", "0", "0", "0", "0", "", "48000.00 EUR", "", ""],
        ])
        #expect(rows.filter(\.isTotal).count == 3)
        #expect(Funnel.report(Self.facts, partner: "beta").map(\.key.partner) == ["beta", "beta"])
        let total = Funnel.total(rows)
        #expect(total.leads == 3 && total.won == 1 && total.revenue == ["EUR": 4_800_000] && total.mdfSpent == ["EUR": 240_000])
    }

    @Test("the chart draws each stage with its figure and escapes the title")
    func chart() throws {
        let svg = Funnel.svg(Funnel.total(Funnel.report(Self.facts)), title: "Funnel of <every> partner")
        let document = try XMLDocument(data: Data(svg.utf8))
        #expect(document.rootElement()?.name == "svg")
        #expect(try document.nodes(forXPath: "//*[local-name()='rect']").count == 7)
        #expect(svg.contains("Funnel of &lt;every&gt; partner: won 48000.00 EUR"))
        #expect(svg.contains("<title>Opens: 14 (4 by mail proxies)</title>"))
        #expect(svg.contains("<title>Deals won: 1</title>"))
    }

    @Test("a range is read from days, both included, or refused naming the day", arguments: [
        ("2027-01-01", "2027-01-31", nil as String?), (nil, nil, nil), ("2027-02-30", nil, "from"), ("2027-02-01", "2027-01-31", "to"), (nil, "soon", "to"),
    ] as [(String?, String?, String?)])
    func range(from: String?, to: String?, refused: String?) {
        do {
            let range = try Funnel.Range(from: from, to: to)
            #expect(refused == nil)
            #expect(range.until == to.flatMap(Period.day).map { $0.addingTimeInterval(86_400) })
        } catch { #expect(error.field == refused) }
    }
}
