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

/// The partner portal's leads, deals, performance and suppression pages, the unsubscribe page, and the
/// admin console, on the real templates: each partner sees only their own rows.
@Suite("Portal pages, unsubscribe and admin console")
struct PortalPagesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    final class Setup: Sendable {
        let project: Project
        let database: AppDatabase
        let writer: EventWriter
        let signer = UnsubscribeSigner(secret: Data(repeating: 3, count: 32))
        let alphaToken: String
        let betaToken: String
        let adminToken: String
        /// Each partner's lead, by partner.
        let leads: [String: Int64]

        init() throws {
            project = try Fixture.loaded(try Fixture.serverPages())
            database = try AppDatabase(DatabaseQueue())
            try database.sync(partners: project.partners, now: PortalPagesTests.now)
            var random = SystemRandomNumberGenerator()
            alphaToken = try database.issueToken(role: .partner, partner: "alpha", now: PortalPagesTests.now, using: &random)
            betaToken = try database.issueToken(role: .partner, partner: "beta", now: PortalPagesTests.now, using: &random)
            adminToken = try database.issueToken(role: .admin, partner: nil, now: PortalPagesTests.now, using: &random)
            var leads: [String: Int64] = [:]
            for (partner, email, domain) in [("alpha", "ann@acme-corp.com", "acme-corp.com"), ("beta", "bo@secret-beta-client.de", "secret-beta-client.de")] {
                leads[partner] = try database.record(Lead(partner: partner, campaign: "launch", asset: "landing", locale: partner == "alpha" ? "en-US" : "de-DE",
                                                          source: "landing", email: EmailAddress(email)!, company: "Co \(partner)", companyDomain: domain,
                                                          consent: true), ipHash: "v-\(partner)", now: PortalPagesTests.now.addingTimeInterval(-86_400)).id
            }
            self.leads = leads
            try database.insert([
                AssetEvent(kind: .click, partner: "alpha", campaign: "launch", asset: "hello", locale: "en-US", occurredAt: PortalPagesTests.now,
                           ipHash: "h", agentClass: "desktop"),
                AssetEvent(kind: .open, partner: "beta", campaign: "launch", asset: "hello", locale: "de-DE", occurredAt: PortalPagesTests.now,
                           ipHash: "h", agentClass: "desktop"),
            ])
            writer = EventWriter(database: database)
        }

