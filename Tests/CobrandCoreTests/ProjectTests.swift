import CobrandCore
import CobrandTesting
import Mustache
import Testing

@Suite("Loading and validating a project")
struct ProjectTests {
    @Test("the fixture loads clean")
    func clean() throws {
        let (project, diagnostics) = Project.load(Fixture.project())
        #expect(diagnostics == [])
        let loaded = try #require(project)
        #expect(Validator.check(loaded) == [
            .warning("Locales/de-DE", field: "preview.title", "not translated; kits fall back to en-US"),
        ])
    }

    @Test("a template syntax error names file, line and column, and stops the build")
    func templateError() {
        let (project, diagnostics) = Project.load(Fixture.project(["Templates/launch/landing.html.mustache": "line one\n<p>{{#slots.intro}}</p>\n"]))
        #expect(project == nil)
        #expect(diagnostics == [.error("Templates/launch/landing.html.mustache", line: 3,
            "template syntax error at column 1: a section is opened but never closed; add its {{/name}} tag")])
        let (_, slash) = Project.load(Fixture.project(["Templates/launch/landing.html.mustache": "{{<_shared/layouts/page.html}}{{/_shared/layouts/page.html}}"]))
        #expect(slash.map(\.message) == ["template syntax error at column 41: a tag is not closed or its name has characters tags cannot have (closing tags cannot contain '/': name templates with dots) (near `{{<_shared/layouts/page.html}}{{/_shared/layouts/page.html}}`)"])
        // Every template is parsed after a pragma line; its errors are still where the author wrote them.
        for (source, line) in [("{{<_shared/layouts/page.html}}{{/_shared/layouts/page.html}}", 1), ("Hi\n{{<_shared/layouts/page.html}}{{/_shared/layouts/page.html}}", 2)] {
            let (_, text) = Project.load(Fixture.project(["Templates/launch/hello.txt.mustache": source]))
            #expect(text == [.error("Templates/launch/hello.txt.mustache", line: line, slash[0].message)])
        }
    }

    @Test("a syntax error in any template is reported, whichever core parsed it (the first and the last half)")
    func templateErrorsInBothHalves() {
        let broken = ["Templates/_shared/layouts/page.html.mustache", "Templates/_shared/preview.html.mustache", "Templates/always/sheet.html.mustache",
                      "Templates/meetup/mail.txt.mustache", "Templates/meetup/register.html.mustache"]
        let (project, diagnostics) = Project.load(Fixture.project(Dictionary(uniqueKeysWithValues: broken.map { ($0, "{{#open}}") })))
        #expect(project == nil)
        // An error is where the author wrote it, not shifted by the pragma line the parse starts with.
        #expect(diagnostics == broken.map {
            .error($0, line: 1, "template syntax error at column 10: a section is opened but never closed; add its {{/name}} tag (near `{{#open}}`)")
        })
    }

    @Test("an HTML template renders as Mustache renders its source alone; a text template is not escaped and keeps a first-line tag's newline, as before", arguments: [
        ("{{#show}}\n<p>{{x}}</p>\n{{/show}}\n", "<p>\(valueEscaped)</p>\n", "\n<p>\(value)</p>\n"),
        ("  {{! a comment }}\n{{x}}", valueEscaped, "  \n\(value)"),
        ("<b>{{x}}</b>", "<b>\(valueEscaped)</b>", "<b>\(value)</b>"),
        ("{{^show}}no{{/show}}\r\n{{x}}", "\r\n\(valueEscaped)", "\r\n\(value)"),
    ])
    func templateEscaping(source: String, html: String, text: String) throws {
        let values: [String: Any] = ["show": true, "x": value]
        let (project, diagnostics) = Project.load(Fixture.project(["Templates/launch/page.html.mustache": source, "Templates/launch/mail.txt.mustache": source]))
        #expect(diagnostics.errors.isEmpty)
        #expect(project?.library.render(values, withTemplate: "launch.page.html") == html)
        #expect(html == (try MustacheTemplate(string: source).render(values)))
        #expect(project?.library.render(values, withTemplate: "launch.mail.txt") == text)
    }

    @Test("YAML errors carry the line; type errors carry the key path")
    func yamlErrors() {
        let (_, syntax) = Project.load(Fixture.project(["cobrand.yaml": "vendor:\n  name: [unclosed\n"]))
        #expect(syntax.map(\.file) == ["cobrand.yaml"])
        #expect(syntax.first?.line == 3)
        let (_, type) = Project.load(Fixture.project(["Templates/launch/campaign.yaml": "id: launch\ntitle: launch.title\ncomponents:\n  - id: e\n    kind: email-sequence\n    emails:\n      - id: a\n        day: soon\n        template: hello\n        subject: launch.subject\n"]))
        #expect(type == [.error("Templates/launch/campaign.yaml", field: "components[0].emails[0].day", "has the wrong type; expected a whole number")])
    }

    @Test("money thresholds in cobrand.yaml are exact minor units; a bad amount or a currency given twice is an error")
    func thresholds() throws {
        let (project, _) = Project.load(Fixture.project(["cobrand.yaml": "deals:\n  auto_approve_below: {usd: 100, EUR: 99.5}\nmdf:\n  cost_per_lead_max: {GBP: 40}\n"]))
        #expect(project?.config.deals.rules.autoApproveBelow == ["USD": 10_000, "EUR": 9_950])
        #expect(project?.config.mdf.reconciliation.costPerLeadMax == ["GBP": 4_000])
        let (_, twice) = Project.load(Fixture.project(["cobrand.yaml": "deals:\n  auto_approve_below: {usd: 100, USD: 200}\n"]))
        #expect(twice == [.error("cobrand.yaml", field: "deals.auto_approve_below", "USD is given twice")])
        let (_, bad) = Project.load(Fixture.project(["cobrand.yaml": "mdf:\n  cost_per_lead_max: {EUR: 1.005}\n"]))
        #expect(bad == [.error("cobrand.yaml", field: "mdf.cost_per_lead_max", "EUR: 1.005 is not an amount in a currency such as EUR: 500")])
    }

    @Test("unknown keys in cobrand.yaml and manifests are warnings that name the key path; bad URLs are errors")
    func unknownKeys() {
        let manifest = Fixture.files["Templates/launch/campaign.yaml"]!.replacingOccurrences(of: "max_length: 80", with: "max_lenght: 80")
        let (project, diagnostics) = Project.load(Fixture.project([
            "Templates/launch/campaign.yaml": manifest,
            "cobrand.yaml": "vendor:\n  nmae: X\ncolours: {}\n",
        ]))
        #expect(project != nil)
        #expect(diagnostics == [
            .warning("Templates/launch/campaign.yaml", field: "fields.intro.max_lenght", "unknown key, ignored; known keys here: allowed, approval, default, default_key, label, max_length, type"),
            .warning("cobrand.yaml", field: "colours", "unknown key, ignored; known keys here: brand_terms, colors, crm, deals, default_locale, email, leads, mdf, portal_url, self_service, tracking_base_url, vendor"),
            .warning("cobrand.yaml", field: "vendor.nmae", "unknown key, ignored; known keys here: address, legal_name, logo, name, website"),
        ])
        let (none, errors) = Project.load(Fixture.project(["cobrand.yaml": "portal_url: javascript:alert(1)\n"]))
        #expect(none == nil)
        #expect(errors == [.error("cobrand.yaml", field: "portal_url", "'javascript:alert(1)' is not a web address; write https://...")])
    }

    @Test("manifest mistakes are reported by field")
    func manifest() {
        let (project, diagnostics) = Project.load(Fixture.project(["Templates/launch/campaign.yaml": """
            id: other
            title: launch.title
            components:
              - id: social
                kind: social
              - id: page
                kind: landing-page
                template: nowhere

            """]))
        #expect(project == nil)
        #expect(diagnostics == [
            .error("Templates/launch/campaign.yaml", field: "components[0].posts", "is empty; add posts with id, text (a catalog key) and link"),
            .error("Templates/launch/campaign.yaml", field: "components[1].template", "template Templates/other/nowhere.html.mustache does not exist; create it or correct the name"),
            .error("Templates/launch/campaign.yaml", field: "id", "'other' differs from the folder name 'launch'; make them equal"),
        ])
    }

    @Test("validate: a key missing in the default locale is an error; an unknown placeholder too")
    func messages() throws {
        let project = try Fixture.loaded([
            "Templates/launch/hello.txt.mustache": "{{t.launch.missing}}\n{{partner.address}}\n{{email.unsubscribe_url}}\n",
            "Locales/en-US/messages.yaml": Fixture.files["Locales/en-US/messages.yaml"]!.replacingOccurrences(of: "{partner.contact_name}", with: "{partner.nickname}"),
        ])
        #expect(Validator.check(project).errors == [
            .error("Locales/en-US/messages.yaml", field: "launch.body", "unknown placeholder {partner.nickname}; use one of: {campaign.title}, {partner.contact_email}, {partner.contact_name}, {partner.name}, {partner.phone}, {partner.website}, {vendor.legal_name}, {vendor.name}"),
            .error("Templates/launch/hello.txt.mustache", line: 1, field: "launch.missing", "message key is missing in the default locale; add it to Locales/en-US/"),
        ])
    }

    @Test("a logo is checked by content; a scripted SVG or a fake file drops its partner", arguments: [
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "contains `onload=`; logos may not carry scripts, remove it"),
        ("<svg><script>alert(1)</script></svg>", "contains `<script`; logos may not carry scripts, remove it"),
        ("GIF89a", "is not an SVG file; export it as SVG or rename it"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>",
         "cannot be drawn as PNG for emails and social images (the SVG has no width, height or viewBox); give its <svg> a viewBox, or export it again"),
    ])
    func logos(content: String, message: String) {
        let (project, diagnostics) = Project.load(Fixture.project(["Assets/partners/alpha.svg": content]))
        #expect(diagnostics == [.error("Assets/partners/alpha.svg", message)])
        #expect(project?.partners.map(\.id) == ["beta"])
    }

    @Test("a very wide, very tall or viewBox-only SVG logo is accepted: the check draws it scaled to fit 64 pixels", arguments: [
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20000\" height=\"1\"><rect width=\"20000\" height=\"1\"/></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3\" height=\"9000\"><rect width=\"3\" height=\"9000\"/></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 12000 40\"><rect width=\"12000\" height=\"40\"/></svg>",
    ])
    func logoScaledToDraw(content: String) throws {
        let (project, diagnostics) = Project.load(Fixture.project(["Assets/partners/alpha.svg": content]))
        #expect(diagnostics.errors == [])
        #expect(try #require(project).partners.map(\.id) == ["alpha", "beta"])
    }

    @Test("a vendor SVG that emails show but that cannot be drawn is an error naming the file")
    func vendorArtwork() {
        let (_, diagnostics) = Project.load(Fixture.project(["Assets/brand/logo.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>V</text></svg>"]))
        #expect(diagnostics == [.error("Assets/brand/logo.svg",
            "cannot be drawn as PNG for emails and social images (the SVG has no width, height or viewBox); give its <svg> a viewBox, or export it again")])
    }

    @Test("a partner in an opt-in country needs privacy_url when campaigns collect leads: an error on its row, the partner not built")
    func privacyURL() throws {
        let header = Fixture.rosterHeader + ",privacy_url"
        let rows = [
            "de,De GmbH,de-DE,,,,,,d@de.example,,1 Str.,DE,Europe/Berlin,",
            "us,Us Inc,en-US,,,,,,u@us.example,,1 Road,US,America/New_York,",
            "fr,Fr SAS,en-US,,,,,,f@fr.example,,1 rue,FR,Europe/Paris,https://fr.example/privacy",
        ]
        let (project, diagnostics) = Project.load(Fixture.project(["Assets/partners.csv": ([header] + rows).joined(separator: "\n")]))
        #expect(diagnostics.errors == [.error("Assets/partners.csv", line: 2, field: "privacy_url",
            "is required because DE is in leads.opt_in_countries and campaigns collect leads: the consent box links the partner's privacy notice; de is not built until it is filled")])
        let loaded = try #require(project)
        #expect(loaded.partners.map(\.id) == ["us", "fr"])
        #expect(loaded.partners.map(\.privacyURL) == [nil, "https://fr.example/privacy"])
        // Without landing or registration pages nothing asks for it.
        let noForms = Project.load(Fixture.project(Fixture.alwaysOn.merging(
            ["Templates/launch/campaign.yaml": nil, "Assets/partners.csv": ([header] + rows).joined(separator: "\n")]) { $1 }))
        #expect(noForms.diagnostics.errors == [])
        #expect(noForms.project?.partners.map(\.id) == ["de", "us", "fr"])
    }

    @Test("a partner needs consent when its country is an opt-in country, whatever its case", arguments: [
        ("DE", true), ("de", true), ("US", false), (nil, false),
    ])
    func requiresConsent(country: String?, expected: Bool) {
        #expect(Partner(id: "p", name: "P", locales: [], country: country).requiresConsent(optInCountries: ["DE", "FR"]) == expected)
    }

    @Test("validate warns when sent emails and feeds would link a portal_url that is not https, and when Hootsuite cannot take send_time")
    func publicAddresses() throws {
        let config = try #require(Fixture.files["cobrand.yaml"]).replacingOccurrences(of: "portal_url: https://portal.example\n", with: "")
        let manifest = try #require(Fixture.alwaysOn["Templates/always/campaign.yaml"] ?? nil)
            .replacingOccurrences(of: "kind: social\n", with: "kind: social\n    start_date: 2027-03-01\n    send_time: \"10:07\"\n")
        let (_, diagnostics) = Project.load(Fixture.project(Fixture.alwaysOn.merging(["cobrand.yaml": config, "Templates/always/campaign.yaml": manifest]) { $1 }))
        #expect(diagnostics.filter { $0.field == "portal_url" || $0.field?.hasSuffix("send_time") == true } == [
            .warning("Templates/always/campaign.yaml", field: "components[1].send_time", "'10:07': Hootsuite's bulk composer takes minutes in steps of 5 only; write such as 10:05"),
            .warning("cobrand.yaml", field: "portal_url", "is http://127.0.0.1:8080: webinar emails link their registration page and calendar file there, and feeds name it as their own address; set it to the portal's public https address"),
        ])
    }

    @Test("validate: contrast fallbacks are warnings on the roster row")
    func contrastWarning() throws {
        let project = try Fixture.loaded(["Assets/partners.csv": Fixture.rosterHeader + "\nalpha,Alpha,en-US,,,#FFD23F,,,a@alpha.example,,1 Road,,\n"])
        #expect(Validator.check(project).filter { $0.file == "Assets/partners.csv" } == [
            .warning("Assets/partners.csv", line: 2, field: "primary_color", "#FFD23F has contrast 1.44:1 against #FFFFFF text (WCAG AA needs 4.5:1); kits keep it and write #1A1A1A text on it (12.05:1). Set colors.on_primary or pick another colour to silence this."),
        ])
    }
}

