import CobrandCore
import CobrandTesting
import Foundation
import Testing

/// CLDR's published examples (plurals.xml, "@integer" samples), checked against ICU's rules.
@Suite("CLDR plural rules from ICU")
struct PluralRulesTests {
    @Test("each demo locale selects CLDR's category for its sample numbers", arguments: [
        ("en-US", [(0.0, PluralCategory.other), (1, .one), (2, .other), (21, .other), (1.5, .other)]),
        ("de-DE", [(0, .other), (1, .one), (2, .other), (1.0001, .other)]),
        ("fr-FR", [(0, .one), (1, .one), (1.5, .one), (2, .other), (1_000_000, .many)]),
        ("es-MX", [(0, .other), (1, .one), (2, .other), (1_000_000, .many)]),
        ("ja-JP", [(0, .other), (1, .other), (2, .other), (100, .other)]),
        ("ar-AE", [(0, .zero), (1, .one), (2, .two), (3, .few), (10, .few), (11, .many), (99, .many), (100, .other), (102, .other), (103, .few)]),
    ])
    func samples(locale: String, cases: [(Double, PluralCategory)]) throws {
        let rules = try #require(PluralRules(locale: locale))
        for (number, category) in cases {
            #expect(rules.category(for: number) == category, "\(locale) \(number)")
        }
    }

    @Test("each locale reports the categories it uses", arguments: [
        ("en-US", [PluralCategory.one, .other]),
        ("fr-FR", [.one, .many, .other]),
        ("ja-JP", [.other]),
        ("ar-AE", [.zero, .one, .two, .few, .many, .other]),
    ])
    func categories(locale: String, expected: [PluralCategory]) throws {
        #expect(try #require(PluralRules(locale: locale)).categories == expected)
    }
}

@Suite("Plural messages in catalogs")
struct PluralMessageTests {
    static let arabic = """
        webinar:
          duration:
            zero: "{count} دقيقة"
            one: "دقيقة واحدة"
            two: "دقيقتان"
            few: "{count} دقائق"
            many: "{count} دقيقة"
            other: "{count} دقيقة"

        """

    func duration(_ minutes: Int, locale: String) throws -> String {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-US;ar-AE;de-DE,,,,,,a@alpha.example,,1 Road,AE,Asia/Dubai\n"
        let manifest = try #require(Fixture.webinar["Templates/meetup/campaign.yaml"] ?? nil)
            .replacingOccurrences(of: "duration_minutes: 45", with: "duration_minutes: \(minutes)")
        let changes: [String: String?] = [
            "Assets/partners.csv": roster, "Templates/meetup/campaign.yaml": manifest,
            "Templates/meetup/register.html.mustache": "<p>{{webinar.duration}}</p>\n",
            "Locales/ar-AE/meetup.yaml": Self.arabic,
            "Locales/en-US/plural.yaml": "webinar:\n  duration:\n    one: \"{count} minute\"\n    other: \"{count} minutes\"\n",
        ]
        let project = try Fixture.loaded(Fixture.webinar.merging(changes) { $1 })
        let kit = try KitRenderer(project: project).render(KitID(campaign: "meetup", partner: "alpha", locale: LocaleTag(locale)!))
        return String(decoding: try #require(kit.files.first { $0.path == "live/index.html" }).data, as: UTF8.self)
    }

    @Test("the form is chosen by the kit locale's CLDR rules", arguments: [
        (10, "ar-AE", "<p>10 دقائق</p>\n"), (11, "ar-AE", "<p>11 دقيقة</p>\n"), (100, "ar-AE", "<p>100 دقيقة</p>\n"),
        (1_000, "en-US", "<p>1,000 minutes</p>\n"), (1_000, "de-DE", "<p>1.000 minutes</p>\n"),
    ])
    func forms(minutes: Int, locale: String, expected: String) throws {
        #expect(try duration(minutes, locale: locale) == expected)
    }

    @Test("without a count, {{t.KEY}} of a plural message shows the other form")
    func otherForm() throws {
        let project = try Fixture.loaded(["Locales/en-US/plural.yaml": "launch:\n  things:\n    one: \"one thing\"\n    other: \"{count} things for {partner.name}\"\n",
                                          "Templates/launch/landing.html.mustache": "<p>{{t.launch.things}}</p>\n"])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!))
        #expect(String(decoding: try #require(kit.files.first { $0.path == "landing/index.html" }).data, as: UTF8.self) == "<p>{count} things for Alpha Partners</p>\n")
    }

    @Test("validate warns when a locale lacks plural forms its rules need")
    func missingForms() throws {
        let project = try Fixture.loaded(["Locales/de-DE/plural.yaml": "apples:\n  other: \"{count} Äpfel\"\n"])
        #expect(Validator.check(project).filter { $0.field == "apples" } == [
            .warning("Locales/de-DE/plural.yaml", field: "apples", "de-DE needs the plural forms one (CLDR); those counts use 'other'"),
        ])
    }
}

