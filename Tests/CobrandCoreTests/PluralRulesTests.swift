import CobrandCore
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