@Suite("Kit selection and shards")
struct SelectionTests {
    let kits: [KitID] = (0..<300).flatMap { index in
        ["en-US", "de-DE"].map { KitID(campaign: "c", partner: "p\(index)", locale: LocaleTag($0)!) }
    }

    @Test("shards are disjoint and together cover every kit", arguments: [1, 2, 3, 7])
    func shards(count: Int) {
        let slices = (1...count).map { index in kits.filter(KitSelection(shard: Shard("\(index)/\(count)")).includes) }
        #expect(slices.map(\.count).reduce(0, +) == kits.count)
        #expect(Set(slices.flatMap { $0 }) == Set(kits))
        if count > 1 { #expect(slices.allSatisfy { !$0.isEmpty && $0.count < kits.count }) }
    }

    @Test("a shard's members do not move when partners are added")
    func stable() {
        let shard = KitSelection(shard: Shard("2/4"))
        let before = kits.filter(shard.includes)
        let more = kits + [KitID(campaign: "c", partner: "new", locale: LocaleTag("en-US")!)]
        #expect(Array(more.filter(shard.includes).prefix(before.count)) == before)
    }

    @Test("shard syntax", arguments: [("1/1", true), ("4/4", true), ("0/4", false), ("5/4", false), ("x/2", false), ("2", false)])
    func syntax(text: String, valid: Bool) {
        #expect((Shard(text) != nil) == valid)
    }

    @Test("filters combine")
    func filters() {
        let selection = KitSelection(partners: ["p1", "p2"], locales: [LocaleTag("de-DE")!])
        #expect(kits.filter(selection.includes).map(\.description) == ["c/p1/de-DE", "c/p2/de-DE"])
    }
}

@Suite("validate renders")
struct ValidateRenderTests {
    @Test("a template that breaks a content rule is reported by validate, before any build")
    func contentRule() throws {
        let project = try Fixture.loaded(["Templates/launch/landing.html.mustache": "<img src=\"x.png\">\n"])
        #expect(Validator.check(project).errors == [
            .error("Templates/launch", field: "landing/index.html", "has an image without alt text (x.png); add alt=\"...\" (alt=\"\" for decoration) (seen in kit launch/alpha/de-DE)"),
        ])
    }

    @Test("a project with some portal pages is told which one is missing; keys the server looks up itself must exist")
    func portalTemplates() throws {
        let project = try Fixture.loaded([
            "Templates/_shared/portal/kits.html.mustache": "<p>{{partner.name}}</p>\n",
            "Templates/_shared/portal/mdf.html.mustache": "<p>{{partner.name}}</p>\n",
            "Locales/en-US/portal.yaml": "portal:\n  status_submitted: Submitted\n",
        ])
        let diagnostics = Validator.check(project)
        #expect(diagnostics.filter { $0.file.hasPrefix("Templates/_shared/portal/") && $0.field == nil }.map(\.file) == [
            "customise", "deals", "lead", "leads", "performance", "preview", "sign-in", "unsubscribe",
        ].map { "Templates/_shared/portal/\($0).html.mustache" })
        #expect(diagnostics.filter { $0.file.hasPrefix("Templates/_shared/admin/") }.count == AdminTemplates.all.count, "admin pages are missing too")
        #expect(diagnostics.filter { $0.field == nil && $0.file.hasPrefix("Templates/_shared/") }.allSatisfy { $0.severity == .error })
        let missing = diagnostics.filter { $0.file == "Templates/_shared/portal/mdf.html.mustache" && $0.severity == .error }.compactMap(\.field)
        #expect(missing.contains("portal.activity_paid_social") && missing.contains("portal.result_emails_sent") && missing.contains("portal.status_partial"))
        #expect(!missing.contains("portal.status_submitted"))
    }
}

private let value = "Tom & \u{600}<Jerry> \"O'Neil\""
/// `value` as Mustache escapes it: `\u{600}<` is one Character, not in its table.
private let valueEscaped = "Tom &amp; \u{600}<Jerry&gt; &quot;O&#39;Neil&quot;"
