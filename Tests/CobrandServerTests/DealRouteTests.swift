import CobrandCore
import CobrandServer
import CobrandStore
import CobrandUseCases
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Deal registration API")
struct DealRouteTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Tokens: Sendable { let alpha: String; let beta: String; let admin: String }

    func withServer(_ body: @Sendable (any TestClientProtocol, Tokens) async throws -> Void) async throws -> AppDatabase {
        let database = try AppDatabase(DatabaseQueue())
        var random = SystemRandomNumberGenerator()
        let tokens = Tokens(alpha: try database.issueToken(role: .partner, partner: "alpha", now: now, using: &random),
                            beta: try database.issueToken(role: .partner, partner: "beta", now: now, using: &random),
                            admin: try database.issueToken(role: .admin, partner: nil, now: now, using: &random))
        try database.record(Lead(partner: "alpha", campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                 email: EmailAddress("jane@emea.acme.com")!, companyDomain: "acme.com"), ipHash: "h", signed: true,
                            now: now.addingTimeInterval(-2 * 86_400))
        let now = self.now
        let deals = DealRoutes(database: database, rules: DealRules(autoApproveBelow: ["USD": 2_500_000]), now: { now })
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let tracking = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { now })
        try await Application(router: CobrandServer.router(tracking: tracking, deals: deals)).test(.router) { client in try await body(client, tokens) }
        return database
    }

    static func headers(_ token: String, key: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if let key { fields[HTTPField.Name("Idempotency-Key")!] = key }
        return fields
    }

    static let body = #"{"account_domain":"sales.acme.com","account_name":"Acme","value":"18000.00","currency":"USD","products":["Stream"],"expected_close":"2027-03-31"}"#

    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test("a partner registers a deal from a tracked lead and sees it approved; retries with the Idempotency-Key get the same one")
    func register() async throws {
        let database = try await withServer { client, tokens in
            let id = try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.alpha, key: "r1"), body: ByteBuffer(string: Self.body)) { response in
                #expect(response.status == .created)
                let deal = try Self.object(response.body)
                #expect(deal["status"] as? String == "approved")
                #expect(deal["rule"] as? String == "auto-approved")
                #expect(deal["account_domain"] as? String == "acme.com")
                #expect(deal["value"] as? String == "18000.00")
                #expect(deal["expires_at"] as? String == "2027-04-15T08:00:00Z")
                return try #require(deal["id"] as? Int)
            }
            try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.alpha, key: "r1"), body: ByteBuffer(string: Self.body)) { response in
                #expect(response.status == .ok)
                let deal = try Self.object(response.body)
                #expect(deal["id"] as? Int == id)
            }
            try await client.execute(uri: "/api/deals/\(id)", method: .get, headers: Self.headers(tokens.alpha)) { response in
                let deal = try Self.object(response.body)
                #expect(deal["status"] as? String == "approved")
            }
            // Another partner cannot see it, nor tell it exists.
            try await client.execute(uri: "/api/deals/\(id)", method: .get, headers: Self.headers(tokens.beta)) { response in
                #expect(response.status == .notFound)
            }
            // Beta's attempt is a conflict that names the rule and never the holder.
            try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.beta), body: ByteBuffer(string: Self.body)) { response in
                #expect(response.status == .conflict)
                let text = String(buffer: response.body)
                #expect(text.contains(#""rule":"held-by-another-partner""#))
                #expect(!text.contains("alpha"))
            }
        }
        await #expect(try database.deals().map(\.status) == [.conflict, .approved])
    }

    @Test("a deal can name a lead of the partner instead of a domain")
    func byLead() async throws {
        _ = try await withServer { client, tokens in
            let body = #"{"lead_id":1,"account_name":"Acme","value":90000,"currency":"USD","products":["Stream"],"expected_close":"2027-03-31"}"#
            try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.alpha), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let deal = try Self.object(response.body)
                #expect(deal["account_domain"] as? String == "acme.com")
                #expect(deal["status"] as? String == "pending")
                #expect(deal["rule"] as? String == "review-value")
            }
            try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.beta), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""field":"lead_id""#))
            }
        }
    }

    @Test("no token, an admin token or a bad field: 4xx JSON naming the field", arguments: [
        (#"{"account_domain":"acme","account_name":"A","value":"1","currency":"USD","products":["P"],"expected_close":"2027-01-01"}"#, "account_domain"),
        (#"{"account_domain":"a.com","value":"1","currency":"USD","products":["P"],"expected_close":"2027-01-01"}"#, "account_name"),
        (#"{"account_domain":"a.com","account_name":"A","value":1.5,"currency":"USD","products":["P"],"expected_close":"2027-01-01"}"#, "value"),
        (#"{"account_domain":"a.com","account_name":"A","value":"1","currency":"USD","products":"P","expected_close":"2027-01-01"}"#, "products"),
        (#"{"account_domain":"a.com","account_name":"A","value":"1","currency":"USD","products":["P"],"expected_close":"31/01/2027"}"#, "expected_close"),
    ])
    func badInput(body: String, field: String) async throws {
        _ = try await withServer { client, tokens in
            for token in ["nope", tokens.admin] {
                try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(token), body: ByteBuffer(string: Self.body)) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/api/deals", method: .post, headers: Self.headers(tokens.alpha), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let error = try #require(try Self.object(response.body)["error"] as? [String: String])
                #expect(error["field"] == field)
            }
        }
    }
}
