@testable import CobrandCore
import CobrandTesting
import Foundation
import Testing

@Suite("Email client compatibility")
struct EmailCompatibilityTests {
    /// The caniemail data the product ships.
    static let data = try! Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CobrandFiles/Resources/caniemail/features.json"))
    static let support = try! EmailSupport(json: data)
    static let clients = ["outlook/windows/2016", "gmail/desktop-webmail"].compactMap(EmailClient.init)

    @Test("decoding only the configured clients gives their levels for every feature, and none for other clients")
    func onlyConfiguredClients() throws {
        let clients = EmailClient.defaults.filter { $0.family != "samsung-email" }
        let some = try EmailSupport(json: Self.data, clients: clients)
        #expect(Set(some.features.keys) == Set(Self.support.features.keys))
        var compared = 0
        for slug in Self.support.features.keys {
            for client in clients {
                #expect(some.level(slug, in: client) == Self.support.level(slug, in: client), "\(slug) in \(client)")
                compared += Self.support.level(slug, in: client) == nil ? 0 : 1
            }
            #expect(some.level(slug, in: try #require(EmailClient("samsung-email/android"))) == nil)
        }
        #expect(compared > 1_000)
    }

    @Test("decoding only the features a template uses gives their levels and titles, and leaves the others out")
    func onlyUsedFeatures() throws {
        let scan = EmailCompatibility.Scan(#"<table><tr><td style="border-radius:4px; display:flex">x</td></tr></table><img src="a.png" alt="">"#)
        #expect(scan.features == ["html-table", "html-tr", "html-td", "css-border-radius", "css-display-flex", "html-img"])
        let some = try EmailSupport(json: Self.data, clients: Self.clients, features: scan.features)
        #expect(Set(some.features.keys) == scan.features.intersection(Self.support.features.keys))
        for slug in scan.features {
            #expect(some.features[slug]?.title == Self.support.features[slug]?.title)
            for client in Self.clients { #expect(some.level(slug, in: client) == Self.support.level(slug, in: client), "\(slug) in \(client)") }
        }
        #expect(EmailCompatibility.check(scan, support: some, clients: Self.clients)
            == EmailCompatibility.check(scan, support: Self.support, clients: Self.clients))
        #expect(throws: EmailSupport.Problem.self) { try EmailSupport(json: Data(#"{"features": []}"#.utf8), features: ["css-x"]) }
        do { _ = try EmailSupport(json: Data(#"{"features": []}"#.utf8), features: ["css-x"]) } catch { #expect(error.reason == "the features list is empty") }
        #expect(try EmailSupport(json: Self.data, features: ["no-such-feature"]).features.isEmpty)
    }

    @Test("a client result of another shape leaves only that client without results; read whole, the feature has none")
    func malformedResult() throws {
        let json = Data(#"{"features": [{"slug": "css-x", "title": "x", "stats": {"gmail": {"ios": {"2024-01": "y"}}, "yahoo": {"desktop-webmail": {"2024-01": 7}}}}]}"#.utf8)
        let gmail = try #require(EmailClient("gmail/ios")), yahoo = try #require(EmailClient("yahoo/desktop-webmail"))
        let some = try EmailSupport(json: json, clients: [gmail, yahoo])
        #expect(some.level("css-x", in: gmail) == .yes)
        #expect(some.level("css-x", in: yahoo) == nil)
        #expect(try EmailSupport(json: json).level("css-x", in: gmail) == nil)
    }

    @Test("features are found in markup and judged per client: lost content is an error, a plainer look a warning", arguments: [
        (#"<div style="display:flex">"#, ["css-display-flex error"]),
        (#"<td style="border-radius:4px">"#, ["css-border-radius warning"]),
        (#"<!--[if !mso]><!--><div style="display:flex"></div><!--<![endif]-->"#, []),
        (#"<!--[if mso]><div style="display:flex"></div><![endif]-->"#, ["css-display-flex error"]),
        (#"<td style="background-image:url(x.png)">"#, ["css-background-image error"]),
        (#"<td style="background-color:#FFFFFF;background-image:url(x.png)">"#, ["css-background-image warning"]),
        (#"<a style="padding:4px">"#, ["css-padding warning"]),
        (#"<td style="mso-padding-alt:4px"><a style="padding:4px">"#, []),
        (#"<td style="mso-padding-alt:4px"><a style="padding:4px">b</a><a style="padding:4px">"#, ["css-padding warning"]),
        (#"<td style="padding:4px">"#, []),
        (#"<p style="text-align:end">"#, ["css-text-align warning"]),
        (#"<p style="text-align:left">"#, []),
        (#"<table style="max-width:600px;width:100%">"#, ["css-max-width warning"]),
        (#"<table width="600" style="max-width:600px;width:100%">"#, []),
        (#"<img src="x.png" alt="" height="40" style="height:40px">"#, []),
        (#"<div style="display:none;mso-hide:all;max-height:0;overflow:hidden">"#, []),
        (#"<img src="https://cdn.example/a.svg" alt="">"#, ["image-svg error"]),
        (#"<img src="{{root}}assets/a.svg" alt="">"#, []),
    ])
    func findings(markup: String, expected: [String]) {
        let found = EmailCompatibility.check(markup, support: Self.support, clients: Self.clients)
        #expect(found.map { "\($0.slug) \($0.severity)" } == expected)
    }

    @Test("a finding names the feature, the clients and the caniemail slug, at its first line")
    func message() throws {
        let found = EmailCompatibility.check("<p>\n<div style=\"display:flex\">\n<div style=\"display:flex\">", support: Self.support,
                                             clients: EmailClient.defaults)
        let flex = try #require(found.first)
        #expect(found.count == 1 && flex.line == 2)
        #expect(flex.message.hasPrefix("display:flex is not supported in Outlook Windows 2016, Outlook Windows 2019"))
        #expect(flex.message.hasSuffix("(caniemail: css-display-flex)"))
    }

    @Test("the latest caniemail result is the newest test date, else the highest version", arguments: [
        (["2019-02", "2023-07", "2023-08"], "2023-08"), (["2007", "2010", "2019"], "2019"), (["16.80", "16.9", "2019-10"], "2019-10"),
        (["6.2", "6.2.01.1", "9.1", "7.0"], "9.1"),
    ])
    func latest(keys: [String], expected: String) {
        #expect(EmailSupport.latest(keys) == expected)
    }

    @Test("clients are written family/platform[/version]; anything else is refused", arguments: [
        ("outlook/windows/2016", "Outlook Windows 2016"), ("gmail/desktop-webmail", "Gmail web"), ("outlook/windows-mail", "Windows Mail"),
        ("outlook/outlook-com", "Outlook.com / new Outlook"),
    ])
    func clients(text: String, name: String) throws {
        #expect(try #require(EmailClient(text)).description == name)
        #expect(EmailClient("gmail") == nil && EmailClient("a/b/c/d") == nil)
    }

    @Test("validate and build: an error stops the project with template:line; the client set in cobrand.yaml decides")
    func project() throws {
        let template = Fixture.files["Templates/launch/hello.html.mustache"]!.replacingOccurrences(of: "<p>", with: "<div style=\"display:flex\"><p>")
        var files = Fixture.project(["Templates/launch/hello.html.mustache": template])
        files.emailSupport = Self.data
        let (project, diagnostics) = Project.load(files)
        #expect(project == nil)
        #expect(diagnostics.errors == [.error("Templates/launch/hello.html.mustache", line: 1,
            "display:flex is not supported in Outlook Windows 2016, Outlook Windows 2019 (caniemail: css-display-flex)")])

        var appleOnly = Fixture.project(["Templates/launch/hello.html.mustache": template,
                                         "cobrand.yaml": Fixture.files["cobrand.yaml"]! + "email:\n  clients: [apple-mail/ios]\n"])
        appleOnly.emailSupport = Self.data
        let (loaded, _) = Project.load(appleOnly)
        let kit = try KitRenderer(project: try #require(loaded)).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!))
        #expect(loaded?.emailClients.map(\.id) == ["apple-mail/ios"])
        #expect(kit.files.contains { $0.path == "emails/hello.html" })
    }

    @Test("the kit preview shows each email against each client: ✓ works, ! plainer with the features in the title")
    func previewTable() throws {
        let template = Fixture.files["Templates/launch/hello.html.mustache"]!.replacingOccurrences(of: "<p>", with: "<p style=\"border-radius:4px\">")
        // The product's preview markup for the table, on the fixture's catalogs.
        let preview = """
            <table><thead><tr><th></th>{{#compatibility.clients}}<th scope="col">{{name}}</th>{{/compatibility.clients}}</tr></thead><tbody>
            {{#compatibility.emails}}<tr><th scope="row"><a href="{{path}}">{{path}}</a></th>{{#cells}}<td title="{{title}}">{{mark}}</td>{{/cells}}</tr>
            {{/compatibility.emails}}</tbody></table>
            """
        var files = Fixture.project(["Templates/launch/hello.html.mustache": template, "Templates/_shared/preview.html.mustache": preview,
                                     "cobrand.yaml": Fixture.files["cobrand.yaml"]! + "email:\n  clients: [apple-mail/ios, outlook/windows/2016]\n"])
        files.emailSupport = Self.data
        let project = try #require(Project.load(files).project)
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!))
        let index = String(decoding: try #require(kit.files.first { $0.path == "index.html" }).data, as: UTF8.self)
        #expect(index == """
            <table><thead><tr><th></th><th scope="col">Apple Mail iOS</th><th scope="col">Outlook Windows 2016</th></tr></thead><tbody>
            <tr><th scope="row"><a href="emails/hello.html">emails/hello.html</a></th><td title="Apple Mail iOS">✓</td><td title="Outlook Windows 2016: border-radius">!</td></tr>
            </tbody></table>
            """)
    }
}
