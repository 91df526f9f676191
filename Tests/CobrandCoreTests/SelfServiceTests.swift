@testable import CobrandCore
import CobrandTesting
import Foundation
import Testing

@Suite("Partner self-service: overrides, form checks, logo uploads")
struct SelfServiceTests {
    static let config = Fixture.files["cobrand.yaml"]! + "self_service:\n  fields:\n    phone: {}\n    contact_email: {}\n    primary_color: {approval: required}\n    logo: {approval: required}\n\n"

    static func project() throws -> Project { try Fixture.loaded(["cobrand.yaml": config]) }

    @Test("cobrand.yaml declares editable roster fields as a list or a map with approval; others are refused with the choice")
    func config() throws {
        let project = try Self.project()
        #expect(project.config.selfService.editable == ["contact_email", "phone", "primary_color", "logo"])
        #expect(project.config.selfService.fields["primary_color"] == .required && project.config.selfService.fields["phone"] == SelfServiceConfig.Approval.none)
        let list = try Fixture.loaded(["cobrand.yaml": "self_service:\n  fields: [website, timezone]\n"])
        #expect(list.config.selfService.editable == ["website", "timezone"])
        let (bad, diagnostics) = Project.load(Fixture.project(["cobrand.yaml": "self_service:\n  fields: [name]\n"]))
        #expect(bad == nil)
        #expect(diagnostics.first?.message.contains("'name' cannot be partner-editable; choose from contact_name") == true)
    }

    @Test("a website or a url slot waits for approval unless the vendor says approval: none", arguments: [
        ("fields: [phone, website]", ["phone": SelfServiceConfig.Approval.none, "website": .required]),
        ("fields: {website: {}, logo: {}}", ["website": .required, "logo": .none]),
        ("fields: {website: {approval: none}}", ["website": .none]),
    ])
    func approvalDefaults(fields: String, expected: [String: SelfServiceConfig.Approval]) throws {
        #expect(try Fixture.loaded(["cobrand.yaml": "self_service:\n  \(fields)\n"]).config.selfService.fields == expected)
    }

    @Test("a campaign field of type url waits for approval by default; a text field does not")
    func urlFieldApproval() throws {
        let decode = { (json: String) in try JSONDecoder().decode(SlotField.self, from: Data(json.utf8)).approval }
        #expect(try decode(#"{"type": "url"}"#) == .required)
        #expect(try decode(#"{"type": "url", "approval": "none"}"#) == SelfServiceConfig.Approval.none)
        #expect(try decode(#"{"max_length": 80}"#) == SelfServiceConfig.Approval.none)
    }

    /// Foundation's XML parsers trap on these on Linux (found by scripts/fuzz); they are refused first.
    @Test("SVG logos and XLIFF files that are empty, not UTF-8 or hold a NUL byte are refused with the fix", arguments: [
        (Data(), "the file is empty"),
        (Data([0x3C, 0x73, 0x76, 0x67, 0x3E, 0x3C, 0xFF, 0xFF, 0x2F, 0x3E]), "the file is not UTF-8 text; save it as UTF-8"),
        (Data([0, 0x3C, 0x73, 0x76, 0x67, 0]), "the file has a NUL byte, which XML does not allow"),
    ])
    func unsafeXML(data: Data, message: String) throws {
        #expect(throws: LogoUpload.Refusal(message: "\(message); export the SVG again")) { try SVGCleaner.clean(data) }
        #expect(throws: XLIFF.ImportError.malformed(file: "de-DE.xlf", reason: message)) { try XLIFF.read(data, file: "de-DE.xlf", project: try Self.project()) }
    }