@Suite("Pseudo-locale en-XA")
struct PseudoLocaleTests {
    @Test("messages are accented, bracketed and about 40% longer; placeholders survive")
    func transform() {
        #expect(PseudoLocale.transform("Launch") == "[Ļáüñçĥ ···]")
        #expect(PseudoLocale.transform("{partner.name} is a {vendor.name} partner.") == "[{partner.name} íš á {vendor.name} þáŕţñéŕ. ······]")
    }

    @Test("a kit in en-XA is pseudo-localized throughout, with no plain English left from the catalog")
    func kit() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha Partners,en-XA,,,,,,a@alpha.example,,1 Road,,\n"
        let project = try Fixture.loaded(["Assets/partners.csv": roster])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-XA")!))
        let html = String(decoding: try #require(kit.files.first { $0.path == "landing/index.html" }).data, as: UTF8.self)
        #expect(html.contains("<h1>[Ļáüñçĥ ···]</h1>"))
        #expect(html.contains("<p>[Alpha Partners íš á Vendorco þáŕţñéŕ. ······]</p>"))
        #expect(html.contains("<html lang=\"en-XA\" dir=\"ltr\">"))
        for english in ["Launch", "is a Vendorco partner", "Default intro."] { #expect(!html.contains(english)) }
    }
}

@Suite("cobrand locales check")
struct LocaleCheckTests {
    @Test("missing, untranslated, unused and placeholder-mismatched keys per locale; mismatches are errors")
    func report() throws {
        let german = """
            legal:
              notice: "{partner.name} ist Partner."
            launch:
              title: "Start"
              subject: "Neuigkeiten von {partner.name}"
              body: "Hallo von {partner.contact_name}."
              intro: "Default intro."
              cta: "Mehr lesen"
              old: "Nicht mehr verwendet"

            """
        let project = try Fixture.loaded(["Locales/de-DE/messages.yaml": german])
        let check = LocaleCheck(project: project)
        #expect(check.rows.map(\.locale.identifier) == ["de-DE", "en-US"])
        let de = try #require(check.rows.first)
        #expect(de.missing == ["preview.title"])
        #expect(de.untranslated == ["launch.intro"])
        #expect(de.unused == ["launch.old"])
        #expect(de.mismatched == ["legal.notice"])
        #expect(check.diagnostics.errors == [
            .error("Locales/de-DE/messages.yaml", field: "legal.notice", "placeholders differ from en-US: lacks {vendor.name}; use the same placeholders"),
        ])
        #expect(check.table.split(separator: "\n").first == "locale           keys      missing untranslated       unused placeholders")
    }
}

