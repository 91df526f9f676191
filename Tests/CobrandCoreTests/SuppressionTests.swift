import CobrandCore
import Foundation
import Testing

@Suite("Unsubscribe, suppression and the portal's figures")
struct SuppressionTests {
    let signer = UnsubscribeSigner(secret: Data(repeating: 9, count: 32))

    @Test("an unsubscribe token verifies for its partner and campaign only")
    func tokens() {
        let token = signer.token(partner: "alpha", campaign: "launch")
        #expect(token.count == 22 && signer.verify(token, partner: "alpha", campaign: "launch"))
        #expect(!signer.verify(token, partner: "beta", campaign: "launch"))
        #expect(!signer.verify(token, partner: "alpha", campaign: "other"))
        #expect(!UnsubscribeSigner(secret: Data(repeating: 8, count: 32)).verify(token, partner: "alpha", campaign: "launch"))
        #expect(!signer.verify("", partner: "alpha", campaign: "launch"))
    }

    @Test("the address is normalised so one person is one entry; what is no address is refused", arguments: [
        ("Jane@Example.COM ", "jane@example.com"), ("jane+news@example.com", "jane+news@example.com"),
        ("jane news@example.com", "jane+news@example.com"), ("not-an-address", nil), ("", nil), ("*|EMAIL|*", nil),
    ] as [(String, String?)])
    func addresses(text: String, expected: String?) {
        let made = try? Suppression.make(partner: "alpha", campaign: "launch", address: text, source: .oneClick)
        #expect(made?.address.normalized == expected)
    }

    @Test("the ESP link carries the merge tag, the .eml link none; a vendor's own address replaces its placeholders")
    func links() {
        var config = ProjectConfig()
        config.portalURL = "https://p.example/"
        let link = UnsubscribeLink(partner: "alpha", campaign: "launch", locale: LocaleTag("de-DE"), signer: signer)
        let token = signer.token(partner: "alpha", campaign: "launch")
        #expect(config.unsubscribeURL(link, recipient: true) == "https://p.example/unsubscribe/alpha/launch/\(token)?hl=de-DE&email=*|EMAIL|*")
        #expect(config.unsubscribeURL(link, recipient: false) == "https://p.example/unsubscribe/alpha/launch/\(token)?hl=de-DE")
        config.email.addressMergeTag = "{{contact.email}}"
        config.email.unsubscribeURL = "https://v.example/u?p={partner}&c={campaign}&e={email}"
        #expect(config.unsubscribeURL(link, recipient: true) == "https://v.example/u?p=alpha&c=launch&e={{contact.email}}")
        #expect(UnsubscribeLink.identifiesRecipient(config.unsubscribeURL(link, recipient: true)) == false, "a custom address names its own field")
        config.email.unsubscribeURL = "https://v.example/u?c={campaign}&email={email}"
        #expect(UnsubscribeLink.identifiesRecipient(config.unsubscribeURL(link, recipient: true)))
        #expect(!UnsubscribeLink.identifiesRecipient(config.unsubscribeURL(link, recipient: false)), "an empty address identifies nobody")
    }

    @Test("List-Unsubscribe-Post only with an https address that identifies the recipient (RFC 8058 §3.1)", arguments: [
        (["https://p.example/unsubscribe/a/c/t?hl=en-US&email=x@y.example", "mailto:a@b.example"], true),
        (["https://p.example/unsubscribe/a/c/t?hl=en-US", "mailto:a@b.example"], false),
        (["http://p.example/unsubscribe/a/c/t?email=x@y.example"], false),
    ])
    func oneClickHeader(addresses: [String], post: Bool) {
        let message = EmailMessage(from: .init(name: "A", email: "a@b.example"), subject: "s", date: Date(timeIntervalSince1970: 0), timeZone: Timestamp.utc,
                                   messageID: "m@b.example", listUnsubscribe: addresses, text: "t", html: "<p>h</p>")
        #expect(String(decoding: message.encoded(), as: UTF8.self).contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click") == post)
    }

    @Test("performance rows per campaign and locale; pipeline counts pending and approved deals per currency; hand-registered deals last")
    func performance() {
        let usd = { Money(amountMinor: $0, currency: "USD") }
        let rows = Performance.rows(
            activity: [.init(campaign: "b", locale: "en-US", opens: 4, clicks: 2), .init(campaign: "a", locale: "de-DE", downloads: 1, views: 3)],
            leads: [("a", "de-DE"), ("a", "de-DE")],
            deals: [.init(campaign: "a", locale: "de-DE", status: .pending, value: usd(100)), .init(campaign: "a", locale: "de-DE", status: .approved, value: usd(50)),
                    .init(campaign: "a", locale: "de-DE", status: .rejected, value: usd(1_000)), .init(campaign: "a", locale: "de-DE", status: .approved,
                                                                                                         value: Money(amountMinor: 7, currency: "EUR")),
                    .init(campaign: nil, locale: nil, status: .pending, value: usd(9))])
        #expect(rows.map(\.fields) == [
            ["a", "de-DE", "1", "0", "0", "3", "2", "4", "EUR 0.07; USD 1.50"],
            ["b", "en-US", "0", "4", "2", "0", "0", "0", ""],
            ["", "", "0", "0", "0", "0", "0", "1", "USD 0.09"],
        ])
        #expect(Performance.total(rows).fields == ["", "", "1", "4", "2", "3", "2", "5", "EUR 0.07; USD 1.59"])
    }

    @Test("an approved deal is expiring soon within 14 days of its end, not after it has ended", arguments: [
        (DealStatus.approved, 13.9, true), (.approved, 14, true), (.approved, 15, false), (.approved, -1, false), (.pending, 3, false),
    ] as [(DealStatus, Double, Bool)])
    func expiring(status: DealStatus, days: Double, soon: Bool) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(PortalHome.isExpiringSoon(status: status, expiresAt: now.addingTimeInterval(days * 86_400), now: now) == soon)
    }

    @Test("the chart escapes its labels and scales bars to the largest value")
    func chart() {
        let svg = BarChart(title: "T<", series: [.init(label: "clicks", color: "#000000")], groups: [("<b>", [10]), ("c", [5])]).svg
        #expect(svg.contains("&lt;b&gt;") && !svg.contains("<b>") && svg.contains("<title id=\"chart-title\">T&lt;</title>"))
        #expect(svg.contains(#"width="480" height="9""#) && svg.contains(#"width="240" height="9""#))
    }
}
