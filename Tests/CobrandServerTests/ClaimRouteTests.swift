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

@Suite("MDF claims API")
struct ClaimRouteTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15

    @Test("a partner claims against its allocation with a proof, sees its own claim only, and gets 4xx naming the field")
    func claims() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-proofs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try AppDatabase(DatabaseQueue())
        try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"))], period: Period("2026-Q4")!,
                              deadlineDays: 60, actor: "test", now: now)
        var random = SystemRandomNumberGenerator()
        let alpha = try database.issueToken(role: .partner, partner: "alpha", now: now, using: &random)
        let beta = try database.issueToken(role: .partner, partner: "beta", now: now, using: &random)
        let now = self.now
        let routes = ClaimRoutes(database: database, campaigns: ["launch"], proofFolder: folder, now: { now })
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let tracking = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { now })
        @Sendable func headers(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }
        let proof = Data("%PDF-1.4 invoice".utf8).base64EncodedString()
        let body = #"{"campaign":"launch","activity":"email","activity_start":"2026-11-02","activity_end":"2026-11-20","amount":"2400.00","currency":"EUR","invoice":"INV-7","results":{"emails_sent":5000},"proofs":[{"name":"../invoice.pdf","content_base64":"\#(proof)"}]}"#
        try await Application(router: CobrandServer.router(tracking: tracking, claims: routes)).test(.router) { client in
            let id = try await client.execute(uri: "/api/mdf/claims", method: .post, headers: headers(alpha), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let claim = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(claim["period"] as? String == "2026-Q4")
                #expect(claim["status"] as? String == "submitted")
                let proofs = try #require(claim["proofs"] as? [[String: Any]])
                #expect(proofs.first?["name"] as? String == "invoice.pdf")
                return try #require(claim["id"] as? Int)
            }
            try await client.execute(uri: "/api/mdf/claims/\(id)", method: .get, headers: headers(beta)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/mdf/claims/\(id)", method: .get, headers: headers(alpha)) { #expect($0.status == .ok) }
            // Beta has no allocation: 422 naming the activity's start.
            try await client.execute(uri: "/api/mdf/claims", method: .post, headers: headers(beta), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains(#""field":"activity_start""#))
            }
            let bad = body.replacingOccurrences(of: #""activity":"email""#, with: #""activity":"billboard""#)
            try await client.execute(uri: "/api/mdf/claims", method: .post, headers: headers(alpha), body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""field":"activity""#))
            }
        }
        let sha = Checksum.sha256(Data("%PDF-1.4 invoice".utf8))
        #expect(FileManager.default.contents(atPath: folder.appendingPathComponent(sha).path) == Data("%PDF-1.4 invoice".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [sha])
        await #expect(try database.balances(period: "2026-Q4").first?.claimed == "2400.00")
        #expect(try database.verifyAudit() == nil && database.auditCount() == 2)
    }

    @Test("claims after the deadline are refused")
    func deadline() throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.allocate([.init(partner: "alpha", amount: Money(amountMinor: 500_000, currency: "EUR"), deadline: "2027-01-14")],
                              period: Period("2026-Q4")!, deadlineDays: 60, actor: "test", now: now)
        let request = try ClaimRequest.validated(partner: "alpha", campaign: "launch", activity: "email", start: "2026-11-02", end: "2026-11-20",
                                                 amount: "10", currency: "EUR", invoice: "I", results: nil, campaigns: ["launch"])
        #expect(throws: AppDatabase.ClaimError.pastDeadline(period: "2026-Q4", deadline: "2027-01-14")) {
            try database.submit(request, proofs: [], idempotencyKey: nil, actor: "t", now: now)
        }
    }
}
