import CobrandCore
import Foundation
import Testing

@Suite("Deal rules")
struct DealRulesTests {
    let rules = DealRules(autoApproveBelow: ["USD": 2_500_000], expiryDays: 90)

    func request(_ value: String = "18000", currency: String = "USD") -> DealRequest {
        DealRequest(partner: "alpha", domain: "acme.com", accountName: "Acme", value: Money(major: value, currency: currency)!,
                    products: ["Stream"], expectedClose: "2027-03-31")
    }

    @Test("each rule decides its case, in order", arguments: [
        (DealRules.Account(ownActive: 7, heldByOther: true, trackedLead: true), "18000", "USD", DealRules.Decision.existing(id: 7)),
        (.init(heldByOther: true, trackedLead: true), "18000", "USD", .conflict(.heldByAnotherPartner)),
        (.init(trackedLead: true), "18000", "USD", .approved(.autoApproved)),
        (.init(trackedLead: false), "18000", "USD", .pending(.reviewNoTrackedLead)),
        (.init(trackedLead: true), "25000", "USD", .pending(.reviewValue)),
        (.init(trackedLead: true), "24999.99", "USD", .approved(.autoApproved)),
        (.init(trackedLead: true), "100", "EUR", .pending(.reviewCurrency)),
    ] as [(DealRules.Account, String, String, DealRules.Decision)])
    func decide(account: DealRules.Account, value: String, currency: String, expected: DealRules.Decision) {
        #expect(rules.decide(request(value, currency: currency), account: account) == expected)
    }

    @Test("money parses exactly in minor units, with the currency's decimals", arguments: [
        ("12500", "USD", 1_250_000 as Int64?), ("12500.5", "usd", 1_250_050), ("0.01", "EUR", 1), ("1500", "JPY", 1_500),
        ("1.234", "KWD", 1_234), ("12.345", "USD", nil), ("1.5", "JPY", nil), ("-5", "USD", nil), ("1e3", "USD", nil), ("", "USD", nil),
        ("12,50", "EUR", nil), ("10", "US", nil), (".5", "USD", nil),
    ] as [(String, String, Int64?)])
    func money(text: String, currency: String, minor: Int64?) {
        let money = Money(major: text, currency: currency)
        #expect(money?.amountMinor == minor)
        if let money { #expect(Money(major: money.majorText, currency: money.currency) == money) }
    }

    @Test("a registration's fields are checked and the domain reduced to its registrable form")
    func validated() throws {
        let request = try DealRequest.validated(partner: "alpha", domain: "https://EMEA.acme.co.uk/", accountName: " Acme ", value: "18000.50",
                                                currency: "gbp", products: ["Stream"], expectedClose: "2027-03-31", leadID: nil)
        #expect(request.domain == "acme.co.uk" && request.accountName == "Acme" && request.value == Money(amountMinor: 1_800_050, currency: "GBP"))
        func field(domain: String? = "a.com", name: String? = "A", value: String? = "1", currency: String? = "USD",
                   products: [String] = ["P"], close: String? = "2027-01-01") -> String? {
            do {
                _ = try DealRequest.validated(partner: "a", domain: domain, accountName: name, value: value, currency: currency,
                                              products: products, expectedClose: close, leadID: nil)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field() == nil)
        #expect(field(domain: nil) == "account_domain")
        #expect(field(domain: "nodomain") == "account_domain")
        #expect(field(name: "") == "account_name")
        #expect(field(value: "1.999") == "value")
        #expect(field(value: nil) == "value")
        #expect(field(currency: "dollars") == "currency")
        #expect(field(products: []) == "products")
        #expect(field(close: "soon") == "expected_close")
    }
}

@Suite("Deal lifecycle")
struct DealLifecycleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("approve a pending deal; reject a pending or still-running approved one; extend only a running approved one", arguments: [
        (DealStatus.pending, nil, [DealLifecycle.Action.approve, .reject]),
        (.approved, 86_400.0, [.reject, .extend]),
        (.approved, -1.0, []),
        (.rejected, nil, []), (.expired, nil, []), (.conflict, nil, []), (.won, 86_400.0, []), (.lost, nil, []),
    ] as [(DealStatus, Double?, [DealLifecycle.Action])])
    func allowed(status: DealStatus, expiresIn: Double?, actions: [DealLifecycle.Action]) {
        let expiry = expiresIn.map { Self.now.addingTimeInterval($0) }
        #expect(DealLifecycle.Action.allCases.filter { DealLifecycle.allows($0, status: status, expiresAt: expiry, now: Self.now) } == actions)
    }
}

@Suite("Deal status definitions")
struct DealStatusTests {
    @Test("active, pipeline and reconciliation evidence, each defined once", arguments: [
        (DealStatus.pending, true, true, true), (.approved, true, true, true), (.expired, false, false, true),
        (.rejected, false, false, false), (.conflict, false, false, false), (.won, false, false, true), (.lost, false, false, true),
    ])
    func sets(status: DealStatus, active: Bool, pipeline: Bool, evidence: Bool) {
        #expect(DealStatus.active.contains(status) == active)
        #expect(DealStatus.pipeline.contains(status) == pipeline)
        #expect(DealStatus.evidence.contains(status) == evidence)
    }

    @Test("an SQL list is made from the values, quoted")
    func sqlList() { #expect(DealStatus.sqlList(DealStatus.active) == "('pending', 'approved')") }
}
