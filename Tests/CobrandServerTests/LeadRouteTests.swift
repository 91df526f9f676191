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

@Suite("Lead intake API")
struct LeadRouteTests {
    static let templates: [String: String?] = portalTemplates.merging([
        "Templates/_shared/portal/lead.html.mustache":
            "<html lang=\"{{locale.tag}}\">{{#error}}<p role=\"alert\">{{message}}</p>{{/error}}{{^error}}<h1>{{t.portal.thanks}}</h1>{{partner.name}}{{/error}}</html>\n",
        "Locales/en-US/portal.yaml": "portal:\n  bad: \"Bad token\"\n  thanks: \"Thank you\"\n  rate_limited: \"Slow down\"\n",
        "Locales/de-DE/portal.yaml": "portal:\n  thanks: \"Danke\"\n",
    ]) { _, new in new }

    /// Runs `body` against a server on a fresh in-memory store with `cobrand.yaml` extended by `config`.
    static let forms = LeadFormSigner(secret: Data(repeating: 7, count: 32))

    func withServer(config: String = "", proxies: TrustedProxies = TrustedProxies(), live: Bool = false,
                    _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> AppDatabase {
        var files = Self.templates
        files["cobrand.yaml"] = Fixture.files["cobrand.yaml"]! + config
        let project = try Fixture.loaded(files)
        let database = try AppDatabase(DatabaseQueue())
        let leads = LeadRoutes(project: project, database: database, salt: Data("s".utf8), proxies: proxies, forms: Self.forms, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let tracking = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { Date() })
        try await Application(router: CobrandServer.router(tracking: tracking, leads: leads)).test(live ? .live : .router) { client in try await body(client) }
        return database
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    static let json: HTTPFields = [.contentType: "application/json"]
    static let valid = "partner=alpha&campaign=launch&asset=landing&locale=en-US&source=landing&email=Jane%40Acme.com&first_name=Jane&consent=yes&website_url="

    @Test("a form post is stored and answered with a 303 to the localized thank-you page")
    func formPost() async throws {
        let database = try await withServer { client in
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: Self.valid)) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/leads/thanks?partner=alpha&locale=en-US")
            }
            try await client.execute(uri: "/leads/thanks?partner=beta&locale=de-DE", method: .get) { response in
                #expect(String(buffer: response.body) == "<html lang=\"de-DE\"><h1>Danke</h1>Beta GmbH</html>\n")
            }
            // A locale the partner lacks, or garbage, falls back to the partner's first.
            try await client.execute(uri: "/leads/thanks?partner=alpha&locale=%3Cscript%3E", method: .get) { response in
                #expect(String(buffer: response.body).hasPrefix("<html lang=\"en-US\">"))
            }
        }
        let leads = try await database.leads()
        #expect(leads.map(\.email) == ["jane@acme.com"])
        #expect(leads.first?.consent == true)
        await #expect(try database.outbox().map(\.type) == ["lead.created"])
    }

    @Test("JSON gets the same 201 for a new person and a known one; bad fields get a 400 naming the field")
    func jsonPost() async throws {
        let database = try await withServer { client in
            let body = #"{"partner":"alpha","campaign":"launch","source":"webinar","email":"joe@acme.com","consent":true,"phone":null}"#
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                #expect(String(buffer: response.body) == #"{"status":"received"}"#)
            }
            let overwrite = #"{"partner":"alpha","campaign":"launch","source":"landing","email":"JOE@acme.com","first_name":"Mallory","phone":"+1 555 6666"}"#
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: overwrite)) { response in
                #expect(response.status == .created)
                #expect(String(buffer: response.body) == #"{"status":"received"}"#)
            }
            let bad = #"{"partner":"alpha","campaign":"launch","source":"landing","email":"joe(at)acme.com"}"#
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode([String: [String: String]].self, from: Data(buffer: response.body))["error"]
                #expect(error?["field"] == "email")
                #expect(error?["code"] == "invalid")
            }
            for body in ["[1]", "{not json", #"{"email":{"a":1}}"#] {
                try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
        let lead = try await #require(try database.leads().first)
        #expect(lead.submissions == 2)
        #expect(lead.firstName == nil && lead.phone == nil && lead.source == "webinar", "a second submission changes no stored field")
    }

    @Test("a form with a bad field gets a 400 page that shows the problem, escaped")
    func formError() async throws {
        let database = try await withServer { client in
            let body = Self.valid.replacingOccurrences(of: "Jane%40Acme.com", with: "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let html = String(buffer: response.body)
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(!html.contains("<script>"))
            }
        }
        await #expect(try database.leads().isEmpty)
    }

    @Test("honeypot spam looks accepted and is not kept")
    func spam() async throws {
        let database = try await withServer { client in
            let body = Self.valid.replacingOccurrences(of: "website_url=", with: "website_url=http%3A%2F%2Fspam.example")
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .seeOther)
            }
        }
        await #expect(try database.leads().isEmpty)
        await #expect(try database.outbox().isEmpty)
    }

    @Test("more submissions per minute than leads.rate_limit_per_minute get 429")
    func rateLimit() async throws {
        let database = try await withServer(config: "leads:\n  rate_limit_per_minute: 2\n") { client in
            for (index, expected) in [HTTPResponse.Status.seeOther, .seeOther, .tooManyRequests].enumerated() {
                let body = Self.valid.replacingOccurrences(of: "Jane%40", with: "Jane\(index)%40")
                try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == expected)
                }
            }
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(String(buffer: response.body).contains(#""code":"rate_limited""#))
            }
        }
        await #expect(try database.leads().count == 2)
    }

    /// Behind the TLS proxy every request comes from 127.0.0.1; with `--trusted-proxy` each visitor has its own bucket.
    @Test("behind a trusted proxy the rate limit is per forwarded visitor; an untrusted peer's X-Forwarded-For is ignored",
          arguments: [(["127.0.0.1"], [HTTPResponse.Status.seeOther, .seeOther, .seeOther, .tooManyRequests]),
                      ([], [.seeOther, .tooManyRequests, .tooManyRequests, .tooManyRequests])])
    func trustedProxy(trusted: [String], expected: [HTTPResponse.Status]) async throws {
        let visitors = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.1"]
        _ = try await withServer(config: "leads:\n  rate_limit_per_minute: 1\n", proxies: try TrustedProxies(trusted), live: true) { client in
            for (index, (visitor, status)) in zip(visitors, expected).enumerated() {
                let body = Self.valid.replacingOccurrences(of: "Jane%40", with: "Jane\(index)%40")
                var headers = Self.form
                headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.50, \(visitor)"
                try await client.execute(uri: "/api/leads", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "visitor \(index) from \(visitor)")
                }
            }
        }
    }

    @Test("only a form carrying the generated page's signature is stored as signed; the bare API or a forged one is not",
          arguments: [(Self.forms.signature(partner: "alpha", campaign: "launch", asset: "landing", locale: "en-US"), true),
                      (Self.forms.signature(partner: "beta", campaign: "launch", asset: "landing", locale: "en-US"), false),
                      ("", false), ("forged", false)])
    func signedForm(signature: String, signed: Bool) async throws {
        let database = try await withServer { client in
            let body = Self.valid + "&form_signature=" + signature
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .seeOther)
            }
        }
        let stored = try await database.writer.read { db in try Bool.fetchAll(db, sql: "SELECT signed FROM leadSubmission") }
        #expect(stored == [signed])
    }

    /// Foundation's URLComponents traps on `%ZZ`; this post once took the whole server down.
    @Test("a form body with a bad percent escape gets 400, and the server answers the next post")
    func malformedForm() async throws {
        let database = try await withServer { client in
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: Self.valid + "&company=%ZZ")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("the form is not valid URL encoding near 'company=%ZZ'"))
            }
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: Self.valid)) { response in
                #expect(response.status == .seeOther)
            }
        }
        await #expect(try database.leads().count == 1)
    }
}
