import CobrandCore
import CobrandTesting
import Foundation
import Testing

/// A small MIME reader written for these tests, independent of the code that writes messages.
struct ParsedMessage {
    var headers: [(String, String)] = []
    var parts: [(contentType: String, body: String)] = []

    init(_ data: Data) throws {
        let text = String(decoding: data, as: UTF8.self)
        let sections = text.components(separatedBy: "\r\n\r\n")
        var current: (String, String)?
        for line in sections[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                current?.1 += line
            } else {
                if let current { headers.append(current) }
                let colon = try #require(line.firstIndex(of: ":"))
                current = (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            }
        }
        if let current { headers.append(current) }
        let contentType = try #require(header("Content-Type"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        let body = sections.dropFirst().joined(separator: "\r\n\r\n")
        for chunk in body.components(separatedBy: "--\(boundary)").dropFirst() where !chunk.hasPrefix("--") {
            let pieces = chunk.components(separatedBy: "\r\n\r\n")
            let partHeaders = pieces[0]
            let type = try #require(partHeaders.components(separatedBy: "Content-Type: ").last?.components(separatedBy: "\r\n").first)
            #expect(partHeaders.contains("Content-Transfer-Encoding: base64"))
            let decoded = try #require(Data(base64Encoded: pieces[1].replacingOccurrences(of: "\r\n", with: "")))
            parts.append((type, String(decoding: decoded, as: UTF8.self)))
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// RFC 2047 `=?UTF-8?B?...?=` words decoded, joined.
    static func decodeWords(_ value: String) -> String {
        guard value.hasPrefix("=?") else { return value }
        return value.components(separatedBy: " ").map { word in
            let inner = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(inner)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        }.joined()
    }
}

@Suite("Email sequences")
struct EmailTests {
    let id = KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!)

    func render(_ changes: [String: String?] = [:], tracking: TrackingSigner? = nil, partner: String = "alpha", locale: String = "en-US") throws -> RenderedKit {
        try KitRenderer(project: try Fixture.loaded(changes), tracking: tracking)
            .render(KitID(campaign: "launch", partner: partner, locale: LocaleTag(locale)!))
    }

    func file(_ kit: RenderedKit, _ path: String) throws -> Data { try #require(kit.files.first { $0.path == path }).data }

    @Test("the .eml is multipart/alternative with both bodies, unsubscribe headers and the partner as sender")
    func eml() throws {
        let kit = try render(["Templates/launch/hello.txt.mustache": "{{email.subject}}\n{{partner.address}}\nBye: {{email.unsubscribe_url}}\n"])
        let message = try ParsedMessage(try file(kit, "emails/hello.eml"))
        #expect(message.header("From") == "\"Ada Alpha, Alpha Partners\" <ada@alpha.example>")
        #expect(message.header("Subject") == "News from Alpha Partners")
        #expect(message.header("MIME-Version") == "1.0")
        // A mail client merges no address, so the page asks for it and there is no one-click (RFC 8058 §3.1).
        #expect(message.header("List-Unsubscribe") == "<https://portal.example/unsubscribe/alpha/launch/?hl=en-US>, <mailto:ada@alpha.example?subject=unsubscribe>")
        #expect(message.header("List-Unsubscribe-Post") == nil)
        #expect(message.header("Message-ID") == "<launch-alpha-en-US.hello@alpha.example>")
        #expect(message.parts.map(\.contentType) == ["text/plain; charset=UTF-8", "text/html; charset=UTF-8"])
        // The ESP files carry the address merge tag; the ready-to-send message links the page without it.
        let esp = "https://portal.example/unsubscribe/alpha/launch/?hl=en-US&email=*|EMAIL|*", eml = "https://portal.example/unsubscribe/alpha/launch/?hl=en-US"
        #expect(String(decoding: try file(kit, "emails/hello.txt"), as: UTF8.self) == "News from Alpha Partners\n1 Alpha Road\nSpringfield\nBye: \(esp)\n")
        #expect(message.parts[0].body == "News from Alpha Partners\n1 Alpha Road\nSpringfield\nBye: \(eml)\n")
        let html = String(decoding: try file(kit, "emails/hello.html"), as: UTF8.self)
        #expect(html.contains("<a href=\"\(esp.htmlEscaped)\">unsubscribe</a>"))
        #expect(message.parts[1].body == html.replacingOccurrences(of: esp.htmlEscaped, with: eml.htmlEscaped))
    }

    @Test("a non-ASCII subject and sender are RFC 2047 encoded and decode back; the Date is the scheduled send in the partner's zone")
    func encodedHeaders() throws {
        let manifest = Fixture.files["Templates/launch/campaign.yaml"]!
            .replacingOccurrences(of: "kind: email-sequence", with: "kind: email-sequence\n    start_date: 2027-03-27\n    send_time: \"08:15\"")
            .replacingOccurrences(of: "day: 0", with: "day: 2")
        let kit = try render(["Templates/launch/campaign.yaml": manifest], partner: "beta", locale: "de-DE")
        let message = try ParsedMessage(try file(kit, "emails/hello.eml"))
        let subject = try #require(message.header("Subject"))
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(ParsedMessage.decodeWords(subject) == "Neuigkeiten für Sie von Beta GmbH")
        // 29 March 2027 is after the switch to summer time in Berlin.
        #expect(message.header("Date") == "Mon, 29 Mar 2027 08:15:00 +0200")
        let csv = try CSV.parse(String(decoding: try file(kit, "emails/sequence.csv"), as: UTF8.self), file: "sequence.csv")
        #expect(csv.map(\.fields) == [
            ["step", "send_day", "send_at", "subject", "preheader", "html", "text", "eml"],
            ["1", "2", "2027-03-29 08:15", "Neuigkeiten für Sie von Beta GmbH", "", "emails/hello.html", "emails/hello.txt", "emails/hello.eml"],
        ])
    }

