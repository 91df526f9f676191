@testable import CobrandCore
import Foundation
import Mustache
import Testing

@Suite("HTML text on bytes")
struct HTMLTextTests {
    @Test("escaping gives the bytes Mustache's {{ }} gives, so a template may put the result in {{{ }}}", arguments: [
        "", "plain text", "<a href=\"https://v.example/?a=1&b=2\">Tom & Jerry's</a>", "ü & 日本 <b>é</b> 🇦🇪", "\r\n<td>\t'x'</td>\r\n",
        "&amp; already escaped", "<!--[if mso]><table><![endif]-->", "&\u{301} and <\u{338} are single characters", "O'Connell <\u{338}&",
        "\u{600}<b> and \u{600}& join a prepended mark", "é<b>ü&ü\"é'", "👩\u{200D}<", "\u{1F1E6}<\u{1F1EA}",
    ])
    func escaped(text: String) throws {
        let template = try MustacheTemplate(string: "{{x}}")
        #expect(HTMLText.escaped(text) == template.render(["x": text]))
    }

    @Test("htmlEscaped escapes &, <, > and double quotes, leaves apostrophes, and treats a combined character as one", arguments: [
        ("", ""), ("plain", "plain"),
        ("<a href=\"x?a=1&b=2\">Tom & Jerry's</a>", "&lt;a href=&quot;x?a=1&amp;b=2&quot;&gt;Tom &amp; Jerry's&lt;/a&gt;"),
        ("ü & 日本 <b>é</b> 🇦🇪", "ü &amp; 日本 &lt;b&gt;é&lt;/b&gt; 🇦🇪"), ("&amp;", "&amp;amp;"), ("'only'", "'only'"),
        ("&\u{301}<b>", "&\u{301}&lt;b&gt;"),
    ])
    func htmlEscaped(text: String, expected: String) {
        #expect(text.htmlEscaped == expected)
    }

    @Test("replacing finds every occurrence, leaves text without one as it is, and cuts runs up to their closing quote", arguments: [
        ("a https://cdn/a/1.png b https://cdn/a/1.png", "https://cdn/a/1.png", nil, "assets/1.png", "a assets/1.png b assets/1.png"),
        ("nothing here", "https://cdn/a/", nil, "x", "nothing here"),
        ("<img src=\"https://t/t/o/abc.gif\" alt=\"\"><img src=\"https://t/t/o/def.gif\">", "https://t/t/o/", UInt8(ascii: "\""), "data:,",
         "<img src=\"data:,\" alt=\"\"><img src=\"data:,\">"),
        ("ends https://t/t/o/abc", "https://t/t/o/", UInt8(ascii: "\""), "X", "ends X"),
        ("日本 https://cdn/a/1.png ü", "https://cdn/a/1.png", nil, "assets/1.png", "日本 assets/1.png ü"),
    ] as [(String, String, UInt8?, String, String)])
    func replacing(text: String, prefix: String, end: UInt8?, replacement: String, expected: String) {
        #expect(HTMLText.replacingRuns(from: prefix, through: end, with: replacement, in: text) == expected)
        if end == nil { #expect(HTMLText.replacing(prefix, with: replacement, in: text) == expected) }
    }

    @Test("contains finds bytes in text and in data, wherever they are, and not a cut-short copy", arguments: [
        ("<text x=\"1\">", true), ("<svg><text>", true), ("<svg>…<text", true), ("<svg><tex", false), ("", false), ("<TEXT>", false),
    ])
    func contains(text: String, expected: Bool) {
        #expect(HTMLText.contains("<text", in: text) == expected)
        #expect(HTMLText.contains("<text", in: Data(text.utf8)) == expected)
    }
}
