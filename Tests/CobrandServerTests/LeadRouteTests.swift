import CobrandCore
import CobrandServer
import CobrandStore
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
    func withServer(config: String = "", _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> AppDatabase {
        var files = Self.templates
        files["cobrand.yaml"] = Fixture.files["cobrand.yaml"]! + config
        let project = try Fixture.loaded(files)
        let database = try AppDatabase(DatabaseQueue())
        let leads = LeadRoutes(project: project, database: database, salt: Data("s".utf8), now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let tracking = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { Date() })
        try await Application(router: CobrandServer.router(tracking: tracking, leads: leads)).test(.router) { client in try await body(client) }
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
        let leads = try database.leads()
        #expect(leads.map(\.email) == ["jane@acme.com"])
        #expect(leads.first?.consent == true)
        #expect(try database.outbox().map(\.type) == ["lead.created"])
    }

    @Test("JSON gets 201 with the id, then 200 for the same person; bad fields get a 400 naming the field")
    func jsonPost() async throws {
        let database = try await withServer { client in
            let body = #"{"partner":"alpha","campaign":"launch","source":"webinar","email":"joe@acme.com","consent":true,"phone":null}"#
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                #expect(String(buffer: response.body) == #"{"id":1,"status":"created"}"#)
            }
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"id":1,"status":"updated"}"#)
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
        #expect(try database.leads().first?.submissions == 2)
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
        #expect(try database.leads().isEmpty)
    }

    @Test("honeypot spam looks accepted and is not kept")
    func spam() async throws {
        let database = try await withServer { client in
            let body = Self.valid.replacingOccurrences(of: "website_url=", with: "website_url=http%3A%2F%2Fspam.example")
            try await client.execute(uri: "/api/leads", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .seeOther)
            }
        }
        #expect(try database.leads().isEmpty)
        #expect(try database.outbox().isEmpty)
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
        #expect(try database.leads().count == 2)
    }
}
