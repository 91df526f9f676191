import CobrandCore
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

/// The portal's MDF page with the project's real template and messages.
@Suite("Partner portal: MDF claims")
struct PortalMDFTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30

    final class Setup: Sendable {
        let folder: URL
        let database: AppDatabase
        let app: Application<RouterResponder<ServerContext>>
        let alphaToken: String
        let betaToken: String

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-portal-mdf-\(UUID().uuidString)")
            func real(_ path: String) throws -> String { try String(contentsOf: PortalMDFTests.repository.appendingPathComponent(path), encoding: .utf8) }
            let project = try Fixture.loaded([
                "Templates/_shared/portal/mdf.html.mustache": try real("Templates/_shared/portal/mdf.html.mustache"),
                "Templates/_shared/portal/kits.html.mustache": try real("Templates/_shared/portal/kits.html.mustache"),
                "Templates/_shared/portal/header.html.mustache": try real("Templates/_shared/portal/header.html.mustache"),
                "Templates/_shared/portal/sign-in.html.mustache": try real("Templates/_shared/portal/sign-in.html.mustache"),
                "Templates/_shared/portal/styles.html.mustache": try real("Templates/_shared/portal/styles.html.mustache"),
                "Locales/en-US/portal.yaml": try real("Locales/en-US/portal.yaml"),
            ])
            database = try AppDatabase(DatabaseQueue())
            try database.sync(partners: project.partners, now: Date())
            try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: Period("2026-Q4")!,
                                  deadlineDays: 60, actor: "test", now: PortalMDFTests.now)
            var random = SystemRandomNumberGenerator()
            alphaToken = try database.issueToken(role: .partner, partner: "alpha", now: PortalMDFTests.now, using: &random)
            betaToken = try database.issueToken(role: .partner, partner: "beta", now: PortalMDFTests.now, using: &random)
            let writer = EventWriter(database: database)
            let now = { @Sendable in PortalMDFTests.now }
            let portal = PortalRoutes(project: project, database: database, output: folder, writer: writer, salt: Data("s".utf8), now: now)
            let claims = ClaimRoutes(database: database, campaigns: Set(project.campaigns.map(\.id)), proofFolder: folder.appendingPathComponent("mdf-proofs"), now: now)
            let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
            app = Application(router: CobrandServer.router(tracking: TrackingRoutes(signer: signer, writer: writer, salt: Data(), now: now),
                                                            portal: portal, claims: claims))
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    /// A multipart body as a browser sends it: text fields, then files.
    static func multipart(_ fields: [(String, String)], files: [(field: String, filename: String, data: Data)] = []) -> (HTTPFields, ByteBuffer) {
        let boundary = "----cobrandTestBoundary7MA4YWxk"
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
            body += file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    static func page(_ client: some TestClientProtocol, cookie: String, uri: String = "/portal/mdf") async throws -> String {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
            #expect(response.status == .ok)
            return String(buffer: response.body)
        }
    }

    static func csrf(in html: String) throws -> String {
        let match = try #require(html.firstMatch(of: /name="csrf" value="([A-Za-z0-9_-]+)"/))
        return String(match.1)
    }

    static let claim: [(String, String)] = [
        ("campaign", "launch"), ("activity", "email"), ("activity_start", "2026-11-02"), ("activity_end", "2026-11-20"),
        ("amount", "1200.50"), ("currency", "EUR"), ("invoice", "INV-<7>"), ("results.emails_sent", "4000"), ("results.opens", ""),
        ("idempotency_key", "form-1"),
    ]

    @Test("a partner sees their balance, claims with a proof through the form, and finds the claim listed after the redirect")
    func claimThroughForm() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let empty = try await Self.page(client, cookie: cookie)
            #expect(empty.contains("<title>Marketing funds | Alpha Partners</title>"))
            #expect(empty.contains("<td>2026-Q4</td><td class=\"money\">€5,000.00</td>"))
            #expect(empty.contains("You have not claimed any funds yet."))
            #expect(empty.contains("<option selected>EUR</option>"))
            let (headers, body) = Self.multipart([("csrf", try Self.csrf(in: empty))] + Self.claim,
                                                 files: [("proofs", "C:\\\\fakepath\\\\in;v=1.pdf", Data("%PDF-1.4 proof".utf8)), ("proofs", "", Data())])
            var withCookie = headers
            withCookie[.cookie] = cookie
            try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: withCookie, body: body) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/portal/mdf?submitted=1")
            }
            // The same form sent again (a double click, a retry) stores nothing new.
            try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: withCookie, body: body) { response in
                #expect(response.headers[.location] == "/portal/mdf?submitted=1")
            }
            let listed = try await Self.page(client, cookie: cookie, uri: "/portal/mdf?submitted=1")
            #expect(listed.contains("<p role=\"status\">Your claim was received: #1</p>"))
            #expect(listed.contains("<small>INV-&lt;7&gt;</small>"))
            #expect(listed.contains("data-status=\"submitted\">Submitted</td>"))
            let sha = Checksum.sha256(Data("%PDF-1.4 proof".utf8))
            #expect(listed.contains("<a class=\"proof\" href=\"/portal/mdf/proofs/\(sha)\"><bdi>in;v=1.pdf</bdi></a> (14 bytes)"))
            try await client.execute(uri: "/portal/mdf/proofs/\(sha)", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "%PDF-1.4 proof")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"in;v=1.pdf\"")
            }
            let other = try await PortalTests.signIn(client, token: setup.betaToken)
            try await client.execute(uri: "/portal/mdf/proofs/\(sha)", method: .get, headers: [.cookie: other]) {
                #expect($0.status == .notFound, "another partner's proof")
            }
            #expect(listed.contains("<td class=\"money\">€1,200.50</td>"))
        }
        let claims = try await setup.database.claims(partner: "alpha")
        #expect(claims.count == 1)
        let claim = try #require(claims.first)
        #expect(claim.amountMinor == 120_050 && claim.currency == "EUR" && claim.invoice == "INV-<7>" && claim.results == ["emails_sent": 4000])
        #expect(claim.idempotencyKey == "portal:form-1")
        let proofs = try setup.database.proofs(claim: claim.id)
        #expect(proofs.map(\.name) == ["in;v=1.pdf"])
        let stored = setup.folder.appendingPathComponent("mdf-proofs").appendingPathComponent(Checksum.sha256(Data("%PDF-1.4 proof".utf8)))
        #expect(FileManager.default.contents(atPath: stored.path) == Data("%PDF-1.4 proof".utf8))
        #expect(try setup.database.verifyAudit() == nil)
    }

    @Test("a mistake re-renders the form with what was typed and the message next to the field; nothing is stored")
    func fieldErrors() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try Self.csrf(in: try await Self.page(client, cookie: cookie))
            for (changes, id, message) in [
                (["activity_end": "2026-11-01"], "activity_end", "activity_end is before activity_start"),
                (["amount": "12,50"], "amount", "amount must be a positive amount in EUR"),
                (["results.opens": "many"], "results", "opens must be a whole number"),
                (["activity_start": "2027-05-01", "activity_end": "2027-05-02"], "activity_start", "has no MDF allocation for a period that contains 2027-05-01"),
            ] {
                let fields = Self.claim.map { field in (field.0, changes[field.0] ?? field.1) }
                var (headers, body) = Self.multipart([("csrf", csrf)] + fields)
                headers[.cookie] = cookie
                try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .badRequest)
                    let html = String(buffer: response.body)
                    #expect(html.contains("<p class=\"error\" id=\"\(id)-error\">"), "\(id)")
                    #expect(html.contains(message), "\(id)")
                    #expect(html.contains("value=\"INV-&lt;7&gt;\""), "the typed invoice is kept")
                    #expect(html.contains("value=\"\(changes.values.first!)\""), "the wrong value is shown to be fixed")
                    #expect(html.contains("<option value=\"email\" selected>"), "the chosen activity is kept")
                }
            }
        }
        await #expect(try setup.database.claims().isEmpty)
    }

    @Test("a form without this session's token is refused (403) and stores nothing; sign-out needs it too")
    func forgedForms() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let alpha = try await PortalTests.signIn(client, token: setup.alphaToken)
            let beta = try await PortalTests.signIn(client, token: setup.betaToken)
            let betaToken = try Self.csrf(in: try await Self.page(client, cookie: beta))
            for csrf in [nil, "", betaToken] {
                var (headers, body) = Self.multipart((csrf.map { [("csrf", $0)] } ?? []) + Self.claim)
                headers[.cookie] = alpha
                try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: headers, body: body) { #expect($0.status == .forbidden) }
            }
            try await client.execute(uri: "/portal/sign-out", method: .post, headers: [.cookie: alpha, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(betaToken)")) { #expect($0.status == .forbidden) }
            let alphaToken = try Self.csrf(in: try await Self.page(client, cookie: alpha))
            try await client.execute(uri: "/portal/sign-out", method: .post, headers: [.cookie: alpha, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(alphaToken)")) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/portal/mdf", method: .get, headers: [.cookie: alpha]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/portal")
            }
        }
        await #expect(try setup.database.claims().isEmpty)
    }

    @Test("a form of more than 100 parts gets 413 and stores nothing")
    func tooManyParts() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let alpha = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try Self.csrf(in: try await Self.page(client, cookie: alpha))
            var (headers, body) = Self.multipart([("csrf", csrf)] + Self.claim + (0..<120).map { ("x\($0)", "1") })
            headers[.cookie] = alpha
            try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("the form has more than 100 parts"))
            }
        }
        await #expect(try setup.database.claims().isEmpty)
    }

    /// MultipartKit traps on a header name byte above 0x7F (found by scripts/fuzz); the server used to die.
    @Test("a part header whose name is not ASCII gets 400 and the server answers on; a UTF-8 filename is still accepted")
    func nonASCIIHeaderName() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            let alpha = try await PortalTests.signIn(client, token: setup.alphaToken)
            let csrf = try Self.csrf(in: try await Self.page(client, cookie: alpha))
            var (headers, body) = Self.multipart([("csrf", csrf)] + Self.claim, files: [(field: "proofs", filename: "rechnung-über.pdf", data: Data("%PDF-1.4".utf8))])
            headers[.cookie] = alpha
            var bytes = Data(buffer: body)
            let hostile = Data("------cobrandTestBoundary7MA4YWxk\r\nContent-Dispositio\u{FF}: x\r\n\r\n".utf8)
            bytes.insert(contentsOf: hostile, at: bytes.startIndex)
            try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("a part header's name is not ASCII"))
            }
            #expect(try await Self.page(client, cookie: alpha).contains("csrf"), "the server still answers")
            try await client.execute(uri: "/portal/mdf/claims", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
        }
        await #expect(try setup.database.claims().count == 1)
    }

    /// A forged post used to be read whole (32 MB) before its token was looked at.
    @Test("an upload whose csrf field is wrong is refused as soon as that field has arrived, before the rest of the body")
    func earlyRefusal() async throws {
        let setup = try Setup()
        try await setup.app.test(.live) { client in
            let alpha = try await PortalTests.signIn(client, token: setup.alphaToken)
            let port = try #require(client.port)
            let answer = try await offPool { () -> String? in
                let socket = try RawHTTP(port: port, receiveTimeout: .seconds(3))
                let boundary = "----early"
                socket.send("POST /portal/mdf/claims HTTP/1.1\r\nHost: x\r\nCookie: \(alpha)\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\n"
                            + "Content-Length: 30000000\r\n\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nforged\r\n"
                            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"proofs\"; filename=\"big.pdf\"\r\n\r\n%PDF")
                return socket.receive()  // the other 29.99 MB are never sent
            }
            #expect(answer?.hasPrefix("HTTP/1.1 403 Forbidden") == true, "\(answer ?? "no answer in 3 s")")
        }
        await #expect(try setup.database.claims().isEmpty)
    }

    @Test("a partner without an allocation gets no claim form and never sees another partner's claims")
    func isolation() async throws {
        let setup = try Setup()
        let request = try ClaimRequest.validated(partner: "alpha", campaign: "launch", activity: "email", start: "2026-11-02", end: "2026-11-20",
                                                 amount: "10", currency: "EUR", invoice: "ALPHA-ONLY", results: nil, campaigns: ["launch"])
        _ = try setup.database.submit(request, proofs: [], idempotencyKey: nil, actor: "t", now: Self.now)
        try await setup.app.test(.router) { client in
            let beta = try await PortalTests.signIn(client, token: setup.betaToken)
            let html = try await Self.page(client, cookie: beta)
            #expect(html.contains("No marketing funds have been allocated to you yet."))
            #expect(!html.contains("action=\"/portal/mdf/claims\""))
            #expect(!html.contains("ALPHA-ONLY"))
        }
    }
}
