import CobrandCore
import CobrandServer
@testable import CobrandStore
import CobrandUseCases
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("CRM updates API")
struct CRMRouteTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let secret = Data("crm-route-test-secret-0123456789".utf8)

    /// A server with one approved deal (id 1) and one lead (id 1) of alpha.
    func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> AppDatabase {
        let database = try AppDatabase(DatabaseQueue())
        let now = Self.now
        try database.record(Lead(partner: "alpha", campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                 email: EmailAddress("jane@acme.com")!, companyDomain: "acme.com"), ipHash: "h", signed: true,
                            now: now.addingTimeInterval(-2 * 86_400))
        let deal = try await database.register(DealRequest(partner: "alpha", domain: "acme.com", accountName: "Acme", value: Money(major: "18000", currency: "USD")!,
                                                     products: ["Stream"], expectedClose: "2027-03-31"),
                                         rules: DealRules(autoApproveBelow: ["USD": 2_500_000]), idempotencyKey: nil, now: now).deal
        #expect(deal.id == 1 && deal.status == .approved)
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let tracking = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { now })
        let crm = CRMRoutes(database: database, secret: Self.secret, now: { now })
        try await Application(router: CobrandServer.router(tracking: tracking, crm: crm)).test(.router) { client in try await body(client) }
        return database
    }

    static func signed(_ body: String, at timestamp: Int64 = Int64(now.timeIntervalSince1970), secret: Data = secret) -> HTTPFields {
        [.contentType: "application/json", HTTPField.Name("Cobrand-Timestamp")!: String(timestamp),
         HTTPField.Name("Cobrand-Signature")!: Webhook.signature(body: Data(body.utf8), timestamp: timestamp, secret: secret)]
    }

    static let won = #"{"event_id":"opp-1-won","type":"deal","deal_id":1,"crm_id":"006Q1","stage":"won","amount":"48000.00","currency":"USD","close_date":"2027-03-01","updated_at":"2027-01-15T07:30:00Z"}"#

    static func post(_ client: some TestClientProtocol, _ body: String, headers: HTTPFields) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/crm/updates", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            (response.status, (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
        }
    }

    static func state(_ database: AppDatabase) throws -> String {
        let deal = try database.deal(1)
        let lead = try database.leads().first
        let events = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT eventId FROM crmEvent ORDER BY eventId") }
        return "\(deal.status.rawValue) \(deal.outcome?.crmID ?? "-") \(lead?.qualification?.rawValue ?? "-") \(events)"
    }

    @Test("a bad signature, a stale timestamp, a missing header and a replay each change nothing")
    func refused() async throws {
        let database = try await withServer { client in
            let stale = Int64(Self.now.timeIntervalSince1970) - 301
            let cases: [(HTTPFields, String)] = [
                (Self.signed(Self.won, secret: Data("another-secret-of-the-same-size!".utf8)), "unauthorized"),
                (Self.signed(Self.won, at: stale), "stale"),
                (Self.signed(Self.won.replacingOccurrences(of: "48000.00", with: "1.00")), "unauthorized"),  // the body changed after signing
                ([.contentType: "application/json"], "unauthorized"),
            ]
            for (headers, code) in cases {
                let (status, body) = try await Self.post(client, Self.won, headers: headers)
                #expect(status == .unauthorized)
                #expect((body["error"] as? [String: Any])?["code"] as? String == code)
            }
        }
        #expect(try Self.state(database) == "approved - - []")
    }

    @Test("the same event twice is applied once; a batch reports each update; a replay within the window changes nothing")
    func idempotent() async throws {
        let database = try await withServer { client in
            var (status, body) = try await Self.post(client, Self.won, headers: Self.signed(Self.won))
            #expect(status == .ok)
            #expect(body["results"] as? [[String: String]] == [["event_id": "opp-1-won", "result": "applied"]])
            let batch = #"{"updates":[\#(Self.won),{"event_id":"opp-1-open","type":"deal","crm_id":"006Q1","stage":"open","updated_at":"2027-01-10T00:00:00Z"},{"event_id":"lead-1-q","type":"lead","lead_id":"1","crm_id":"00Q7","status":"qualified","updated_at":"2027-01-02T00:00:00Z"}]}"#
            (status, body) = try await Self.post(client, batch, headers: Self.signed(batch))
            #expect(status == .ok)
            #expect((body["results"] as? [[String: String]])?.map { $0["result"] ?? "" } == ["duplicate", "stale", "applied"])
            (status, body) = try await Self.post(client, batch, headers: Self.signed(batch))
            #expect((body["results"] as? [[String: String]])?.map { $0["result"] ?? "" } == ["duplicate", "duplicate", "duplicate"])
        }
        #expect(try Self.state(database) == "won 006Q1 qualified [\"lead-1-q\", \"opp-1-open\", \"opp-1-won\"]")
        #expect(try database.deal(1).outcome?.amount == Money(major: "48000.00", currency: "USD"))
    }

    @Test("an unknown deal is 404 and nothing of its batch is stored; a bad field is 422 naming it", arguments: [
        (#"{"updates":[{"event_id":"q","type":"lead","lead_id":1,"status":"qualified","updated_at":"2027-01-02T00:00:00Z"},{"event_id":"x","type":"deal","deal_id":77,"stage":"lost","close_date":"2027-01-02","updated_at":"2027-01-02T00:00:00Z"}]}"#,
         HTTPResponse.Status.notFound, "deal_id"),
        (#"{"event_id":"x","type":"deal","crm_id":"nope","stage":"lost","close_date":"2027-01-02","updated_at":"2027-01-02T00:00:00Z"}"#, .notFound, "deal_id"),
        (#"{"updates":[{"event_id":"q","type":"lead","lead_id":1,"status":"maybe","updated_at":"2027-01-02T00:00:00Z"}]}"#, .unprocessableContent, "updates[0].status"),
        (#"{"event_id":"x","type":"deal","deal_id":1,"stage":"won","amount":48000,"currency":"USD","close_date":"2027-01-02","updated_at":"2027-01-02T00:00:00Z"}"#,
         .unprocessableContent, "amount"),
        (#"[1,2]"#, .badRequest, nil),
        (#"{"updates":[]}"#, .badRequest, "updates"),
    ] as [(String, HTTPResponse.Status, String?)])
    func unknownAndInvalid(body: String, expected: HTTPResponse.Status, field: String?) async throws {
        let database = try await withServer { client in
            let (status, answer) = try await Self.post(client, body, headers: Self.signed(body))
            #expect(status == expected)
            #expect((answer["error"] as? [String: Any])?["field"] as? String == field)
        }
        #expect(try Self.state(database) == "approved - - []")
    }
}