        var app: some ApplicationProtocol {
            let tracking = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
            let now = { @Sendable in PortalPagesTests.now }
            let portal = PortalRoutes(project: project, database: database, output: FileManager.default.temporaryDirectory, writer: writer,
                                      salt: Data("s".utf8), now: now)
            return Application(router: CobrandServer.router(
                tracking: TrackingRoutes(signer: tracking, writer: writer, salt: Data(), now: now), portal: portal,
                admin: AdminRoutes(project: project, database: database, formSecret: Data("k".utf8), now: now),
                unsubscribe: UnsubscribeRoutes(project: project, database: database, signer: signer, now: now)))
        }
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { ($0.status, String(buffer: $0.body)) }
    }

    // MARK: Unsubscribe

    @Test("a one-click POST with a valid link records the address once, also on a repeat, with one outbox event; the CSV holds it")
    func oneClick() async throws {
        let setup = try Setup()
        let token = setup.signer.token(partner: "alpha", campaign: "launch")
        try await setup.app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/unsubscribe/alpha/launch/\(token)?hl=en-US&email=Jane%2Bnews@Example.com", method: .post, headers: Self.form,
                                         body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.setCookie] == nil)
                }
            }
            // An ESP that merged the address unencoded: its `+` arrives as a space, and is the same person.
            try await client.execute(uri: "/unsubscribe/alpha/launch/\(token)?email=jane+news@example.com", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { #expect($0.status == .ok) }
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (status, csv) = try await Self.get(client, "/portal/suppression.csv", cookie: cookie)
            #expect(status == .ok)
            #expect(csv == "email,campaign,source,unsubscribed_at\r\njane+news@example.com,launch,one-click,2027-01-15T08:00:00Z\r\n")
        }
        await #expect(try setup.database.suppressions().map(\.address) == ["jane+news@example.com"])
        let events = try await setup.database.outbox().filter { $0.type == "unsubscribe" }
        #expect(events.count == 1)
        let payload = try JSONSerialization.jsonObject(with: Data(try #require(events.first).payload.utf8)) as? [String: Any]
        #expect(payload?["unsubscribe"] as? [String: String] == ["partner": "alpha", "email": "jane+news@example.com", "campaign": "launch", "source": "one-click"])
    }

    @Test("a forged, foreign or tampered link records nothing and answers 404",
          arguments: ["/unsubscribe/alpha/launch/AAAAAAAAAAAAAAAAAAAAAA", "/unsubscribe/beta/launch/{alpha}", "/unsubscribe/alpha/other/{alpha}",
                      "/unsubscribe/alpha/launch/{alpha}x", "/unsubscribe/Alpha/launch/{alpha}", "/unsubscribe/alpha/launch/%2E%2E"])
    func forged(path: String) async throws {
        let setup = try Setup()
        let uri = path.replacingOccurrences(of: "{alpha}", with: setup.signer.token(partner: "alpha", campaign: "launch"))
            + "?email=jane@example.com"
        try await setup.app.test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: Self.form, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { #expect($0.status == .notFound) }
            try await client.execute(uri: uri, method: .post, headers: Self.form, body: ByteBuffer(string: "email=jane@example.com")) { #expect($0.status == .notFound) }
            try await client.execute(uri: uri, method: .get) { #expect($0.status == .notFound) }
        }
        await #expect(try setup.database.suppressions().isEmpty)
        await #expect(try setup.database.outbox().filter { $0.type == "unsubscribe" }.isEmpty)
    }

    @Test("the page confirms a merged address in the link's language, and asks for one when the link has none; a bad one is shown next to the field")
    func page() async throws {
        let setup = try Setup()
        let path = "/unsubscribe/beta/launch/\(setup.signer.token(partner: "beta", campaign: "launch"))"
        try await setup.app.test(.router) { client in
            try await client.execute(uri: path + "?hl=en-US&email=bo@example.com", method: .get) { response in
                let html = String(buffer: response.body)
                // Beta speaks only German, so the page does too; the address is a hidden field, confirmed by one button.
                #expect(html.contains(#"<html lang="de-DE" dir="ltr">"#))
                #expect(html.contains(#"<input type="hidden" name="email" value="bo@example.com">"#))
                #expect(!html.contains("<script"))
            }
            try await client.execute(uri: path, method: .get) { response in
                #expect(String(buffer: response.body).contains(#"<input type="email" id="email" name="email" value="" required"#))
            }
            try await client.execute(uri: path, method: .post, headers: Self.form, body: ByteBuffer(string: "email=not-an-address")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"aria-invalid="true" aria-describedby="email-error""#))
            }
            try await client.execute(uri: path, method: .post, headers: Self.form, body: ByteBuffer(string: "email=Bo%40Example.com")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"<span dir="ltr">bo@example.com</span>"#))
            }
        }
        #expect(try setup.database.suppressions(partner: "beta").map { [$0.address, $0.source.rawValue] } == [["bo@example.com", "page"]])
    }

    @Test("one-click takes a multipart body too; without an address in the link it is 400; a partner gone from the roster still loses the address")
    func oneClickEdges() async throws {
        let setup = try Setup()
        let alpha = "/unsubscribe/alpha/launch/\(setup.signer.token(partner: "alpha", campaign: "launch"))"
        let gone = "/unsubscribe/former/launch/\(setup.signer.token(partner: "former", campaign: "launch"))"
        let boundary = "b0undary"
        let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--\(boundary)--\r\n"
        try await setup.app.test(.router) { client in
            try await client.execute(uri: alpha + "?email=multi@example.com", method: .post,
                                     headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: multipart)) { #expect($0.status == .ok) }
            try await client.execute(uri: alpha, method: .post, headers: Self.form, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: gone + "?email=old@example.com", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { #expect($0.status == .ok) }
            try await client.execute(uri: alpha + "?email=jane+news@example.com", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"<input type="hidden" name="email" value="jane+news@example.com">"#), "an unencoded + reads as +")
            }
        }
        await #expect(try setup.database.suppressions().map { "\($0.partner) \($0.address)" } == ["alpha multi@example.com", "former old@example.com"])
    }

    // MARK: Portal isolation

    @Test("another partner's leads, deals, performance and suppression list never show; their ids answer 404")
    func isolation() async throws {
        let setup = try Setup()
        let betaLead = try #require(setup.leads["beta"])
        try setup.database.suppress(try Suppression.make(partner: "beta", campaign: "launch", address: "gone@beta-list.de", source: .page), now: PortalPagesTests.now)
        let betaDeal = try await setup.database.register(try DealRequest.validated(partner: "beta", domain: "beta-deal.de", accountName: "Beta Deal", value: "100.00",
                                                                            currency: "EUR", products: ["X"], expectedClose: "2027-03-01", leadID: nil),
                                                   rules: DealRules(), idempotencyKey: nil, now: PortalPagesTests.now).deal
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            for uri in ["/portal/leads", "/portal/leads.csv", "/portal/deals", "/portal/performance?from=2027-01-01&to=2027-01-31",
                        "/portal/performance.csv?from=2027-01-01&to=2027-01-31", "/portal/funnel.csv?from=2027-01-01&to=2027-01-31",
                        "/portal/funnel.json?from=2027-01-01&to=2027-01-31", "/portal/suppression.csv", "/portal"] {
                let (status, body) = try await Self.get(client, uri, cookie: cookie)
                #expect(status == .ok, "\(uri)")
                for secret in ["secret-beta-client", "bo@", "beta-list", "Beta Deal", "de-DE"] where !(uri == "/portal" && secret == "de-DE") {
                    #expect(!body.contains(secret), "\(uri) shows \(secret)")
                }
            }
            let (status, _) = try await Self.get(client, "/portal/deals?lead=\(betaLead)", cookie: cookie)
            #expect(status == .notFound)
            let (own, form) = try await Self.get(client, "/portal/deals?lead=\(try #require(setup.leads["alpha"]))", cookie: cookie)
            #expect(own == .ok && form.contains(#"value="acme-corp.com""#))
            // Registering from another partner's lead: an error beside the field, nothing stored.
            let csrf = try PortalMDFTests.csrf(in: form)
            try await client.execute(uri: "/portal/deals", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                                     body: ByteBuffer(string: "csrf=\(csrf)&lead_id=\(betaLead)&account_name=X&value=10&currency=EUR&products=A&expected_close=2027-03-01")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"<p class="error" id="lead_id-error">no lead \#(betaLead) of this partner</p>"#))
            }
            await #expect(try setup.database.deals(partner: "alpha").isEmpty)
            for uri in ["/portal/leads", "/portal/deals", "/portal/performance", "/portal/funnel.csv", "/portal/suppression.csv"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/portal", "\(uri) without a session")
                }
            }
        }
        #expect(betaDeal.partner == "beta")
    }

    @Test("a partner registers a deal from a lead through the form; a missing field is named beside it; the list explains the rule")
    func registerDeal() async throws {
        let setup = try Setup()
        let lead = try #require(setup.leads["alpha"])
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (_, form) = try await Self.get(client, "/portal/deals?lead=\(lead)", cookie: cookie)
            let csrf = try PortalMDFTests.csrf(in: form)
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            try await client.execute(uri: "/portal/deals", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(csrf)&lead_id=\(lead)&account_name=Acme&value=&currency=USD&products=A&expected_close=2027-03-01")) { response in
                #expect(response.status == .badRequest)
                let html = String(buffer: response.body)
                #expect(html.contains(#"<p class="error" id="value-error">value is required, such as &quot;25000.00&quot;</p>"#))
                #expect(html.contains(#"name="account_name" value="Acme""#), "what was typed stays")
            }
            try await client.execute(uri: "/portal/deals", method: .post, headers: headers, body: ByteBuffer(string: "lead_id=\(lead)&account_name=Acme")) { response in
                #expect(response.status == .forbidden, "no form token")
            }
            let body = "csrf=\(csrf)&idempotency_key=k1&lead_id=\(lead)&account_name=Acme&value=30000.00&currency=USD&products=A%2C%20B&expected_close=2027-03-01"
            for _ in 0..<2 {
                try await client.execute(uri: "/portal/deals", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location]?.hasPrefix("/portal/deals?registered=") == true)
                }
            }
            let deals = try await setup.database.deals(partner: "alpha")
            #expect(deals.map { [$0.domain, $0.status.rawValue, $0.rule.rawValue, $0.products.joined(separator: ",")] } == [["acme-corp.com", "pending", "review-no-tracked-lead", "A,B"]])
            let (_, list) = try await Self.get(client, "/portal/deals?registered=\(deals[0].id)", cookie: cookie)
            #expect(list.contains(#"<td class="status-pending">Pending review</td>"#))
            #expect(list.contains("Waiting for review: no tracked lead backs this account yet."))
        }
    }

    @Test("performance per campaign and locale: events, leads and deals with pipeline, as a chart and the same numbers in CSV")
    func performance() async throws {
        let setup = try Setup()
        _ = try await setup.database.register(try DealRequest.validated(partner: "alpha", domain: "acme-corp.com", accountName: "Acme", value: "30000.00", currency: "USD",
                                                                  products: ["A"], expectedClose: "2027-03-01", leadID: setup.leads["alpha"]),
                                        rules: DealRules(), idempotencyKey: nil, now: PortalPagesTests.now)
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (_, csv) = try await Self.get(client, "/portal/performance.csv?from=2027-01-01&to=2027-01-31", cookie: cookie)
            #expect(csv == "campaign,locale,downloads,opens,clicks,views,leads,deals,pipeline\r\nlaunch,en-US,0,0,1,0,1,1,USD 30000.00\r\n")
            let (_, html) = try await Self.get(client, "/portal/performance?from=2027-01-01&to=2027-01-31", cookie: cookie)
            #expect(html.contains("<svg") && html.contains("<title>Clicks: 1</title>"))
            #expect(html.contains("Apple Mail Privacy Protection"))
            let (status, fallback) = try await Self.get(client, "/portal/performance?from=2027-02-01&to=2027-01-01", cookie: cookie)
            #expect(status == .ok && fallback.contains(#"<p class="error" role="alert">"#))
        }
    }

    @Test("the funnel on the performance page and in CSV: the partner's own rows, with the revenue the CRM reported won")
    func funnel() async throws {
        let setup = try Setup()
        let deal = try await setup.database.register(try DealRequest.validated(partner: "alpha", domain: "acme-corp.com", accountName: "Acme", value: "30000.00",
                                                                               currency: "USD", products: ["A"], expectedClose: "2027-03-01", leadID: setup.leads["alpha"]),
                                                     rules: DealRules(), idempotencyKey: nil, now: PortalPagesTests.now).deal
        try await setup.database.decide(deal.id, .approve, note: nil, rules: DealRules(), now: PortalPagesTests.now)
        let won = DealUpdate(eventID: "w", stage: .won, amount: Money(major: "32000", currency: "USD"), closeDate: "2027-01-20", crmID: nil, at: PortalPagesTests.now)
        #expect(try await setup.database.applyCRM([.deal(.ours(deal.id), won)], now: PortalPagesTests.now) == [.applied])
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (_, csv) = try await Self.get(client, "/portal/funnel.csv?from=2027-01-01&to=2027-01-31", cookie: cookie)
            #expect(csv == """
                \(Funnel.Row.columns.joined(separator: ","))\r
                alpha,launch,en-US,hello,0,0,0,1,0,0,0,0,0,,,,\r
                alpha,launch,en-US,landing,0,0,0,0,1,0,1,1,0,32000.00 USD,,,\r
                alpha,launch,*,*,0,0,0,1,1,0,1,1,0,32000.00 USD,,,\r

                """)
            let (_, json) = try await Self.get(client, "/portal/funnel.json?from=2027-01-01&to=2027-01-31", cookie: cookie)
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
            #expect(rows.last?["revenue"] as? [String: String] == ["USD": "32000.00"] && rows.last?["total"] as? Bool == true)
            let (_, html) = try await Self.get(client, "/portal/performance?from=2027-01-01&to=2027-01-31", cookie: cookie)
            #expect(html.contains("<h2 id=\"funnel-heading\">From impressions to revenue</h2>"))
            #expect(html.contains("<title>Deals won: 1</title>"))
            #expect(html.contains("$32,000.00"))
        }
    }

    @Test("the admin funnel: HTML with the chart and totals marked, CSV, JSON and SVG, one partner or all; admins only")
    func adminFunnel() async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            for token in [nil, setup.alphaToken] {
                try await client.execute(uri: "/admin/funnel?format=csv", method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:]) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            let auth: HTTPFields = [.authorization: "Bearer \(setup.adminToken)"]
            try await client.execute(uri: "/admin/funnel?format=csv", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body).split(separator: "\r\n").map(String.init) == [
                    Funnel.Row.columns.joined(separator: ","),
                    "alpha,launch,en-US,hello,0,0,0,1,0,0,0,0,0,,,,", "alpha,launch,en-US,landing,0,0,0,0,1,0,0,0,0,,,,", "alpha,launch,*,*,0,0,0,1,1,0,0,0,0,,,,",
                    "beta,launch,de-DE,hello,0,1,0,0,0,0,0,0,0,,,,", "beta,launch,de-DE,landing,0,0,0,0,1,0,0,0,0,,,,", "beta,launch,*,*,0,1,0,0,1,0,0,0,0,,,,",
                ])
            }
            try await client.execute(uri: "/admin/funnel?format=html&partner=beta&from=2027-01-01&to=2027-01-31", method: .get, headers: auth) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(html.contains("<title id=\"funnel-title\">Funnel of beta</title>") && html.contains(#"<tr class="total">"#))
                #expect(!html.contains("<bdi>alpha</bdi>"))
                #expect(html.contains("format=csv") && html.contains("partner=beta"))
            }
            try await client.execute(uri: "/admin/funnel?format=svg", method: .get, headers: auth) { response in
                #expect(response.headers[.contentType] == "image/svg+xml")
                #expect(String(buffer: response.body).hasPrefix("<svg"))
            }
            try await client.execute(uri: "/admin/funnel?format=json&partner=alpha", method: .get, headers: auth) { response in
                let rows = (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["rows"] as? [[String: Any]]
                #expect(rows?.map { $0["asset"] as? String ?? "" } == ["hello", "landing", "*"])
            }
            try await client.execute(uri: "/admin/funnel?from=2027-02-30", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""field":"from""#))
            }
        }
    }

    @Test("home: leads since the previous sign-in, deals pending or expiring soon, open MDF balances")
    func home() async throws {
        let setup = try Setup()
        let request = try DealRequest.validated(partner: "alpha", domain: "acme-corp.com", accountName: "Acme Pending", value: "30000.00", currency: "USD",
                                                products: ["A"], expectedClose: "2027-03-01", leadID: nil)
        _ = try await setup.database.register(request, rules: DealRules(), idempotencyKey: nil, now: PortalPagesTests.now)
        // Approved 80 days ago with 90 days of protection: 10 days left.
        var soon = request
        soon.domain = "soon.example"
        soon.accountName = "Soon Corp"
        let approved = try await setup.database.register(soon, rules: DealRules(autoApproveBelow: [:]), idempotencyKey: nil, now: PortalPagesTests.now).deal
        try setup.database.decide(approved.id, .approve, note: nil, rules: DealRules(), now: PortalPagesTests.now.addingTimeInterval(-80 * 86_400))
        try setup.database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "USD"))], period: Period("2027-Q1")!,
                                    deadlineDays: 60, actor: "test", now: PortalPagesTests.now)
        try await setup.app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (_, html) = try await Self.get(client, "/portal", cookie: cookie)
            #expect(html.contains(#"<h2 id="home-leads">New leads since your last visit</h2>\#n<p class="big">1</p>"#))
            #expect(html.contains(#"<span dir="ltr">ann@acme-corp.com</span>"#))
            #expect(html.contains("<li><bdi>Acme Pending</bdi> · $30,000.00 · Pending review</li>"))
            #expect(html.contains("<bdi>Soon Corp</bdi> · Expires") && html.contains("(Days left: 10)"))
            #expect(html.contains("2027-Q1: <strong>$5,000.00</strong>"))
            // Signed in again, nothing is new any more.
            let again = try await PortalTests.signIn(client, token: setup.alphaToken)
            let (_, later) = try await Self.get(client, "/portal", cookie: again)
            #expect(later.contains(#"<p class="big">0</p>"#))
        }
    }

    // MARK: Admin console

    @Test("admin pages send a browser without an admin session to sign in, answer a partner token 401, and a partner's session is no admin's",
          arguments: ["/admin/partners", "/admin/leads", "/admin/deals", "/admin/mdf", "/admin/outbox", "/admin/leads.csv"])
    func adminOnly(uri: String) async throws {
        let setup = try Setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { #expect($0.status == .seeOther && $0.headers[.location] == "/admin") }
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(setup.alphaToken)"]) { #expect($0.status == .unauthorized) }
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let session = cookie.replacingOccurrences(of: PortalRoutes.cookieName + "=", with: AdminRoutes.cookieName + "=")
            try await client.execute(uri: uri, method: .get, headers: [.cookie: session]) { #expect($0.status == .seeOther) }
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(setup.adminToken)"]) { #expect($0.status == .ok) }
        }
    }

    @Test("a partner removed from the roster, or whose tokens were revoked, is refused on every partner route: pages send it to sign in, the API answers 401",
          arguments: [false, true])
    func removedPartner(revokedOnly: Bool) async throws {
        let setup = try Setup()
        let now = { @Sendable in PortalPagesTests.now }
        let proofs = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-proofs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: proofs) }
        let tracking = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let portal = PortalRoutes(project: setup.project, database: setup.database, output: FileManager.default.temporaryDirectory, writer: setup.writer,
                                  salt: Data("s".utf8), now: now)
        let claims = ClaimRoutes(database: setup.database, campaigns: ["launch"], proofFolder: proofs, now: now)
        let app = Application(router: CobrandServer.router(
            tracking: TrackingRoutes(signer: tracking, writer: setup.writer, salt: Data(), now: now), portal: portal,
            deals: DealRoutes(database: setup.database, rules: DealRules(), now: now), claims: claims))
        let pages = ["/portal/leads", "/portal/leads.csv", "/portal/deals", "/portal/performance", "/portal/mdf",
                     "/portal/bundles/launch/en-US"]
        let api = ["/api/deals/1", "/api/mdf/claims/1"]
        try await app.test(.router) { client in
            let cookie = try await PortalTests.signIn(client, token: setup.alphaToken)
            let bearer: HTTPFields = [.authorization: "Bearer \(setup.alphaToken)"]
            try await client.execute(uri: "/portal/leads", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/deals/999", method: .get, headers: bearer) { #expect($0.status == .notFound, "signed in: only the deal is missing") }
            if revokedOnly {
                try setup.database.revokeTokens(role: .partner, partner: "alpha", now: PortalPagesTests.now)
            } else {
                try setup.database.sync(partners: setup.project.partners.filter { $0.id != "alpha" }, now: PortalPagesTests.now)
            }
            for uri in pages {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) {
                    #expect($0.status == .seeOther && $0.headers[.location] == "/portal", "\(uri)")
                }
            }
            for uri in api {
                try await client.execute(uri: uri, method: .get, headers: bearer) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            var json = bearer
            json[.contentType] = "application/json"
            try await client.execute(uri: "/api/deals", method: .post, headers: json, body: ByteBuffer(string: "{}")) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("the console approves a pending deal with a note, issues and revokes a partner token, retries dead outbox rows, and picks an MDF period")
    func console() async throws {
        let setup = try Setup()
        let deal = try await setup.database.register(try DealRequest.validated(partner: "alpha", domain: "acme-corp.com", accountName: "Acme", value: "30000.00",
                                                                        currency: "USD", products: ["A"], expectedClose: "2027-03-01", leadID: nil),
                                               rules: DealRules(), idempotencyKey: nil, now: PortalPagesTests.now).deal
        let auth: HTTPFields = [.authorization: "Bearer \(setup.adminToken)", .contentType: "application/x-www-form-urlencoded"]
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/admin/deals/\(deal.id)/approve", method: .post, headers: auth, body: ByteBuffer(string: "note=checked%20%3Cb%3E")) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/admin/deals/\(deal.id)/approve", method: .post, headers: auth, body: ByteBuffer(string: "")) { response in
                #expect(response.status == .conflict)
                #expect(String(buffer: response.body).contains("deal \(deal.id) is approved and cannot be approved"))
            }
            try await client.execute(uri: "/admin/deals", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body).contains("<small>Note: <bdi>checked &lt;b&gt;</bdi></small>"))
            }
            try await client.execute(uri: "/admin/deals/999/approve", method: .post, headers: auth, body: ByteBuffer(string: "")) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("There is no deal 999. Pick one from the list."), "the console's page, not a JSON error")
            }
            try await client.execute(uri: "/admin/mdf/claims/999/pay", method: .post, headers: auth, body: ByteBuffer(string: "reference=X")) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("There is no claim 999."))
            }
            var token = ""
            try await client.execute(uri: "/admin/partners/beta/token", method: .post, headers: auth, body: ByteBuffer(string: "")) { response in
                token = String(try #require(String(buffer: response.body).firstMatch(of: /<p class="token">([A-Za-z0-9_-]+)<\/p>/)).1)
            }
            #expect(try setup.database.grant(for: token) == .init(role: .partner, partner: "beta"))
            try await client.execute(uri: "/admin/partners/ghost/token", method: .post, headers: auth, body: ByteBuffer(string: "")) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/admin/partners/beta/revoke", method: .post, headers: auth, body: ByteBuffer(string: "")) { response in
                #expect(String(buffer: response.body).contains("Revoked 2 token(s)"))
            }
            #expect(try setup.database.grant(for: token) == nil)
            try await client.execute(uri: "/admin/mdf?period=soon", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"<p class="error" id="period-error" role="alert">&#39;soon&#39; is not a period"#))
            }
        }
        #expect(try setup.database.deal(deal.id).status == .approved)
        #expect(try setup.database.deal(deal.id).note == "checked <b>")
    }
}
