import CobrandCore
import Testing

@Suite("Locale tags, catalogs and links")
struct LocaleAndLinkTests {
    @Test("tags are normalised; bad ones rejected")
    func tags() {
        #expect(LocaleTag("de_de")?.identifier == "de-DE")
        #expect(LocaleTag("zh-hant-tw")?.identifier == "zh-Hant-TW")
        #expect(LocaleTag("es-419")?.identifier == "es-419")
        #expect(LocaleTag("english") == nil)
        #expect(LocaleTag("de-DE-x") == nil)
        #expect(LocaleTag("ar-AE")?.isRightToLeft == true)
    }

    @Test("fallback goes region, language, default")
    func fallback() {
        let chain = LocaleTag("de-AT")!.fallbackChain(defaultLocale: LocaleTag("en-US")!)
        #expect(chain.map(\.identifier) == ["de-AT", "de", "en-US"])
    }

    @Test("placeholders are filled; unknown ones stay visible")
    func format() {
        #expect(Catalog.format("Hi {partner.name}, {unknown} {", ["partner.name": "<Acme>"]) == "Hi <Acme>, {unknown} {")
        #expect(Catalog.placeholders(in: "{a.b} and {c} but not { d }") == ["a.b", "c"])
    }

    @Test("UTM parameters merge into a query, keep the fragment and replace old UTM values", arguments: [
        ("https://v.example/p", "https://v.example/p?utm_source=acme&utm_medium=email&utm_campaign=launch&utm_content=hello"),
        ("https://v.example/p?ref=kit#top", "https://v.example/p?ref=kit&utm_source=acme&utm_medium=email&utm_campaign=launch&utm_content=hello#top"),
        ("https://v.example?utm_source=old&x=1", "https://v.example/?x=1&utm_source=acme&utm_medium=email&utm_campaign=launch&utm_content=hello"),
        ("mailto:sales@v.example", "mailto:sales@v.example"),
    ])
    func utm(url: String, expected: String) {
        #expect(TrackedLink.tagged(url, source: "acme", medium: "email", campaign: "launch", content: "hello") == expected)
    }

    @Test("a web address is http(s) with a host, and has no space or control character", arguments: [
        ("https://v.example/p?q=1#top", true), ("http://v.example", true), ("HTTPS://V.EXAMPLE/", true), ("https://v.example/ü", true),
        ("https://v.example/\r\nSet-Cookie: a=1", false), ("https://v.example/\nx", false), ("https://v.example/a b", false),
        ("https://v.example/\u{7F}", false), ("https://v.example/\u{0}", false), (" https://v.example/", false),
        ("javascript:alert(1)", false), ("//v.example/", false), ("mailto:a@v.example", false), ("https:///p", false),
    ])
    func webAddress(url: String, valid: Bool) {
        #expect(WebAddress.isValid(url) == valid)
    }
}
