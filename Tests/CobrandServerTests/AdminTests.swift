import CobrandCore
import CobrandServer
import CobrandStore
import CobrandFiles
import CobrandUseCases
import CobrandTesting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Admin usage API")
struct AdminTests {
    let day = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    @Test("usage needs an admin token and answers JSON, CSV or HTML; bad input gets a JSON error")
    func usage() async throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.insert([
            AssetEvent(kind: .open, partner: "a", campaign: "launch", asset: "hello", locale: "en-US", occurredAt: day, ipHash: "h", agentClass: "desktop"),
            AssetEvent(kind: .click, partner: "a", campaign: "launch", asset: "hello", locale: "en-US", occurredAt: day, ipHash: "h", agentClass: "desktop"),
        ])
        var random = SystemRandomNumberGenerator()
        let admin = try database.issueToken(role: .admin, partner: nil, now: day, using: &random)
        let partner = try database.issueToken(role: .partner, partner: "a", now: day, using: &random)
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let writer = EventWriter(database: database)
        let day = self.day
        let app = Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: writer, salt: Data(), now: { day }),
                                                           admin: AdminRoutes(project: try Fixture.loaded(try Fixture.serverPages()), database: database, now: { day })))
        try await app.test(.router) { client in
            for token in [nil, partner] {
                try await client.execute(uri: "/admin/usage", method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:]) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            let auth: HTTPFields = [.authorization: "Bearer \(admin)"]
            try await client.execute(uri: "/admin/usage?from=2027-01-15&to=2027-01-15&format=csv", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body) == "partner,campaign,asset,locale,opens,clicks,views,downloads,visitors\r\na,launch,hello,en-US,1,1,0,0,1\r\n")
            }
            try await client.execute(uri: "/admin/usage", method: .get, headers: auth) { response in
                let rows = try JSONDecoder().decode([AppDatabase.UsageRow].self, from: Data(buffer: response.body))
                #expect(rows.map(\.clicks) == [1])
            }
            try await client.execute(uri: "/admin/usage?from=2027-01-16&to=2027-01-16&format=html", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body).contains("<tbody>\n\n</tbody>"))
            }
            try await client.execute(uri: "/admin/usage?from=yesterday", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == #"{"error":{"code":"bad_date","field":"from","message":"from must be a day such as 2027-03-01"}}"#)
            }
        }
    }

    @Test("a browser signs in at /admin with an admin token; the page filters, escapes, and links CSV and JSON")
    func pages() async throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.insert([
            AssetEvent(kind: .download, partner: "a<b", campaign: "launch", asset: "bundle", locale: "en-US", occurredAt: day, ipHash: "h", agentClass: "desktop"),
        ])
        var random = SystemRandomNumberGenerator()
        let admin = try database.issueToken(role: .admin, partner: nil, now: day, using: &random)
        let partnerToken = try database.issueToken(role: .partner, partner: "a<b", now: day, using: &random)
        let partnerSession = try database.startSession(partner: "a<b", now: day, using: &random)
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let day = self.day
        let app = Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { day }),
                                                           admin: AdminRoutes(project: try Fixture.loaded(try Fixture.serverPages()), database: database, now: { day })))
        try await app.test(.router) { client in
            try await client.execute(uri: "/admin", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"<form method="post" action="/admin/sign-in">"#))
            }
            try await client.execute(uri: "/admin/usage?format=html", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/admin")
            }
            // A partner's token or portal session is no admin.
            let form = try await PortalTests.signInForm(client, uri: "/admin")
            let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: form.cookie]
            try await client.execute(uri: "/admin/sign-in", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "csrf=\(form.csrf)&token=\(partnerToken)")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie]?.hasPrefix(AdminRoutes.cookieName + "=") != true)
            }
            try await client.execute(uri: "/admin/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(form.csrf)&token=\(admin)")) { response in
                #expect(response.status == .forbidden, "no form cookie: not from our sign-in page")
            }
            try await client.execute(uri: "/admin/usage", method: .get, headers: [.cookie: "\(AdminRoutes.cookieName)=\(partnerSession)"]) { response in
                #expect(response.status == .unauthorized)
            }
            let cookie = try await client.execute(uri: "/admin/sign-in", method: .post, headers: formHeaders,
                                                  body: ByteBuffer(string: "csrf=\(form.csrf)&token=\(admin)")) { response in
                #expect(response.status == .seeOther)
                let cookie = response.headers[.setCookie] ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/admin"))
                return String(cookie.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/admin/usage?format=html&from=2027-01-15&to=2027-01-15&partner=a%3Cb", method: .get, headers: [.cookie: cookie]) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(html.contains("<td><bdi>a&lt;b</bdi></td>"))
                #expect(!html.contains("a<b"))
                #expect(html.contains(#"value="a&lt;b""#))
                #expect(html.contains(#"href="/admin/usage?from=2027-01-15&amp;to=2027-01-15&amp;partner=a%3Cb&amp;format=csv""#))
                #expect(html.contains("<tfoot><tr><th colspan=\"4\">Total (1 rows)</th><th>0</th><th>0</th><th>0</th><th>1</th>"))
            }
            try await client.execute(uri: "/admin/usage?from=2027-01-15&to=2027-01-15&format=csv", method: .get, headers: [.cookie: cookie]) { response in
                #expect(String(buffer: response.body).hasSuffix("a<b,launch,bundle,en-US,0,0,0,1,1\r\n"))
            }
            try await client.execute(uri: "/admin/usage?from=2027-01-16&to=2027-01-15", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/admin/sign-out", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .forbidden, "a sign-out without the page's form token")
            }
            let csrf = try await client.execute(uri: "/admin/usage?format=html", method: .get, headers: [.cookie: cookie]) { response in
                String(try #require(String(buffer: response.body).firstMatch(of: /name="csrf" value="([A-Za-z0-9_-]+)"/)).1)
            }
            try await client.execute(uri: "/admin/sign-out", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(csrf)")) { response in
                #expect(response.headers[.location] == "/admin")
            }
            try await client.execute(uri: "/admin/usage", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}

@Suite("Admin MDF pages")
struct AdminMDFTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the report as HTML with an SVG chart, CSV and JSON; claims page and reconcile button; admins only")
    func report() async throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.allocate([.init(partner: "a<b", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: Period("2026-Q4")!,
                              deadlineDays: 60, actor: "t", now: now)
        let request = try ClaimRequest.validated(partner: "a<b", campaign: "launch", activity: "event", start: "2026-11-02", end: "2026-11-03",
                                                 amount: "100", currency: "EUR", invoice: "I-1", results: nil, campaigns: ["launch"])
        let proofs = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-admin-proofs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: proofs) }
        let proof = try ClaimProof(name: "in\"voice<1>.pdf", data: Data("%PDF-1.4 proof".utf8))
        _ = try await SubmitClaim.run(request, proofs: [proof], store: BlobStore(folder: proofs), database: database, idempotencyKey: nil, actor: "t", now: now)
        var random = SystemRandomNumberGenerator()
        let admin = try database.issueToken(role: .admin, partner: nil, now: now, using: &random)
        let partner = try database.issueToken(role: .partner, partner: "a<b", now: now, using: &random)
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let now = self.now
        let router = CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { now }),
                                          admin: AdminRoutes(project: try Fixture.loaded(try Fixture.serverPages()), database: database, now: { now }),
                                          claims: ClaimRoutes(database: database, campaigns: ["launch"], proofFolder: proofs, now: { now }),
                                          mdfRules: Reconciler.Rules())
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/admin/mdf/report?period=2026-Q4", method: .get, headers: [.authorization: "Bearer \(partner)"]) { response in
                #expect(response.status == .unauthorized)
            }
            let auth: HTTPFields = [.authorization: "Bearer \(admin)"]
            try await client.execute(uri: "/admin/mdf/report?period=2026-q4", method: .get, headers: auth) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<svg") && html.contains("<rect") && html.contains("a&lt;b"))
                #expect(!html.contains("a<b"))
            }
            try await client.execute(uri: "/admin/mdf/report?period=2026-Q4&format=csv", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body).hasPrefix("partner,period,currency,allocated,claimed,approved,remaining,leads,cost_per_lead"))
            }
            try await client.execute(uri: "/admin/mdf/report?period=soon", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/admin/mdf/reconcile", method: .post, headers: [.authorization: "Bearer \(admin)", .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "period=2026-Q4")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/admin/mdf/claims?period=2026-Q4")
            }
            try await client.execute(uri: "/admin/mdf/claims?period=2026-Q4", method: .get, headers: auth) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<td><bdi>review</bdi></td>"))
                #expect(html.contains("<li><bdi>event has no tracked evidence; a person checks the proofs</bdi></li>"))
                #expect(html.contains(#"<a href="/admin/mdf/proofs/\#(proof.sha256)"><bdi>in&quot;voice&lt;1&gt;.pdf</bdi></a>"#))
            }
            try await client.execute(uri: "/admin/mdf/proofs/\(proof.sha256)", method: .get, headers: auth) { response in
                #expect(response.status == .ok && Data(buffer: response.body) == proof.data)
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"invoice<1>.pdf\"")
            }
            try await client.execute(uri: "/admin/mdf/proofs/\(proof.sha256)", method: .get, headers: [.authorization: "Bearer \(partner)"]) {
                #expect($0.status == .unauthorized, "admins only: a partner token is refused as on every admin route")
            }
        }
    }
}