    @Test("a hostile partner name cannot break or inject email headers", arguments: [
        ("<script>alert(1)</script> & \"Sons\"", #""Ada Alpha, <script>alert(1)</script> & \"Sons\"" <ada@alpha.example>"#),
        ("Müller\", Bcc: <victim@example.com>", "Ada Alpha, Müller\", Bcc: <victim@example.com> <ada@alpha.example>"),
    ])
    func headerInjection(name: String, from: String) throws {
        let csvName = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let roster = Fixture.rosterHeader + "\nalpha,\(csvName),en-US,,,,,Ada Alpha,ada@alpha.example,,1 Road,,\n"
        let message = try ParsedMessage(try file(try render(["Assets/partners.csv": roster]), "emails/hello.eml"))
        #expect(!message.headers.contains { $0.0.lowercased() == "bcc" })
        let header = try #require(message.header("From"))
        // Quoted when ASCII; RFC 2047 words otherwise, which decode back to the name.
        if header.hasPrefix("=?") {
            let address = try #require(header.range(of: " <ada@"))
            #expect(ParsedMessage.decodeWords(String(header[..<address.lowerBound])) + header[address.lowerBound...] == from)
        } else {
            #expect(header == from)
        }
    }

    @Test("an address with an apostrophe is found in the email as the template escapes it, so the kit builds")
    func apostropheAddress() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-US,,,,,Ada Alpha,ada@alpha.example,,1 O'Connell Street,,\n"
        let kit = try render(["Assets/partners.csv": roster])
        #expect(String(decoding: try file(kit, "emails/hello.html"), as: UTF8.self).contains("1 O&#39;Connell Street"))
        #expect(String(decoding: try file(kit, "emails/hello.txt"), as: UTF8.self).contains("1 O'Connell Street"))
    }

