@testable import CobrandCore
import CobrandTesting
import Crypto
import Foundation
import Testing
import ZIPFoundation

@Suite("Kit rendering")
struct RenderingTests {
    static let hostileName = "<script>alert(1)</script> & \"Sons\""

    func kit(_ partner: String, _ locale: String, changes: [String: String?] = [:]) throws -> RenderedKit {
        let project = try Fixture.loaded(changes)
        return try KitRenderer(project: project).render(KitID(campaign: "launch", partner: partner, locale: LocaleTag(locale)!))
    }

    func text(_ kit: RenderedKit, _ path: String) throws -> String {
        String(decoding: try #require(kit.files.first { $0.path == path }).data, as: UTF8.self)
    }

    @Test("a kit's messages are its locale's tree with the placeholders filled: the same as formatting and nesting every message")
    func messageTree() throws {
        let de = try #require(LocaleTag("de-DE")), en = try #require(LocaleTag("en-US"))
        var german = Catalog(locale: de, messages: [
            "email.subject": "Hallo {partner.name}", "email.body": "Text", "email": "shadows the group", "cta": "Jetzt {vendor.name}",
            "a..b": "{partner.name} zwei Punkte", "trailing.": "{partner.name}", "plain": "{unknown} bleibt",
        ])
        german.setPlurals(["seats.left": [.one: "{count} Platz", .other: "{count} Plätze für {partner.name}"]])
        let english = Catalog(locale: en, messages: ["cta": "Now", "footer.legal": "© {vendor.name}", "only.english": "Hi {partner.name}"])
        let strings = LocalizedStrings(chain: [german, english])
        let values = ["partner.name": "Acme & Co", "vendor.name": "Helioscale"]
        var formatted: [String: String] = [:]
        for key in strings.keys { formatted[key] = strings.lookup(key).map { Catalog.format($0.text, values) } }
        for (key, forms) in german.plurals where formatted[key] == nil { formatted[key] = Catalog.format(forms[.other] ?? "", values) }
        let tree = MessageTree(strings)
        let filled = tree.filled(values)
        #expect(NSDictionary(dictionary: filled).isEqual(to: MessageTree.nest(formatted)))
        #expect((filled["a"] as? [String: Any]).flatMap { ($0[""] as? [String: Any])?["b"] as? String } == "Acme & Co zwei Punkte")
        #expect(filled["email"] as? String == "shadows the group")
        #expect(filled["cta"] as? String == "Jetzt Helioscale")
        #expect(filled["plain"] as? String == "{unknown} bleibt")
        #expect((filled["footer"] as? [String: Any])?["legal"] as? String == "© Helioscale")
        #expect((filled["seats"] as? [String: Any])?["left"] as? String == "{count} Plätze für Acme & Co")
        #expect((filled["trailing"] as? [String: Any])?[""] as? String == "Acme & Co")
        #expect(Set(filled.keys) == ["email", "cta", "a", "trailing", "plain", "seats", "footer", "only"])
        #expect(NSDictionary(dictionary: tree.filled(["partner.name": "Other"])).isEqual(to: MessageTree.nest(formatted)) == false)
    }

    @Test("a kit has its component files, assets, preview and manifest")
    func files() throws {
        let kit = try kit("alpha", "en-US")
        #expect(kit.files.map(\.path) == [
            "assets/partner-logo-4x4.png", "assets/partner-logo.svg", "assets/vendor-logo.svg", "emails/hello.eml", "emails/hello.html", "emails/hello.txt",
            "emails/sequence.csv", "index.html", "landing/index.html", "manifest.json",
        ])
        #expect(try text(kit, "emails/hello.txt") == """
            News from Alpha Partners
            Default intro.
            Hello from Ada Alpha. Alpha Partners
            https://vendor.example/more?ref=kit&utm_source=alpha&utm_medium=email&utm_campaign=launch&utm_content=hello#top
            1 Alpha Road
            Springfield
            https://portal.example/unsubscribe/alpha/launch/?hl=en-US&email=*|EMAIL|*