    @Test("applied overrides change the partner's row and slots, and the kit's inputs hash; the other partner is untouched")
    func applying() throws {
        let project = try Self.project()
        let overrides = ["alpha": PartnerOverrides(profile: ["phone": "+1 555 0199"], slots: ["launch": ["en-US": ["intro": "Our own intro"], "": ["offer": "trial"]]])]
        let (changed, diagnostics) = project.applying(overrides, logos: [:])
        #expect(diagnostics.isEmpty)
        #expect(changed.partners.first { $0.id == "alpha" }?.phone == "+1 555 0199")
        #expect(changed.slots["alpha"]?["launch"]?.value("intro", locale: LocaleTag("en-US")!) == "Our own intro")
        #expect(changed.slots["alpha"]?["launch"]?.value("intro", locale: LocaleTag("de-DE")!) == nil)
        #expect(changed.slots["alpha"]?["launch"]?.value("offer", locale: LocaleTag("de-DE")!) == "trial")
        let before = KitRenderer(project: project), after = KitRenderer(project: changed)
        let alpha = KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!)
        let beta = KitID(campaign: "launch", partner: "beta", locale: LocaleTag("de-DE")!)
        #expect(before.inputsHash(for: alpha) != after.inputsHash(for: alpha))
        #expect(before.inputsHash(for: beta) == after.inputsHash(for: beta))
        // The same overrides applied again give the same hash: a full build reproduces a publish.
        #expect(KitRenderer(project: project.applying(overrides, logos: [:]).project).inputsHash(for: alpha) == after.inputsHash(for: alpha))
        let page = try #require(try after.render(alpha).files.first { $0.path == "landing/index.html" })
        #expect(String(decoding: page.data, as: UTF8.self).contains("<p class=\"intro\">Our own intro</p>"))
    }

    @Test("an override today's rules refuse is left out with a warning, not applied")
    func staleOverride() throws {
        let (changed, diagnostics) = try Self.project().applying(["alpha": PartnerOverrides(profile: ["phone": "call me"], slots: ["launch": ["": ["offer": "free"]]])], logos: [:])
        #expect(changed.partners.first { $0.id == "alpha" }?.phone == "+1 555 0100")
        #expect(changed.slots["alpha"]?["launch"]?.values["offer"] == nil)
        #expect(diagnostics.map(\.message).sorted() == [
            "not applied: 'call me' is not a phone number; use digits, spaces and + - ( ) . /",
            "not applied: 'free' is not allowed; use one of: demo, trial",
        ])
    }

    @Test("the form lists editable profile fields and slots (free text per locale), and checks changes with the roster's messages")
    func form() throws {
        let project = try Self.project()
        let alpha = try #require(project.partners.first { $0.id == "alpha" })
        let form = SelfServiceForm(project: project, partnerID: "alpha", pending: ["profile.primary_color": "#000000"])
        #expect(form.fields.map(\.name) == ["profile.contact_email", "profile.phone", "profile.primary_color",
                                            "slot.launch.intro.en-US", "slot.launch.intro.de-DE", "slot.launch.offer"])
        let intro = try #require(form.fields.first { $0.name == "slot.launch.intro.de-DE" })
        #expect(intro.placeholder == "Standard-Intro." && intro.current == "" && intro.maxLength == 80)
        #expect(form.fields.first { $0.name == "profile.primary_color" }?.pending == "#000000")
        #expect(form.fields.first { $0.name == "profile.primary_color" }?.needsApproval == true)

        let outcome = form.check([
            "profile.phone": "555 CALL", "profile.contact_email": "ada@alpha.example", "slot.launch.offer": "free",
            "slot.launch.intro.en-US": "  New intro <b>bold</b> {{partner.name}}  ", "profile.website": "https://evil.example",
        ], partner: alpha, project: project)
        #expect(outcome.errors == [
            "profile.phone": "'555 CALL' is not a phone number; use digits, spaces and + - ( ) . /",
            "slot.launch.offer": "'free' is not allowed; use one of: demo, trial",
        ])
        // Unchanged values and fields the vendor did not open are no changes.
        #expect(outcome.changes.map(\.field.name) == ["profile.phone", "slot.launch.intro.en-US"])
        #expect(outcome.changes.last?.value == "New intro <b>bold</b> {{partner.name}}")
    }

    @Test("slot values are text: HTML and Mustache syntax render inert in the kit")
    func inertSlots() throws {
        let hostile = "<script>alert(1)</script>{{#partner}}{{{partner.name}}}{{/partner}}"
        let (project, _) = try Self.project().applying(["alpha": PartnerOverrides(slots: ["launch": ["en-US": ["intro": hostile]]])], logos: [:])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!))
        let page = String(decoding: try #require(kit.files.first { $0.path == "landing/index.html" }).data, as: UTF8.self)
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;{{#partner}}{{{partner.name}}}{{/partner}}"))
        #expect(!page.contains("<script>alert(1)"))
    }

    static let png1x1 = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!
    static let svg = Data("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>".utf8)

    @Test("an SVG is known by its first tag, after a byte-order mark and blanks, in any case; other text is not an image", arguments: [
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", LogoUpload.Kind?.some(.svg)), ("\u{FEFF} \n\t<?XML version=\"1.0\"?><SVG/>", .svg),
        ("<!-- drawn by hand --><svg/>", .svg), ("\u{00A0}<svg/>", .svg), ("<?xml version=\"1.0\"?><html/>", nil), ("<html><svg/></html>", nil),
        ("svg", nil), ("", nil), ("  <!-- no drawing -->", nil), ("<svg\u{301}/>", nil), ("<svg><title>Café</title></svg>", .svg),
    ])
    func sniff(text: String, kind: LogoUpload.Kind?) {
        #expect(LogoUpload.sniff(Data(text.utf8)) == kind)
    }

    @Test("logos are typed by content: a PNG named .svg and an SVG named .png are refused, sizes and pixels are limited")
    func logoTypes() throws {
        #expect(try LogoUpload(filename: "../../etc/logo.png", data: Self.png1x1, maxBytes: 1024, maxPixels: 100).kind == .png)
        #expect(try LogoUpload(filename: "logo.png", data: Self.png1x1, maxBytes: 1024, maxPixels: 100).storedName
                == "\(Checksum.sha256(Self.png1x1)).png")
        #expect(throws: LogoUpload.Refusal(message: "the file is named .svg but is a PNG image; rename it .png or upload the right file")) {
            try LogoUpload(filename: "logo.svg", data: Self.png1x1, maxBytes: 1024, maxPixels: 100)
        }
        #expect(throws: LogoUpload.Refusal(message: "the file is named .png but is an SVG image; rename it .svg or upload the right file")) {
            try LogoUpload(filename: "logo.png", data: Self.svg, maxBytes: 1024, maxPixels: 100)
        }
        #expect(throws: LogoUpload.Refusal(message: "the file is not a PNG, JPEG or SVG image")) {
            try LogoUpload(filename: "logo.gif", data: Data("GIF89a....".utf8), maxBytes: 1024, maxPixels: 100)
        }
        #expect(throws: LogoUpload.Refusal(message: "the file is 0 KB; logos may be at most 0 KB")) {
            try LogoUpload(filename: "logo.png", data: Self.png1x1, maxBytes: 10, maxPixels: 100)
        }
        var big = [UInt8](Self.png1x1)
        big[16..<24] = [0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10][...]  // 10000 x 10000 in the header
        #expect(throws: LogoUpload.Refusal(message: "the image is too large: 10000 x 10000 pixels; logos may have at most 4000000 pixels (such as 2000 x 2000)")) {
            try LogoUpload(filename: "logo.png", data: Data(big), maxBytes: 1024, maxPixels: 4_000_000)
        }
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x20, 0x00, 0x40, 0x03, 0x01, 0x22, 0x00])
        #expect(try LogoUpload(filename: "logo.JPEG", data: jpeg, maxBytes: 1024, maxPixels: 64 * 32).kind == .jpg)
        #expect(throws: LogoUpload.Refusal.self) { try LogoUpload(filename: "logo.jpg", data: jpeg, maxBytes: 1024, maxPixels: 64 * 31) }
    }

    /// A 57-byte PNG whose IHDR claims 0xFFFFFFFF x 0xFFFFFFFF once trapped on `width * height` and took the server down.
    @Test("header sizes whose product overflows are refused as too large, not a crash", arguments: [
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] as [UInt8], "4294967295 x 4294967295"),
        ([0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF], "2147483647 x 2147483647"),
        ([0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF], "1 x 4294967295"),
    ])
    func hugePNGHeader(header: [UInt8], size: String) throws {
        var png = [UInt8](Self.png1x1)
        png[16..<24] = header[...]
        #expect(throws: LogoUpload.Refusal(message: "the image is too large: \(size) pixels; logos may have at most 4000000 pixels (such as 2000 x 2000)")) {
            try LogoUpload(filename: "logo.png", data: Data(png), maxBytes: 1024, maxPixels: 4_000_000)
        }
    }

    @Test("an SVG loses scripts, event handlers, external references and foreignObject, and says so; DOCTYPEs are refused")
    func svgCleaning() throws {
        let hostile = """
            <?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css"?>
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" width="10" height="10">
            <script>alert(2)</script><defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>
            <rect width="10" height="10" fill="url(#g)" onclick="steal()"/>
            <image xlink:href="https://evil.example/track.png" width="1" height="1"/><use href="#g"/>
            <a href="javascript:alert(3)"><text>x</text></a>
            <foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject>
            <style>@import url(https://evil.example/f.css); rect { fill: red }</style>
            </svg>
            """
        let upload = try LogoUpload(filename: "logo.svg", data: Data(hostile.utf8), maxBytes: 10_000, maxPixels: 1)
        let cleaned = String(decoding: upload.data, as: UTF8.self)
        for gone in ["script", "alert", "onload", "onclick", "evil.example", "foreignObject", "iframe", "javascript:", "@import", "xml-stylesheet"] {
            #expect(!cleaned.contains(gone), "\(gone) is still in \(cleaned)")
        }
        #expect(cleaned.contains("fill=\"url(#g)\"") && cleaned.contains("<use href=\"#g\"") && cleaned.contains("linearGradient"))
        #expect(upload.removed.contains("a <script> element") && upload.removed.contains("the onload attribute")
                && upload.removed.contains("a <foreignObject> element") && upload.removed.contains { $0.hasPrefix("the external reference xlink:href") })
        // The cleaned file is still an SVG the same checks accept as it is.
        #expect(try LogoUpload(filename: "x.svg", data: upload.data, maxBytes: 10_000, maxPixels: 1).removed == [])

        #expect(throws: LogoUpload.Refusal(message: "the SVG has a DOCTYPE or entity declarations, which logos may not have; export it again without them")) {
            try LogoUpload(filename: "l.svg", data: Data("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg>&x;</svg>".utf8),
                           maxBytes: 10_000, maxPixels: 1)
        }
        #expect(throws: LogoUpload.Refusal(message: "the SVG is not well-formed XML; export it again")) {
            try LogoUpload(filename: "l.svg", data: Data("<svg><g></svg>".utf8), maxBytes: 10_000, maxPixels: 1)
        }
        #expect(throws: LogoUpload.Refusal(message: "the SVG cannot be drawn as PNG for emails and social images (the SVG has no width, height or viewBox); give its <svg> a viewBox, or export it again")) {
            try LogoUpload(filename: "l.svg", data: Data("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>".utf8), maxBytes: 10_000, maxPixels: 1)
        }
    }

    /// Each of these once passed the blocklist cleaner.
    @Test("the cleaner keeps only what draws: CSS escapes, entities in URLs, meta refresh and unknown elements are removed", arguments: [
        (#"<style>@\69mport url(https://evil.example/f.css);</style>"#, "a <style> element that loads from elsewhere or uses escapes"),
        (#"<rect width="4" height="4" style="fill:\75rl(https://evil.example/x)"/>"#, "the style attribute"),
        (#"<a href="java&#9;script:alert(1)"><rect width="4" height="4"/></a>"#, "a <a> element"),
        (#"<meta http-equiv="refresh" content="0;url=https://evil.example"/>"#, "a <meta> element"),
        (#"<rect width="4" height="4" fill="url(https://evil.example/p)"/>"#, "the fill attribute"),
        (#"<image href="https://evil.example/t.png" width="1" height="1"/>"#, "the external reference href=\"https://evil.example/t.png\""),
        (#"<rect width="4" height="4" data-track="https://evil.example"/>"#, "the data-track attribute (not used for drawing)"),
        (#"<animate attributeName="href" to="https://evil.example"/>"#, "a <animate> element"),
    ])
    func svgAllowlist(markup: String, reason: String) throws {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><circle r=\"3\" fill=\"#FF0000\"/>\(markup)</svg>"
        let upload = try LogoUpload(filename: "logo.svg", data: Data(svg.utf8), maxBytes: 10_000, maxPixels: 1)
        let cleaned = String(decoding: upload.data, as: UTF8.self)
        #expect(!cleaned.contains("evil") && !cleaned.lowercased().contains("script"), "\(cleaned)")
        #expect(cleaned.contains("<circle r=\"3\" fill=\"#FF0000\""))
        #expect(upload.removed == [reason])
    }

    @Test("the demo's own logos and brand images pass the cleaner with nothing removed")
    func demoLogos() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folders = ["Assets/partners", "Assets/brand"].map { repository.appendingPathComponent($0) }
        let svgs = try folders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).filter { $0.pathExtension == "svg" }
        }
        #expect(svgs.count >= 5)
        for url in svgs {
            let upload = try LogoUpload(filename: url.lastPathComponent, data: try Data(contentsOf: url), maxBytes: 1 << 20, maxPixels: 1)
            #expect(upload.removed == [], "\(url.lastPathComponent): \(upload.removed)")
        }
    }
}