@Suite("Admin: partner changes")
struct AdminChangesTests {
    @Test("pending changes are listed escaped with approve and reject buttons; a decision needs the form token and takes effect")
    func approvals() async throws {
        let database = try AppDatabase(DatabaseQueue())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let logos = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-admin-logos-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logos) }
        let logo = try LogoUpload(filename: "l.svg", data: Data(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="2" height="2"/></svg>"#.utf8),
                                  maxBytes: 1_000, maxPixels: 1)
        try BlobStore(folder: logos).put(logo.data, as: logo.storedName)
        let changes = try database.saveChanges(partner: "alpha", [
            .init(field: "primary_color", oldValue: "#1F3A93", newValue: "#000000", needsApproval: true),
            .init(field: "website", oldValue: nil, newValue: "https://a.example/<x>", needsApproval: true),
            .init(field: "logo", oldValue: "alpha.svg", newValue: logo.storedName, needsApproval: true),
        ], actor: "partner:alpha", now: now)
        var random = SystemRandomNumberGenerator()
        let session = try database.startSession(for: .init(role: .admin, partner: nil), now: now, using: &random)
        let cookie = "\(AdminRoutes.cookieName)=\(session)"
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let app = Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { now }),
                                                           admin: AdminRoutes(project: try Fixture.loaded(try Fixture.serverPages()), database: database, formSecret: Data("k".utf8), logoFolder: logos, now: { now })))
        try await app.test(.router) { client in
            try await client.execute(uri: "/admin/changes", method: .get) { #expect($0.status == .seeOther) }
            let csrf = try await client.execute(uri: "/admin/changes", method: .get, headers: [.cookie: cookie]) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<td><bdi>https://a.example/&lt;x&gt;</bdi></td>") && !html.contains("<x>"))
                #expect(html.contains("action=\"/admin/changes/\(changes[0].id)/approve\"") && html.contains("action=\"/admin/changes/\(changes[1].id)/reject\""))
                #expect(html.contains("<img src=\"/admin/logos/\(logo.storedName)\""), "a waiting logo is shown to judge")
                return String(try #require(html.firstMatch(of: /name="csrf" value="([A-Za-z0-9_-]+)"/)).1)
            }
            try await client.execute(uri: "/admin/logos/\(logo.storedName)", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "image/svg+xml" && Data(buffer: response.body) == logo.data)
            }
            try await client.execute(uri: "/admin/logos/\(logo.storedName)", method: .get) { #expect($0.status == .seeOther, "admins only") }
            try await client.execute(uri: "/admin/logos/..%2Fcobrand.sqlite", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .notFound) }
            let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/admin/changes/\(changes[0].id)/approve", method: .post, headers: form, body: ByteBuffer(string: "csrf=forged")) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/admin/changes/\(changes[0].id)/approve", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(csrf)")) {
                #expect($0.status == .seeOther)
            }
            try await client.execute(uri: "/admin/changes/\(changes[1].id)/reject", method: .post, headers: form,
                                     body: ByteBuffer(string: "csrf=\(csrf)&note=Use+your+main+site")) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/admin/changes/\(changes[1].id)/approve", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(csrf)")) {
                #expect($0.status == .conflict, "a decided change is not decided again")
            }
        }
        await #expect(try database.overrides()["alpha"]?.profile == ["primary_color": "#000000"])
        await #expect(try database.changes(status: .pending).map(\.field) == ["logo"])
        let rejected = try database.change(changes[1].id)
        #expect(rejected.status == .rejected && rejected.note == "Use your main site" && rejected.decidedBy == "admin")
    }
}