    @Test("a partner without a postal address is not built, and the roster row says why")
    func canSpam() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-US,,,,,,ada@alpha.example,,,,\n"
        let (project, diagnostics) = Project.load(Fixture.project(["Assets/partners.csv": roster]))
        #expect(project?.partners == [])
        #expect(diagnostics.errors == [.error("Assets/partners.csv", line: 2, field: "address",
            "is required because campaigns send email (CAN-SPAM needs the partner's postal address and a reply address); alpha is not built until it is filled")])
    }

    @Test("content rules stop a template that would break in inboxes", arguments: [
        ("<style>p{color:red}</style><p>x</p>", "has a <style> element; Gmail and Outlook strip them, so put the CSS in style attributes"),
        ("<img src=\"https://cdn.example/x.png\">", "has an image without alt text (https://cdn.example/x.png); add alt=\"...\" (alt=\"\" for decoration)"),
        ("<img src=\"x.png\" alt=\"\">", "has an image x.png that cannot be used in an email: it is not a file of the kit; put it under Assets/ and list it in the campaign's assets"),
        ("<img src=\"https://cdn.example/x.svg\" alt=\"\">", "has an SVG image https://cdn.example/x.svg, which Gmail's web client and Outlook for Windows do not show (caniemail: image-svg); use PNG or JPEG"),
        ("<a href=\"https://evil.example/?a=1\">x</a>", "links to https://evil.example/?a=1 without UTM parameters; use a {{links.NAME}} from the campaign manifest"),
        (String(repeating: "<p>padding text</p>", count: 6_000), "is 111 KB; Gmail clips HTML emails over 102 KB, so shorten the template or its images' markup"),
    ])
    func rules(template: String, problem: String) throws {
        let compliant = template + "{{#partner.address_lines}}{{line}}{{/partner.address_lines}}{{email.unsubscribe_url}}"
        let error = try #require(throws: RenderError.self) { try render(["Templates/launch/hello.html.mustache": compliant]) }
        #expect(error == .contentRule(kit: "launch/alpha/en-US", file: "emails/hello.html", problems: [problem]))
    }

    @Test("an email template without the postal address or the unsubscribe link fails the build", arguments: [
        ("<p>{{email.unsubscribe_url}}</p>", "does not show the partner's postal address (CAN-SPAM); add {{#partner.address_lines}}{{line}}{{/partner.address_lines}} to the template"),
        ("<p>{{partner.address}}</p>", "has no unsubscribe link; add {{email.unsubscribe_url}} to the template"),
    ])
    func compliance(template: String, problem: String) throws {
        let error = try #require(throws: RenderError.self) { try render(["Templates/launch/hello.html.mustache": template]) }
        #expect(error == .contentRule(kit: "launch/alpha/en-US", file: "emails/hello.html", problems: [problem]))
    }

    @Test("with a tracking base URL every link is a signed click redirect to its UTM-tagged target, and there is an open pixel")
    func tracking() throws {
        let signer = TrackingSigner(baseURL: "https://t.example/", secret: Data(repeating: 7, count: 32))
        let layout = Fixture.files["Templates/_shared/layouts/page.html.mustache"]!
            .replacingOccurrences(of: "</body>", with: "{{#email.open_pixel}}<img src=\"{{email.open_pixel}}\" alt=\"\">{{/email.open_pixel}}</body>")
        let kit = try render(["Templates/_shared/layouts/page.html.mustache": layout], tracking: signer)
        let html = String(decoding: try file(kit, "emails/hello.html"), as: UTF8.self)
        let preview = String(decoding: try file(kit, "index.html"), as: UTF8.self)
        #expect(html.contains("https://t.example/t/o/") && !preview.contains("/t/o/"), "looking at the kit's preview records no open")
        // The unsubscribe link is not marketing: never tracked, never UTM-tagged.
        let hrefs = HTMLScanForTests.hrefs(html).filter { $0.hasPrefix("http") && !$0.contains("/unsubscribe/") }
        #expect(HTMLScanForTests.hrefs(html).filter { $0.contains("/unsubscribe/") } == ["https://portal.example/unsubscribe/alpha/launch/?hl=en-US&email=*|EMAIL|*"])
        #expect(hrefs.count == 3)
        for href in hrefs { #expect(href.hasPrefix("https://t.example/t/c/")) }
        let claims = try #require(signer.verify(String(hrefs[1].dropFirst("https://t.example/t/c/".count))))
        #expect(claims == .init(kind: .click, partner: "alpha", campaign: "launch", asset: "hello", locale: "en-US",
            target: "https://vendor.example/more?ref=kit&utm_source=alpha&utm_medium=email&utm_campaign=launch&utm_content=hello#top"))
        let pixel = try #require(html.components(separatedBy: "<img src=\"https://t.example/t/o/").dropFirst().first?.components(separatedBy: ".gif").first)
        #expect(signer.verify(pixel)?.kind == .open)
        #expect(signer.verify(pixel)?.target == nil)
        let untracked = try render()
        #expect(untracked.inputsHash != kit.inputsHash)
    }
}

@Suite("Tracking tokens")
struct TrackingTokenTests {
    let signer = TrackingSigner(baseURL: "https://t.example", secret: Data("a-secret-that-is-long-enough-0123456789".utf8))
    let claims = TrackingSigner.Claims(kind: .click, partner: "acme", campaign: "launch", asset: "hello", locale: "de-DE",
                                       target: "https://vendor.example/x?utm_source=acme")

    @Test("a token verifies to its claims and is URL-safe")
    func roundTrip() {
        let token = signer.token(claims)
        #expect(signer.verify(token) == claims)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        #expect(signer.token(claims) == token)
    }

    @Test("base64url matches Foundation's base64 with the URL alphabet and no padding, and decodes back", arguments: Array(0...20))
    func base64(length: Int) {
        let data = Data((0..<length).map { UInt8(($0 * 97 + 13) % 256) })
        let expected = data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(Base64URL.encode(data) == expected)
        #expect(Base64URL.decode(expected) == data)
        #expect(Base64URL.decode(expected + "=") == nil)
    }

    @Test("altered, truncated, foreign-key and garbage tokens are rejected")
    func tampering() {
        let token = signer.token(claims)
        let other = TrackingSigner(baseURL: "https://t.example", secret: Data("another-secret-that-is-long-enough-987".utf8))
        let evil = TrackingSigner.Claims(kind: .click, partner: "acme", campaign: "launch", asset: "hello", locale: "de-DE", target: "https://evil.example")
        let forgedPayload = String(other.token(evil).split(separator: ".")[0] + "." + token.split(separator: ".")[1])
        #expect(signer.verify(forgedPayload) == nil)
        #expect(signer.verify(other.token(claims)) == nil)
        #expect(signer.verify(String(token.dropLast())) == nil)
        #expect(signer.verify("") == nil)
        #expect(signer.verify("not.a/token") == nil)
    }
}

enum HTMLScanForTests {
    /// href values by plain string search, independent of HTMLScan.
    static func hrefs(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
    }
}
