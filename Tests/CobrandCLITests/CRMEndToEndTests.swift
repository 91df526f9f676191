import CobrandCore
import CobrandTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// `cobrand serve` as a subprocess, a CRM receiver in process: leads through a generated landing page's form,
/// deals through the API, and the webhook's promise that nothing is lost or processed twice, across a
/// receiver outage and a SIGKILL of the server mid-delivery.
@Suite("CRM delivery end to end", .serialized)
struct CRMEndToEndTests {
    static let secret = "end-to-end-webhook-secret"

    /// A CRM: verifies signatures, processes each Idempotency-Key once, can be slow, stops and restarts.
    final class CRM: Sendable {
        struct State { var processed: [String: String] = [:]; var received = 0; var badSignatures = 0; var repeats = 0 }
        let port: Int
        let state = NIOLockedValueBox(State())
        let delay = NIOLockedValueBox<Duration>(.zero)
        let group = NIOLockedValueBox<ServiceGroup?>(nil)
        let task = NIOLockedValueBox<Task<Void, any Error>?>(nil)

        init(port: Int) { self.port = port }

        func start() async throws {
            let router = Router()
            router.post("/hook") { request, _ -> HTTPResponse.Status in
                let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
                let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? ""
                let timestamp = Int64(request.headers[HTTPField.Name("Cobrand-Timestamp")!] ?? "") ?? 0
                let signed = Webhook.verify(header: request.headers[HTTPField.Name("Cobrand-Signature")!] ?? "", body: body, timestamp: timestamp,
                                            secret: Data(CRMEndToEndTests.secret.utf8))
                let wait = self.delay.withLockedValue { $0 }
                if wait > .zero { try await Task.sleep(for: wait) }
                self.state.withLockedValue { state in
                    state.received += 1
                    guard signed else { state.badSignatures += 1; return }
                    if state.processed[key] == nil { state.processed[key] = String(decoding: body, as: UTF8.self) } else { state.repeats += 1 }
                }
                return signed ? .ok : .unauthorized
            }
            var logger = Logger(label: "crm")
            logger.logLevel = .critical
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
            let group = ServiceGroup(services: [app], logger: logger)
            self.group.withLockedValue { $0 = group }
            task.withLockedValue { $0 = Task { try await group.run() } }
            try await CRMEndToEndTests.waitUntil("the CRM listens") { (try? await CRMEndToEndTests.get("http://127.0.0.1:\(self.port)/")) != nil }
        }

        func stop() async {
            await group.withLockedValue { $0 }?.triggerGracefulShutdown()
            _ = try? await task.withLockedValue { $0 }?.value
        }
    }