            """)
    }

    @Test("the German kit uses German messages and falls back for missing keys")
    func german() throws {
        let kit = try kit("beta", "de-DE")
        let html = try text(kit, "landing/index.html")
        #expect(html.contains("<html lang=\"de-DE\" dir=\"ltr\">"))
        #expect(html.contains("<h1>Start</h1>"))
        #expect(html.contains("<p>Beta GmbH ist Partner von Vendorco.</p>"))
        // preview.title exists only in en-US: the default locale fills the gap.
        #expect(try text(kit, "index.html").contains("<title>Preview Beta GmbH</title>"))
    }

    @Test("a hostile partner name is inert in every HTML file, attribute and the text email")
    func escaping() throws {
        let roster = Fixture.rosterHeader + "\nalpha,\"\(Self.hostileName.replacingOccurrences(of: "\"", with: "\"\""))\",en-US,https://alpha.example,,,,,ada@alpha.example,,1 Road,,\n"
        let kit = try kit("alpha", "en-US", changes: ["Assets/partners.csv": roster])
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;"
        for file in kit.files where file.mediaType == "text/html" {
            let html = String(decoding: file.data, as: UTF8.self)
            #expect(!html.lowercased().contains("<script"), "\(file.path) contains a script tag")
            #expect(html.contains(escaped), "\(file.path) lacks the escaped name")
        }
        #expect(try text(kit, "landing/index.html").contains("alt=\"\(escaped)\""))
        // Plain text is not HTML: the name appears as written, which is safe there.
        #expect(try text(kit, "emails/hello.txt").contains("Hello from \(Self.hostileName). \(Self.hostileName)"))
        let manifest = try JSONDecoder().decode(KitManifest.self, from: try #require(kit.files.last).data)
        #expect(manifest.partner == "alpha")
    }

    @Test("slot values are text: markup and template syntax cannot reach a locked region")
    func lockedRegions() throws {
        let attack = "</p></main><footer data-cobrand-locked=\"legal\">{{vendor.name}} owned</footer>"
        let kit = try kit("alpha", "en-US", changes: ["Assets/slots/alpha.yaml": "launch:\n  intro: '\(attack)'\n"])
        let html = try text(kit, "landing/index.html")
        #expect(html.components(separatedBy: "data-cobrand-locked=\"legal\"").count == 2)
        #expect(html.contains("<p class=\"intro\">&lt;/p&gt;&lt;/main&gt;&lt;footer data-cobrand-locked=&quot;legal&quot;&gt;{{vendor.name}} owned&lt;/footer&gt;</p>"))
        #expect(html.contains("<footer data-cobrand-locked=\"legal\"><p>Alpha Partners is a Vendorco partner.</p>"))
    }

    @Test("a slot value for one locale wins there; other locales use the general value, then the default")
    func localizedSlots() throws {
        let slots = "launch:\n  intro: General\n  locales:\n    de:\n      intro: Deutsch\n"
        #expect(try text(try kit("alpha", "de-DE", changes: ["Assets/slots/alpha.yaml": slots]), "landing/index.html").contains("<p class=\"intro\">Deutsch</p>"))
        #expect(try text(try kit("alpha", "en-US", changes: ["Assets/slots/alpha.yaml": slots]), "landing/index.html").contains("<p class=\"intro\">General</p>"))
        #expect(try text(try kit("beta", "de-DE", changes: ["Assets/slots/alpha.yaml": slots]), "landing/index.html").contains("<p class=\"intro\">Standard-Intro.</p>"))
    }

    @Test("slot values outside the manifest's limits drop the partner with a message")
    func slotLimits() throws {
        let (project, diagnostics) = Project.load(Fixture.project(["Assets/slots/alpha.yaml": "launch:\n  offer: free-money\n"]))
        #expect(diagnostics.errors == [.error("Assets/slots/alpha.yaml", field: "launch.offer", "'free-money' is not allowed; use one of: demo, trial")])
        #expect(project?.partners.map(\.id) == ["beta"])
    }

    @Test("a light partner colour keeps its hue with dark text on it in the output")
    func contrast() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-US,,,#FFD23F,,,a@alpha.example,,1 Road,,\n"
        let html = try text(try kit("alpha", "en-US", changes: ["Assets/partners.csv": roster]), "landing/index.html")
        #expect(html.contains("style=\"background:#FFD23F;color:#1A1A1A\""))
        #expect(!html.contains("#8C7423"))
    }

    @Test("the landing form posts to the lead API with the kit's hidden fields")
    func leadForm() throws {
        let html = try text(try kit("beta", "de-DE"), "landing/index.html")
        #expect(html.contains("<form method=\"post\" action=\"https://portal.example/api/leads\"><input type=\"hidden\" name=\"partner\" value=\"beta\"><input type=\"hidden\" name=\"offer\" value=\"demo\"></form>"))
    }

    @Test("the zip holds exactly the kit's files under one folder, and the manifest checks out")
    func zip() throws {
        let kit = try kit("alpha", "de-DE")
        let archive = try Archive(data: kit.zip, accessMode: .read)
        var unzipped: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            unzipped[entry.path] = data
        }
        #expect(unzipped.keys.sorted() == kit.files.map { "launch-alpha-de-DE/\($0.path)" })
        let manifest = try JSONDecoder().decode(KitManifest.self, from: try #require(unzipped["launch-alpha-de-DE/manifest.json"]))
        #expect(manifest.files.map(\.path) == kit.files.map(\.path).filter { $0 != "manifest.json" })
        for entry in manifest.files {
            let data = try #require(unzipped["launch-alpha-de-DE/\(entry.path)"])
            #expect(entry.size == data.count)
            #expect(entry.sha256 == sha256(data))
        }
        #expect(manifest.generator == "cobrand 0.1.0")
        #expect(manifest.inputsSHA256 == kit.inputsHash)
    }

    @Test("a manifest's summary, read line by line, is what decoding it in full gives, in any layout and after edits")
    func manifestSummary() throws {
        let data = try #require(try kit("alpha", "de-DE").files.first { $0.path == "manifest.json" }).data
        func decoded(_ data: Data) -> KitManifest.Summary? {
            (try? JSONDecoder().decode(KitManifest.self, from: data)).map { manifest in
                KitManifest.Summary(inputsSHA256: manifest.inputsSHA256, files: manifest.files.count, bytes: manifest.files.reduce(data.count) { $0 + $1.size })
            }
        }
        let text = String(decoding: data, as: UTF8.self)
        let variants = [data, try JSONEncoder().encode(try JSONDecoder().decode(KitManifest.self, from: data))] + [
            text.replacingOccurrences(of: "\"size\" : ", with: "\"size\" : -"),
            text.replacingOccurrences(of: "\"inputs_sha256\" : \"", with: "\"inputs_sha256\" : \"0"),
            text.replacingOccurrences(of: "      \"size\"", with: "      \"bytes\""),
            text.replacingOccurrences(of: "\n", with: "\r\n"), "{}", "", String(text.dropLast(2)), text + "{}\n", text + " ",
            text.replacingOccurrences(of: "\"size\" : ", with: "\"size\" : 0"),
            text.replacingOccurrences(of: "\"size\" : ", with: "\"size\" : 1.5"),
            text.replacingOccurrences(of: "\"partner\" : \"alpha\"", with: "\"partner\" : \"\\u00e4lpha\""),
            text.replacingOccurrences(of: "\"partner\" : \"alpha\"", with: "\"partner\" : \"älpha\""),
            text.replacingOccurrences(of: "\"generator\"", with: "\"maker\""),
            text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"sha256\"") }.joined(separator: "\n"),
        ].map { Data($0.utf8) }
        for variant in variants {
            #expect(KitManifest.summary(of: variant) == decoded(variant), "\(String(decoding: variant.prefix(80), as: UTF8.self))")
        }
        // The kit's own manifest is read by the line scan, not the decoder.
        #expect(KitManifest.scanned(data) == decoded(data))
        #expect(try #require(KitManifest.summary(of: data)).files > 5)
    }

    @Test("the same inputs give byte-identical zips, also from a separately loaded project")
    func determinism() throws {
        let first = try kit("alpha", "en-US")
        let second = try kit("alpha", "en-US")
        #expect(first.zip == second.zip)
        #expect(first.zipSHA256 == second.zipSHA256)
        let changed = try kit("alpha", "en-US", changes: ["Locales/en-US/messages.yaml": Fixture.files["Locales/en-US/messages.yaml"]!.replacingOccurrences(of: "Read more", with: "Read on")])
        #expect(changed.zip != first.zip)
        #expect(changed.inputsHash != first.inputsHash)
    }

    @Test("the inputs hash changes with the partner's row, logo and slot values, but not with another partner's")
    func inputsHash() throws {
        let renderer = KitRenderer(project: try Fixture.loaded())
        let id = KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!)
        func hash(_ changes: [String: String?]) throws -> String { KitRenderer(project: try Fixture.loaded(changes)).inputsHash(for: id) }
        let other = Fixture.roster.replacingOccurrences(of: "+49 30 1234", with: "+49 30 9999")
        let own = Fixture.roster.replacingOccurrences(of: "+1 555 0100", with: "+1 555 0199")
        #expect(try hash(["Assets/partners.csv": other]) == renderer.inputsHash(for: id))
        #expect(try hash(["Assets/slots/beta.yaml": "launch:\n  intro: Hallo\n"]) == renderer.inputsHash(for: id))
        #expect(try hash(["Assets/partners.csv": own]) != renderer.inputsHash(for: id))
        #expect(try hash(["Assets/slots/alpha.yaml": "launch:\n  intro: Hello\n"]) != renderer.inputsHash(for: id))
        let logo = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="3" height="4"/></svg>"#
        #expect(try hash(["Assets/partners/alpha.svg": logo]) != renderer.inputsHash(for: id))
    }

    @Test("every roster column of a partner is an input of its kits; the row's line is not")
    func everyColumnHashed() {
        let partner = Partner(id: "alpha", name: "Alpha", locales: [LocaleTag("en-US")!], website: "https://alpha.example",
                              logo: "alpha.png", primaryColor: Color(hex: "#112233"), accentColor: Color(hex: "#445566"),
                              contactName: "Ann", contactEmail: "ann@alpha.example", phone: "+1 555 0100", address: "1 Main St",
                              country: "US", timezone: "America/New_York", tier: "gold", region: "NA", line: 2)
        var withPrivacy = partner
        withPrivacy.privacyURL = "https://alpha.example/privacy"
        let changes: [(column: String, change: (inout Partner) -> Void)] = [
            ("id", { $0.id = "beta" }), ("name", { $0.name = "Beta" }), ("locales", { $0.locales.append(LocaleTag("de-DE")!) }),
            ("website", { $0.website = nil }), ("privacy_url", { $0.privacyURL = "https://alpha.example/p" }), ("logo", { $0.logo = "a.svg" }),
            ("primary_color", { $0.primaryColor = Color(hex: "#112234") }), ("accent_color", { $0.accentColor = nil }),
            ("contact_name", { $0.contactName = "Bo" }), ("contact_email", { $0.contactEmail = "bo@alpha.example" }),
            ("phone", { $0.phone = "+1 555 0101" }), ("address", { $0.address = "2 Main St" }), ("country", { $0.country = "CA" }),
            ("timezone", { $0.timezone = "UTC" }), ("tier", { $0.tier = "silver" }), ("region", { $0.region = "EU" }),
        ]
        // A field added to Partner and left out of its roster row would be missing here.
        #expect(changes.map(\.column).sorted() == Array(withPrivacy.rosterRow.keys).sorted())
        #expect(changes.count == Mirror(reflecting: partner).children.count - 1)
        let original = KitRenderer.RowDigests().digest(of: withPrivacy)
        for (column, change) in changes {
            var changed = withPrivacy
            change(&changed)
            #expect(KitRenderer.RowDigests().digest(of: changed) != original, "\(column)")
        }
        var moved = withPrivacy
        moved.line = 40
        #expect(KitRenderer.RowDigests().digest(of: moved) == original)
    }

    func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