@Suite("Right-to-left kits")
struct RightToLeftTests {
    @Test("an ar-AE kit has lang and dir=rtl on every HTML root, and partner names isolated with bdi")
    func arabic() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha Partners,ar-AE,,,,,,a@alpha.example,,1 Road,AE,Asia/Dubai\n"
        let layout = try #require(Fixture.files["Templates/_shared/layouts/page.html.mustache"]).replacingOccurrences(of: "<a style=\"color:{{brand.accent}}\" href=\"{{partner.website_url}}\">{{partner.name}}</a>", with: "<bdi>{{partner.name}}</bdi>")
        let project = try Fixture.loaded(["Assets/partners.csv": roster, "Locales/ar-AE/messages.yaml": "legal:\n  notice: \"{partner.name} شريك لدى {vendor.name}.\"\n",
                                          "Templates/_shared/layouts/page.html.mustache": layout])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("ar-AE")!))
        for file in kit.files where file.mediaType == "text/html" {
            let html = String(decoding: file.data, as: UTF8.self)
            #expect(html.contains("<html lang=\"ar-AE\" dir=\"rtl\">") || file.path == "index.html" && html.contains("<html lang=\"ar-AE\""), "\(file.path)")
        }
        let landing = String(decoding: try #require(kit.files.first { $0.path == "landing/index.html" }).data, as: UTF8.self)
        #expect(landing.contains("<p>Alpha Partners شريك لدى Vendorco.</p><p>1 Road"))
        #expect(landing.contains("<bdi>Alpha Partners</bdi>"))
    }

    @Test("dates in the pseudo-locale are accented too")
    func pseudoDates() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-XA,,,,,,a@alpha.example,,1 Road,,Europe/Berlin\n"
        let project = try Fixture.loaded(Fixture.webinar.merging(["Assets/partners.csv": roster]) { $1 })
        let kit = try KitRenderer(project: project).render(KitID(campaign: "meetup", partner: "alpha", locale: PseudoLocale.tag))
        let html = String(decoding: try #require(kit.files.first { $0.path == "live/index.html" }).data, as: UTF8.self)
        #expect(html.contains("<p class=\"when\">Ţĥüŕšðáý, Åþŕíļ 15, 2027 10:00\u{2009}–\u{2009}10:45 Europe/Berlin</p>"))
    }
}

@Suite("Money in messages")
struct MoneyTests {
    @Test("minor units are formatted by locale and currency exponent", arguments: [
        (Money(amountMinor: 49_000, currency: "USD"), "en-US", "$490.00"),
        (Money(amountMinor: 49_000, currency: "USD"), "de-DE", "490,00\u{00A0}$"),
        (Money(amountMinor: 4_900, currency: "JPY"), "en-US", "¥4,900"),
        (Money(amountMinor: 1_234_567, currency: "KWD"), "en-US", "KWD\u{00A0}1,234.567"),
    ])
    func format(money: Money, locale: String, expected: String) {
        #expect(money.formatted(Locale(identifier: locale)) == expected)
    }

    @Test("{price.NAME} in a message shows the campaign's price in the kit's locale")
    func placeholder() throws {
        let manifest = try #require(Fixture.files["Templates/launch/campaign.yaml"]).replacingOccurrences(of: "links:", with: "prices:\n  pro: {amount_minor: 1999, currency: EUR}\nlinks:")
        let project = try Fixture.loaded(["Templates/launch/campaign.yaml": manifest,
                                          "Locales/de-DE/price.yaml": "launch:\n  price: \"Ab {price.pro} im Monat\"\n",
                                          "Locales/en-US/price.yaml": "launch:\n  price: \"From {price.pro} a month\"\n",
                                          "Templates/launch/landing.html.mustache": "<p>{{t.launch.price}}</p>\n"])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "beta", locale: LocaleTag("de-DE")!))
        #expect(String(decoding: try #require(kit.files.first { $0.path == "landing/index.html" }).data, as: UTF8.self) == "<p>Ab 19,99\u{00A0}€ im Monat</p>\n")
        #expect(Validator.check(project).errors == [])
    }
}