    /// A free port below Linux's ephemeral range (32768 and up): the servers other tests start on port 0
    /// take theirs from that range, so they cannot grab this one between the check and `serve` binding it.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw CancellationError()
    }

    static func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    @discardableResult
    static func get(_ url: String) async throws -> (Int, Data) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func post(_ url: String, body: String, headers: [String: String]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// A running `cobrand serve`.
    final class Server {
        let process = Process()
        init(project: URL, port: Int) throws {
            process.executableURL = CommandTests.executable
            process.arguments = ["serve", "--project", project.path, "--port", String(port)]
            process.environment = ProcessInfo.processInfo.environment.merging(["COBRAND_WEBHOOK_SECRET": CRMEndToEndTests.secret]) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }
        func kill() { Foundation.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        func stop() { process.terminate(); process.waitUntilExit() }
    }

    /// The generated landing page's form: its action and fields, filled in like a visitor would.
    static func landingForm(_ project: URL, email: String) throws -> (action: String, body: String) {
        let html = try String(contentsOf: project.appendingPathComponent("Output/kits/launch/alpha/en-US/landing/index.html"), encoding: .utf8)
        let action = try #require(html.firstMatch(of: /<form method="post" action="([^"]+)"/)?.1)
        var fields: [(String, String)] = html.matches(of: /<input type="hidden" name="([a-z_]+)" value="([^"]*)">/).map { (String($0.1), String($0.2)) }
        fields += [("email", email), ("first_name", "Test"), ("consent", "yes"), ("website_url", "")]
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return (String(action), body)
    }

    @Test("leads and deals reach the CRM signed, each processed once, through a CRM outage and a SIGKILL of serve")
    func endToEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (servePort, crmPort) = (try Self.freePort(), try Self.freePort())
        try Fixture.write(to: folder, try Fixture.serverPages().merging([
            "cobrand.yaml": Fixture.files["cobrand.yaml"]!.replacingOccurrences(of: "portal_url: https://portal.example", with: """
                portal_url: http://127.0.0.1:\(servePort)
                crm:
                  webhook_url: http://127.0.0.1:\(crmPort)/hook
                  backoff_base_seconds: 0.1
                  backoff_max_seconds: 0.3
                  max_attempts: 1000
                """),
            "Templates/_shared/portal/lead.html.mustache": "<html>{{#error}}{{message}}{{/error}}{{^error}}Thanks{{/error}}</html>\n",
            "Templates/launch/landing.html.mustache": """
                {{<_shared.layouts.page.html}}{{$main}}<form method="post" action="{{lead_form.action}}"><input type="hidden" name="partner" value="{{lead_form.partner}}"><input type="hidden" name="campaign" value="{{lead_form.campaign}}"><input type="hidden" name="asset" value="{{lead_form.asset}}"><input type="hidden" name="locale" value="{{lead_form.locale}}"><input type="hidden" name="source" value="{{lead_form.source}}"><input type="hidden" name="consent_version" value="{{lead_form.consent_version}}"><input type="email" name="email"></form>{{/main}}{{/_shared.layouts.page.html}}

                """,
        ]) { $1 })
        let cli = CommandTests()
        #expect(try cli.cobrand("build", "--project", folder.path).status == 0)
        let token = try cli.cobrand("partners", "token", "alpha", "--project", folder.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let crm = CRM(port: crmPort)
        try await crm.start()
        var server = try Server(project: folder, port: servePort)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(servePort)"
        try await Self.waitUntil("serve answers") { (try? await Self.get(base + "/healthz"))?.0 == 200 }

        var expected = 0
        func submitLeads(_ range: Range<Int>) async throws {
            for index in range {
                let form = try Self.landingForm(folder, email: "person\(index)@corp\(index).example")
                #expect(form.action == base + "/api/leads")
                let (status, _) = try await Self.post(form.action, body: form.body, headers: ["Content-Type": "application/x-www-form-urlencoded"])
                #expect(status == 200)  // URLSession followed the 303 to the thank-you page
                expected += 1
            }
        }
        func registerDeal(_ index: Int) async throws {
            let body = #"{"account_domain":"corp\#(index).example","account_name":"Corp","value":"1000","currency":"USD","products":["P"],"expected_close":"2027-06-30"}"#
            let (status, _) = try await Self.post(base + "/api/deals", body: body,
                                                  headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"])
            #expect(status == 201)
            expected += 1
        }
        func processed() -> Int { crm.state.withLockedValue { $0.processed.count } }

        // 1. Everything arrives, signed, once.
        try await submitLeads(0..<3)
        try await registerDeal(0)
        try await Self.waitUntil("the CRM has the first 4 events") { processed() == expected }
        #expect(crm.state.withLockedValue { $0.repeats == 0 && $0.badSignatures == 0 && $0.received == 4 })

        // 2. The CRM is down: more events queue, and arrive once it is back.
        await crm.stop()
        try await submitLeads(3..<6)
        try await registerDeal(3)
        try await Task.sleep(for: .seconds(1.5))
        #expect(processed() == 4)
        try await crm.start()
        try await Self.waitUntil("the CRM has caught up after its outage") { processed() == expected }

        // 3. serve dies with SIGKILL while the CRM is slowly answering; after a restart nothing is missing.
        crm.delay.withLockedValue { $0 = .milliseconds(400) }
        let before = crm.state.withLockedValue { $0.received }
        try await submitLeads(6..<10)
        try await Self.waitUntil("a delivery is in flight") { crm.state.withLockedValue { $0.received } > before || processed() > 8 }
        server.kill()
        crm.delay.withLockedValue { $0 = .zero }
        server = try Server(project: folder, port: servePort)
        try await Self.waitUntil("the CRM has every event after the restart") { processed() == expected }
        try await Task.sleep(for: .seconds(1.5))

        let state = crm.state.withLockedValue { $0 }
        #expect(state.processed.count == expected)
        #expect(state.badSignatures == 0)
        // At-least-once: only a delivery cut off by the SIGKILL may arrive again, with the same key and body.
        #expect(state.repeats <= 1)
        let types = state.processed.values.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "lead.created" }.count == 10)
        #expect(types.filter { $0 == "deal.registered" }.count == 2)
        let status = try cli.cobrand("outbox", "status", "--project", folder.path)
        #expect(status.stdout.hasPrefix("pending 0, delivered \(expected), dead 0"))
        await crm.stop()
    }

    /// A GET that does not follow redirects (a click's target is outside the test), with a user agent.
    final class NoRedirect: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
                        completionHandler: @escaping (URLRequest?) -> Void) { completionHandler(nil) }
    }

    static func hit(_ url: String, agent: String) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue(agent, forHTTPHeaderField: "User-Agent")
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirect(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// Posts CRM updates signed as the CRM would; returns the results in order.
    static func postUpdates(_ base: String, _ updates: [[String: Any]]) async throws -> [String] {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["updates": updates], options: [.sortedKeys]), as: UTF8.self)
        let timestamp = Int64(Date().timeIntervalSince1970)
        let signature = Webhook.signature(body: Data(body.utf8), timestamp: timestamp, secret: Data(secret.utf8))
        let (status, data) = try await post(base + "/api/crm/updates", body: body, headers: [
            "Content-Type": "application/json", "Cobrand-Timestamp": String(timestamp), "Cobrand-Signature": signature])
        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
        let results = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["results"] as? [[String: String]] ?? []
        return results.map { $0["result"] ?? "" }
    }

    @Test("the CRM posts outcomes back, some twice and some out of order, and the funnel shows the hand-computed figures")
    func closedLoop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-e2e-funnel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (servePort, crmPort) = (try Self.freePort(), try Self.freePort())
        let base = "http://127.0.0.1:\(servePort)"
        try Fixture.write(to: folder, try Fixture.serverPages().merging([
            "cobrand.yaml": Fixture.files["cobrand.yaml"]!.replacingOccurrences(of: "portal_url: https://portal.example", with: """
                portal_url: \(base)
                tracking_base_url: \(base)
                crm:
                  webhook_url: http://127.0.0.1:\(crmPort)/hook
                  backoff_base_seconds: 0.1
                  backoff_max_seconds: 0.3
                """),
            "Templates/_shared/portal/lead.html.mustache": "<html>{{#error}}{{message}}{{/error}}{{^error}}Thanks{{/error}}</html>\n",
            "Templates/launch/landing.html.mustache": """
                {{<_shared.layouts.page.html}}{{$main}}<form method="post" action="{{lead_form.action}}"><input type="hidden" name="partner" value="{{lead_form.partner}}"><input type="hidden" name="campaign" value="{{lead_form.campaign}}"><input type="hidden" name="asset" value="{{lead_form.asset}}"><input type="hidden" name="locale" value="{{lead_form.locale}}"><input type="hidden" name="source" value="{{lead_form.source}}"><input type="hidden" name="consent_version" value="{{lead_form.consent_version}}"><input type="email" name="email"></form>{{/main}}{{/_shared.layouts.page.html}}

                """,
            "Templates/launch/hello.html.mustache": """
                {{<_shared.layouts.page.html}}{{$main}}<p>{{t.launch.body}}</p><a href="{{links.more}}">{{t.launch.cta}}</a><img src="{{email.open_pixel}}" alt="" width="1" height="1">{{/main}}{{/_shared.layouts.page.html}}

                """,
        ]) { $1 })
        let cli = CommandTests()
        let built = try cli.cobrand("build", "--project", folder.path)
        #expect(built.status == 0, "\(built.stderr)")
        let token = try cli.cobrand("partners", "token", "alpha", "--project", folder.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let crm = CRM(port: crmPort)
        try await crm.start()
        let server = try Server(project: folder, port: servePort)
        defer { server.stop() }
        try await Self.waitUntil("serve answers") { (try? await Self.get(base + "/healthz"))?.0 == 200 }

        // The partner's email, opened by three readers, twice through Gmail's image proxy and once by a bot; one click.
        let email = try String(contentsOf: folder.appendingPathComponent("Output/kits/launch/alpha/en-US/emails/hello.html"), encoding: .utf8)
        let pixel = try #require(email.firstMatch(of: /"(http:\/\/127\.0\.0\.1:\d+\/t\/o\/[^"]+)"/)?.1)
        let click = try #require(email.firstMatch(of: /"(http:\/\/127\.0\.0\.1:\d+\/t\/c\/[^"]+)"/)?.1)
        for (index, agent) in ["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)", "Mozilla/5.0 (X11; Linux x86_64)",
                               "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
                               "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "Googlebot/2.1"].enumerated() {
            #expect(try await Self.hit(String(pixel), agent: agent) == 200, "open \(index)")
        }
        #expect(try await Self.hit(String(click), agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)") == 302)

        // Four leads from the landing page; three deals registered through the API for their accounts.
        for index in 0..<4 {
            let form = try Self.landingForm(folder, email: "buyer\(index)@corp\(index).example")
            #expect(try await Self.post(form.action, body: form.body, headers: ["Content-Type": "application/x-www-form-urlencoded"]).0 == 200)
        }
        for index in 0..<3 {
            let body = #"{"account_domain":"corp\#(index).example","account_name":"Corp \#(index)","value":"1000","currency":"USD","products":["P"],"expected_close":"2027-06-30"}"#
            #expect(try await Self.post(base + "/api/deals", body: body, headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"]).0 == 201)
        }
        func delivered() -> [[String: Any]] {
            crm.state.withLockedValue { $0.processed.values.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
        }
        try await Self.waitUntil("the CRM has 4 leads and 3 deals") { delivered().count == 7 }
        func id(_ kind: String, _ domain: String) throws -> Int {
            let field = kind == "lead" ? "company_domain" : "account_domain"
            return try #require(delivered().compactMap { $0[kind] as? [String: Any] }.first { $0[field] as? String == domain }?["id"] as? Int)
        }
        let (deal0, deal1, deal2) = (try id("deal", "corp0.example"), try id("deal", "corp1.example"), try id("deal", "corp2.example"))

        // The channel team approves deal 0 (a win sources revenue only for an approved registration).
        #expect(try cli.cobrand("deals", "approve", String(deal0), "--project", folder.path).status == 0)
        // The CRM's answers: won, lost, qualified and disqualified, and its own id for deal 2.
        let won0: [String: Any] = ["event_id": "opp-0-won", "type": "deal", "deal_id": deal0, "crm_id": "OPP-0", "stage": "won", "amount": "5000.00",
                                   "currency": "USD", "close_date": "2026-01-10", "updated_at": "2026-01-10T10:00:00Z"]
        #expect(try await Self.postUpdates(base, [
            won0,
            ["event_id": "opp-1-lost", "type": "deal", "deal_id": deal1, "stage": "lost", "close_date": "2026-01-12", "updated_at": "2026-01-12T10:00:00Z"],
            ["event_id": "opp-2-open", "type": "deal", "deal_id": deal2, "crm_id": "OPP-2", "stage": "open", "updated_at": "2026-01-05T10:00:00Z"],
            ["event_id": "lead-0-q", "type": "lead", "lead_id": try id("lead", "corp0.example"), "status": "qualified", "updated_at": "2026-01-02T10:00:00Z"],
            ["event_id": "lead-1-q", "type": "lead", "lead_id": try id("lead", "corp1.example"), "status": "qualified", "updated_at": "2026-01-02T10:00:00Z"],
            ["event_id": "lead-3-d", "type": "lead", "lead_id": try id("lead", "corp3.example"), "status": "disqualified", "updated_at": "2026-01-02T10:00:00Z"],
        ]) == ["applied", "applied", "applied", "applied", "applied", "applied"])
        // The channel team approves deal 2: the outbox event carries the CRM's id back.
        #expect(try cli.cobrand("deals", "approve", String(deal2), "--project", folder.path).status == 0)
        try await Self.waitUntil("the CRM hears of the approvals") { delivered().count == 9 }
        let approval = try #require(delivered().compactMap { $0["type"] as? String == "deal.approved" ? $0["deal"] as? [String: Any] : nil }
            .first { $0["id"] as? Int == deal2 })
        #expect(approval["crm_id"] as? String == "OPP-2")
        // Again, late and out of order: a repeat, an older reopening, a win by the CRM's id and an older loss.
        let late: [[String: Any]] = [
            won0,
            ["event_id": "opp-0-open", "type": "deal", "deal_id": deal0, "stage": "open", "updated_at": "2026-01-08T10:00:00Z"],
            ["event_id": "opp-2-won", "type": "deal", "crm_id": "OPP-2", "stage": "won", "amount": "2500.00", "currency": "USD", "close_date": "2026-01-20",
             "updated_at": "2026-01-20T10:00:00Z"],
            ["event_id": "opp-2-lost", "type": "deal", "crm_id": "OPP-2", "stage": "lost", "close_date": "2026-01-15", "updated_at": "2026-01-15T10:00:00Z"],
        ]
        #expect(try await Self.postUpdates(base, late) == ["duplicate", "stale", "applied", "stale"])
        #expect(try await Self.postUpdates(base, late) == ["duplicate", "duplicate", "duplicate", "duplicate"])

        // By hand: 5 opens (2 of them by the proxy; the bot's counts nowhere), 1 click, 4 leads (2 qualified), 3 deals: 0 and 2 won
        // (5000 + 2500 USD), 1 lost. Events reach the database within a flush.
        var total: [String] = []
        try await Self.waitUntil("the funnel counts every hit") {
            let csv = try cli.cobrand("funnel", "report", "--project", folder.path, "--format", "csv").stdout
            total = csv.split(whereSeparator: \.isNewline).map(String.init).first { $0.hasPrefix("alpha,launch,*,*,") }?.split(separator: ",", omittingEmptySubsequences: false)
                .map(String.init) ?? []
            return total.count > 7 && total[5] == "5" && total[7] == "1"
        }
        #expect(total == ["alpha", "launch", "*", "*", "0", "5", "2", "1", "4", "2", "3", "2", "1", "7500.00 USD", "", "", ""])
        let deals = try cli.cobrand("deals", "list", "--project", folder.path, "--format", "csv").stdout
        #expect(deals.contains(",won,won-in-crm,") && deals.contains(",lost,lost-in-crm,"))
        #expect(crm.state.withLockedValue { $0.badSignatures } == 0)
        await crm.stop()
    }

    @Test("a project from cobrand init serves its portal, and its landing page's lead form reaches the thank-you page")
    func initProjectServes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-init-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = CommandTests()
        #expect(try cli.cobrand("init", folder.path).status == 0)
        let port = try Self.freePort()
        let config = folder.appendingPathComponent("cobrand.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "portal_url: https://partners.vendor.example", with: "portal_url: http://127.0.0.1:\(port)")
            .write(to: config, atomically: true, encoding: .utf8)
        #expect(try cli.cobrand("build", "--project", folder.path).status == 0)
        let server = try Server(project: folder, port: port)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        try await Self.waitUntil("serve answers") { (try? await Self.get(base + "/healthz"))?.0 == 200 }
        let (status, page) = try await Self.get(base + "/portal")
        #expect(status == 200)
        #expect(String(decoding: page, as: UTF8.self).contains(#"<form method="post" action="/portal/sign-in">"#))

        let html = try String(contentsOf: folder.appendingPathComponent("Output/kits/welcome/first-partner/en-US/landing/index.html"), encoding: .utf8)
        let action = try #require(html.firstMatch(of: /<form method="post" action="([^"]+)"/)?.1)
        var fields = html.matches(of: /<input type="hidden" name="([a-z_]+)" value="([^"]*)">/).map { "\($0.1)=\($0.2)" }
        fields += ["email=ann%40buyer.example", "consent=yes", "website_url="]
        let (answer, thanks) = try await Self.post(String(action), body: fields.joined(separator: "&"),
                                                   headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(answer == 200)
        #expect(String(decoding: thanks, as: UTF8.self).contains("Thank you"))
        #expect(try cli.cobrand("leads", "list", "--project", folder.path, "--format", "csv").stdout.contains(",ann@buyer.example,"))
    }
}
