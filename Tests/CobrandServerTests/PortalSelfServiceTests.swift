import CobrandCore
import CobrandFiles
import CobrandServer
import CobrandStore
import CobrandUseCases
import CobrandTesting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZIPFoundation

/// Customise, preview and publish through the portal, on a real project folder, output and database file.
@Suite("Partner portal: self-service")
struct PortalSelfServiceTests {
    static let config = Fixture.files["cobrand.yaml"]! + "self_service:\n  fields:\n    phone: {}\n    website: {}\n    primary_color: {approval: required}\n    logo: {}\n  uploads_per_hour: 2\n  publishes_per_hour: 3\n\n"

    final class Setup: Sendable {
        let folder: URL
        let output: URL
        let logos: URL
        let project: Project
        let database: AppDatabase
        let app: Application<RouterResponder<ServerContext>>
        let alphaToken: String

        init() async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-selfservice-\(UUID().uuidString)")
            output = folder.appendingPathComponent("Output")
            logos = folder.appendingPathComponent("partner-logos")
            func real(_ path: String) throws -> String { try String(contentsOf: PortalMDFTests.repository.appendingPathComponent(path), encoding: .utf8) }
            var files: [String: String?] = ["cobrand.yaml": PortalSelfServiceTests.config, "Locales/en-US/portal.yaml": try real("Locales/en-US/portal.yaml")]
            let landing = "Templates/launch/landing.html.mustache"
            files[landing] = Fixture.files[landing]?.replacingOccurrences(of: "<h1>{{campaign.title}}</h1>", with: "<h1>{{campaign.title}}</h1><p class=\"phone\">{{partner.phone}}</p>")
            for page in ["customise", "preview", "kits", "header", "styles", "sign-in"] {
                files["Templates/_shared/portal/\(page).html.mustache"] = try real("Templates/_shared/portal/\(page).html.mustache")
            }
            project = try Fixture.loaded(files)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            database = try AppDatabase.open(path: folder.appendingPathComponent("cobrand.sqlite").path)
            try database.sync(partners: project.partners, now: Date())
            let report = try await Builder(project: project, output: output).build()
            try await database.sync(kits: BuildAndSync.kitRows(report.index.kits, output: output, builtAt: Date()))
            var random = SystemRandomNumberGenerator()
            alphaToken = try database.issueToken(role: .partner, partner: "alpha", now: Date(), using: &random)
            let writer = EventWriter(database: database)
            let portal = PortalRoutes(project: project, database: database, output: output, writer: writer, salt: Data("s".utf8), now: { Date() })
            let publisher = Publisher(project: project, database: database, output: output, logoFolder: logos, tracking: nil)
            let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
            app = Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: writer, salt: Data(), now: { Date() }),
                                                            portal: portal, publisher: publisher))
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func bundle(_ partner: String, _ locale: String) throws -> Data {
            try Data(contentsOf: output.appendingPathComponent("bundles/launch/\(partner)/launch-\(partner)-\(locale).zip"))
        }
    }

    /// A kit zip's files by path inside its folder.
    static func unzip(_ data: Data) throws -> [String: String] {
        let archive = try Archive(data: data, accessMode: .read)
        var files: [String: String] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            files[String(entry.path.drop { $0 != "/" }.dropFirst())] = String(decoding: bytes, as: UTF8.self)
        }
        return files
    }

    /// The `data-cobrand-locked` regions of a page, which no partner value may change.
    static func lockedRegions(_ html: String) -> [String] {
        html.matches(of: /<(header|footer) data-cobrand-locked="[a-z]+"[^>]*>.*?<\/(header|footer)>/.dotMatchesNewlines()).map { String($0.output.0) }
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, cookie: String, fields: [(String, String)],
                     files: [(field: String, filename: String, data: Data)] = []) async throws -> TestResponse {
        var (headers, body) = PortalMDFTests.multipart(fields, files: files)
        headers[.cookie] = cookie
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body)
    }

    static func publish(_ client: some TestClientProtocol, cookie: String, csrf: String) async throws -> TestResponse {
        try await client.execute(uri: "/portal/publish", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: "csrf=\(csrf)"))
    }

    @Test("change phone and intro, preview, publish: the bundle shows them, locked regions and the other partner's kit keep their bytes, a full rebuild agrees")
    func customisePreviewPublish() async throws {
        let setup = try await Setup()
        let betaBefore = try setup.bundle("beta", "de-DE")
        let alphaBefore = try Self.unzip(try setup.bundle("alpha", "en-US"))
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let form = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise")
            #expect(form.contains("name=\"profile.phone\" value=\"+1 555 0100\""))
            #expect(!form.contains("profile.contact_name"), "a field the vendor did not open is not in the form")
            let csrf = try PortalMDFTests.csrf(in: form)
            let saved = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [
                ("csrf", csrf), ("profile.phone", "+1 555 0199"), ("slot.launch.intro.en-US", "Fast <b>moves</b> {{partner.name}}"),
                ("profile.website", "https://alpha.example"), ("profile.contact_name", "Mallory"),
            ])
            #expect(saved.status == .seeOther && saved.headers[.location] == "/portal/preview?saved=2&waiting=0")

            let preview = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview?saved=2&waiting=0")
            #expect(preview.contains("href=\"/portal/preview/current/launch/en-US/index.html\""))
            let previewLanding = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview/current/launch/en-US/landing/index.html")
            #expect(previewLanding.contains("<p class=\"intro\">Fast &lt;b&gt;moves&lt;/b&gt; {{partner.name}}</p>"))
            try await client.execute(uri: "/portal/preview/current/launch/en-US/../../../../cobrand.sqlite", method: .get, headers: [.cookie: cookie]) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/portal/preview/current/launch/fr-FR/index.html", method: .get, headers: [.cookie: cookie]) {
                #expect($0.status == .notFound, "alpha has no fr-FR kit")
            }

            let published = try await Self.publish(client, cookie: cookie, csrf: csrf)
            #expect(published.status == .seeOther && published.headers[.location] == "/portal?published=2&kits=2")
        }
        let alphaAfter = try Self.unzip(try setup.bundle("alpha", "en-US"))
        let landing = try #require(alphaAfter["landing/index.html"])
        #expect(landing.contains("<p class=\"intro\">Fast &lt;b&gt;moves&lt;/b&gt; {{partner.name}}</p>"))
        #expect(landing.contains("<p class=\"phone\">+1 555 0199</p>"))
        #expect(try #require(alphaBefore["landing/index.html"]).contains("<p class=\"phone\">+1 555 0100</p>"))
        let email = try #require(alphaAfter.first { $0.key.hasSuffix(".html") && $0.key.hasPrefix("emails/") }?.value)
        #expect(email.contains("Fast &lt;b&gt;moves&lt;/b&gt;"))
        #expect(alphaAfter["manifest.json"] != alphaBefore["manifest.json"])
        #expect(Self.lockedRegions(landing) == Self.lockedRegions(try #require(alphaBefore["landing/index.html"])))
        #expect(!Self.lockedRegions(landing).isEmpty)
        #expect(try setup.bundle("beta", "de-DE") == betaBefore, "the other partner's kit is byte-identical")
        #expect(try setup.database.kits(partner: "alpha").count == 2)

        // A full rebuild from scratch of the same inputs (roster, files and the stored changes) makes the same bytes.
        let published = try setup.bundle("alpha", "en-US")
        try FileManager.default.removeItem(at: setup.output)
        let (applied, _) = try await PartnerChanges.applied(to: setup.project, database: setup.database, logos: BlobStore(folder: setup.logos))
        _ = try await Builder(project: applied, output: setup.output).build()
        #expect(try setup.bundle("alpha", "en-US") == published)
        #expect(try setup.bundle("beta", "de-DE") == betaBefore)
        let log = try await setup.database.changes(partner: "alpha")
        #expect(log.map(\.subject) == ["phone", "launch.intro (en-US)"] && log.allSatisfy { $0.actor == "partner:alpha" })
    }

    @Test("bad values get the roster's message next to the field and nothing is stored; a colour change waits for approval")
    func checksAndApproval() async throws {
        let setup = try await Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise"))
            let refused = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [
                ("csrf", csrf), ("profile.phone", "call <me>"), ("slot.launch.offer", "free"), ("slot.launch.intro.en-US", String(repeating: "x", count: 81)),
            ])
            #expect(refused.status == .badRequest)
            let html = String(buffer: refused.body)
            #expect(html.contains("<p class=\"error\" id=\"profile-phone-error\">&#39;call &lt;me&gt;&#39; is not a phone number; use digits, spaces and + - ( ) . /</p>"))
            #expect(html.contains("id=\"slot-launch-offer-error\">&#39;free&#39; is not allowed; use one of: demo, trial</p>"))
            #expect(html.contains("id=\"slot-launch-intro-en-US-error\">is 81 characters long; shorten it to at most 80</p>"))
            #expect(html.contains("value=\"call &lt;me&gt;\""), "what was typed is shown to fix")
            await #expect(try setup.database.changes().isEmpty)

            let colour = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf), ("profile.primary_color", "#FFD23F")])
            #expect(colour.headers[.location] == "/portal/preview?saved=0&waiting=1")
            let form = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise")
            #expect(form.contains("Waiting for approval: <bdi>#FFD23F</bdi>"))
            let pendingPreview = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview/pending/launch/en-US/landing/index.html")
            let currentPreview = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview/current/launch/en-US/landing/index.html")
            // The contrast rule keeps the yellow and writes dark text on it, in the preview as in a build.
            #expect(pendingPreview.contains("background:#FFD23F;color:#1A1A1A") && !currentPreview.contains("background:#FFD23F"))
            #expect(form.contains("id=\"profile-primary_color\""))
        }
        await #expect(try setup.database.overrides()["alpha"]?.profile["primary_color"] == nil)
        let pending = try await #require(try setup.database.changes(status: .pending).first)
        _ = try await setup.database.decide(change: pending.id, approve: true, by: "test", now: Date())
        await #expect(try setup.database.overrides()["alpha"]?.profile["primary_color"] == "#FFD23F")
    }

    @Test("a new website waits for approval by default: the click links keep the approved site until the vendor approves")
    func websiteWaits() async throws {
        let setup = try await Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise"))
            let saved = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf), ("profile.website", "https://evil.example/")])
            #expect(saved.headers[.location] == "/portal/preview?saved=0&waiting=1")
            let current = try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview/current/launch/en-US/landing/index.html")
            #expect(!current.contains("evil.example"))
        }
        await #expect(try setup.database.overrides()["alpha"]?.profile["website"] == nil)
        await #expect(try setup.database.changes(status: .pending).map(\.subject) == ["website"])
    }

    @Test("logos: a hostile SVG is cleaned and stored by content; a PNG named .svg is refused; the upload name goes nowhere")
    func logoUploads() async throws {
        let setup = try await Setup()
        let hostile = Data("""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="alert(1)"><script>alert(2)</script><foreignObject><p>x</p></foreignObject>
            <image href="https://evil.example/t.png"/><rect width="4" height="4"/></svg>
            """.utf8)
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise"))
            let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!
            let renamed = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf)], files: [("logo", "logo.svg", png)])
            #expect(renamed.status == .badRequest)
            #expect(String(buffer: renamed.body).contains("id=\"profile-logo-error\">the file is named .svg but is a PNG image"))

            let cleaned = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf)],
                                              files: [("logo", "../../../etc/evil.svg", hostile)])
            #expect(cleaned.headers[.location] == "/portal/preview?saved=1&waiting=0&cleaned=4")
            try await client.execute(uri: "/portal/logo", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.headers[.contentType] == "image/svg+xml" && response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                let svg = String(buffer: response.body)
                #expect(svg.contains("<rect") && !svg.contains("script") && !svg.contains("onload") && !svg.contains("foreignObject") && !svg.contains("evil"))
            }
            // Uploads are rate limited per partner (2 an hour here): the third is refused.
            let third = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf)], files: [("logo", "l.png", png)])
            #expect(third.status == .badRequest && String(buffer: third.body).contains("Too many uploads or rebuilds"))
        }
        let stored = try FileManager.default.contentsOfDirectory(atPath: setup.logos.path)
        #expect(stored.count == 1 && stored[0].wholeMatch(of: /[0-9a-f]{64}\.svg/) != nil)
        #expect(!FileManager.default.fileExists(atPath: setup.folder.appendingPathComponent("etc").path))
        await #expect(try setup.database.overrides()["alpha"]?.profile["logo"] == stored[0])
    }

    @Test("a PNG whose header claims 4294967295 x 4294967295 pixels gets 400 'too large', and the server answers on")
    func hugeLogoHeader() async throws {
        let setup = try await Setup()
        var bytes = [UInt8](Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!)
        bytes[16..<24] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        let png = Data(bytes)
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise"))
            let response = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("csrf", csrf)], files: [("logo", "logo.png", png)])
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("id=\"profile-logo-error\">the image is too large: 4294967295 x 4294967295 pixels"))
            #expect(try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise").contains("name=\"csrf\""))
        }
        await #expect(try setup.database.changes().isEmpty)
    }

    @Test("forms without the session's token are refused and change nothing; publishing is rate limited")
    func forgeryAndLimits() async throws {
        let setup = try await Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let forged = try await Self.post(client, "/portal/customise", cookie: cookie, fields: [("profile.phone", "+1 555 0000")])
            #expect(forged.status == .forbidden)
            #expect(try await Self.publish(client, cookie: cookie, csrf: "forged").status == .forbidden)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/customise"))
            for _ in 0..<3 { #expect(try await Self.publish(client, cookie: cookie, csrf: csrf).status == .seeOther) }
            let limited = try await Self.publish(client, cookie: cookie, csrf: csrf)
            #expect(limited.status == .tooManyRequests && String(buffer: limited.body).contains("Too many uploads or rebuilds"))
        }
        await #expect(try setup.database.changes().isEmpty)
    }

    @Test("a publish that fails (here: the output folder is unusable) says so in the page and changes nothing")
    func failedPublish() async throws {
        let setup = try await Setup()
        let before = try setup.database.kits(partner: "alpha")
        try FileManager.default.removeItem(at: setup.output)
        try Data("not a folder".utf8).write(to: setup.output)
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try PortalMDFTests.csrf(in: try await PortalMDFTests.page(client, cookie: cookie, uri: "/portal/preview"))
            let response = try await Self.publish(client, cookie: cookie, csrf: csrf)
            #expect(response.status == .internalServerError)
            #expect(String(buffer: response.body).contains("Publishing did not work; your kits are unchanged."))
        }
        #expect(try setup.database.kits(partner: "alpha") == before)
    }
}
