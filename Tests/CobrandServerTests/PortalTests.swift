import CobrandCore
import CobrandServer
@testable import CobrandStore
import CobrandUseCases
import CobrandTesting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

let portalTemplates: [String: String?] = [
        "Templates/_shared/portal/sign-in.html.mustache": "<html lang=\"{{locale.tag}}\">{{#error}}<p class=\"error\">{{t.portal.bad}}</p>{{/error}}{{#expired}}<p class=\"expired\"></p>{{/expired}}<form method=\"post\" action=\"/portal/sign-in\"><input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\"></form></html>\n",
        "Templates/_shared/portal/kits.html.mustache": "<html lang=\"{{locale.tag}}\"><h1>{{partner.name}}</h1>{{#campaigns}}<h2>{{title}}</h2>{{#kits}}<a href=\"{{href}}\">{{locale}}</a>{{/kits}}{{/campaigns}}</html>\n",
        "Locales/en-US/portal.yaml": "portal:\n  bad: \"Bad token\"\n",
    ]

@Suite("Partner portal")
struct PortalTests {

    final class Setup: Sendable {
        let folder: URL
        let database: AppDatabase
        let writer: EventWriter
        let portal: PortalRoutes
        let alphaToken: String
        let betaToken: String

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-portal-\(UUID().uuidString)")
            let output = folder.appendingPathComponent("Output")
            let project = try Fixture.loaded(portalTemplates)
            database = try AppDatabase(DatabaseQueue())
            try database.sync(partners: project.partners, now: Date())
            var kits: [AppDatabase.Kit] = []
            for (partner, locale) in [("alpha", "en-US"), ("alpha", "de-DE"), ("beta", "de-DE")] {
                let bundle = "bundles/launch/\(partner)/launch-\(partner)-\(locale).zip"
                let url = output.appendingPathComponent(bundle)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("zip of \(partner) \(locale)".utf8).write(to: url)
                kits.append(.init(dir: "kits/launch/\(partner)/\(locale)", campaign: "launch", partner: partner, locale: locale, bundle: bundle,
                                  sha256: "x", files: 9, bytes: 1_234, builtAt: Date(timeIntervalSince1970: 1_800_000_000)))
            }
            try database.sync(kits: kits)
            var random = SystemRandomNumberGenerator()
            alphaToken = try database.issueToken(role: .partner, partner: "alpha", now: Date(), using: &random)
            betaToken = try database.issueToken(role: .partner, partner: "beta", now: Date(), using: &random)
            writer = EventWriter(database: database)
            portal = PortalRoutes(project: project, database: database, output: output, writer: writer, salt: Data("s".utf8), now: { Date() })
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        var app: some ApplicationProtocol {
            let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
            return Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: writer, salt: Data(), now: { Date() }), portal: portal))
        }
    }

    /// GETs a sign-in page: the form-token cookie it sets (as a Cookie header) and the token its form carries.
    static func signInForm(_ client: some TestClientProtocol, uri: String) async throws -> (cookie: String, csrf: String) {
        try await client.execute(uri: uri, method: .get) { response in
            let cookie = String((response.headers[.setCookie] ?? "").prefix { $0 != ";" })
            let csrf = try #require(String(buffer: response.body).firstMatch(of: /name="csrf" value="([A-Za-z0-9_-]+)"/)).1
            return (cookie, String(csrf))
        }
    }

    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> String {
        let form = try await signInForm(client, uri: "/portal")
        return try await client.execute(uri: "/portal/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: form.cookie],
                                 body: ByteBuffer(string: "csrf=\(form.csrf)&token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)")) { response in
            #expect(response.status == .seeOther)
            let cookie = response.headers[.setCookie] ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/portal"))
            return String(cookie.prefix { $0 != ";" })
        }
    }

    @Test("portal pages, their error pages and admin pages carry CSP, no framing and nosniff; the tracking pixel does not need them",
          arguments: ["/portal", "/portal/bundles/launch/en-US", "/portal/no-such-page", "/admin"])
    func securityHeaders(uri: String) async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy] == SecurityHeadersMiddleware<ServerContext>.pagePolicy)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy] == nil)
            }
        }
    }

    @Test("without a session the portal shows the sign-in form; a wrong token gets 401 and the error")
    func signInPage() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/portal", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<form method=\"post\" action=\"/portal/sign-in\">"))
            }
            let form = try await Self.signInForm(client, uri: "/portal")
            try await client.execute(uri: "/portal/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: form.cookie],
                                     body: ByteBuffer(string: "csrf=\(form.csrf)&token=nope")) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("<p class=\"error\">Bad token</p>"))
                #expect(response.headers[.setCookie]?.hasPrefix(PortalRoutes.cookieName) != true)
            }
            // A sign-in posted from elsewhere (no form cookie, or a token that is not the cookie's) signs nobody in.
            for (cookie, csrf) in [("", form.csrf), (form.cookie, "forged")] {
                try await client.execute(uri: "/portal/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                                         body: ByteBuffer(string: "csrf=\(csrf)&token=\(setup.alphaToken)")) { response in
                    #expect(response.status == .forbidden)
                    #expect(String(buffer: response.body).contains("<p class=\"expired\">"))
                    #expect(response.headers[.setCookie]?.hasPrefix(PortalRoutes.cookieName + "=") != true)
                }
            }
        }
    }

    @Test("a signed-in partner sees only their own kits and downloads their bundle, recorded as a download")
    func ownKits() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await Self.signIn(client, token: setup.alphaToken)
            try await client.execute(uri: "/portal", method: .get, headers: [.cookie: cookie]) { response in
                let html = String(buffer: response.body)
                #expect(html == "<html lang=\"en-US\"><h1>Alpha Partners</h1><h2>Launch</h2><a href=\"/portal/bundles/launch/de-DE\">de-DE</a><a href=\"/portal/bundles/launch/en-US\">en-US</a></html>\n")
            }
            try await client.execute(uri: "/portal/bundles/launch/de-DE", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/zip")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"launch-alpha-de-DE.zip\"")
                #expect(String(buffer: response.body) == "zip of alpha de-DE")
            }
        }
        setup.writer.flush()
        let events = try setup.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT kind, partner, locale FROM event") }
        #expect(events.map { "\($0["kind"] as String? ?? "") \($0["partner"] as String? ?? "") \($0["locale"] as String? ?? "")" } == ["download alpha de-DE"])
    }

    @Test("no way to another partner's bundle: other kits, traversal, encoded slashes and symlinks all 404", arguments: [
        "/portal/bundles/launch/fr-FR", "/portal/bundles/launch/..%2F..%2Fbeta", "/portal/bundles/..%2Fbundles%2Flaunch%2Fbeta/de-DE",
        "/portal/bundles/launch%2Fbeta/de-DE", "/portal/bundles/launch/de-DE%2F..%2F..%2Fbeta",
    ])
    func isolation(uri: String) async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await Self.signIn(client, token: setup.betaToken)
            try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .notFound)
                #expect(!String(buffer: response.body).contains("zip of alpha"))
            }
        }
    }

    @Test("a bundle path that is a symlink is refused; without a session downloads redirect to sign-in")
    func symlinkAndSession() async throws {
        let setup = try Setup()
        let beta = setup.folder.appendingPathComponent("Output/bundles/launch/beta/launch-beta-de-DE.zip")
        try FileManager.default.removeItem(at: beta)
        try FileManager.default.createSymbolicLink(at: beta, withDestinationURL: setup.folder.appendingPathComponent("Output/bundles/launch/alpha/launch-alpha-de-DE.zip"))
        try await setup.app.test(.router) { client in
            let cookie = try await Self.signIn(client, token: setup.betaToken)
            try await client.execute(uri: "/portal/bundles/launch/de-DE", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/portal/bundles/launch/de-DE", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/portal")
            }
        }
    }
}
