import CobrandCore
import CobrandServer
import CobrandStore
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
                                                           admin: AdminRoutes(database: database, now: { day })))
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
            try await client.execute(uri: "/admin/usage?from=2027-01-16&format=html", method: .get, headers: auth) { response in
                #expect(String(buffer: response.body).contains("<tbody>\n\n</tbody>"))
            }
            try await client.execute(uri: "/admin/usage?from=yesterday", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == #"{"error":{"code":"bad_date","field":"from","message":"from must be a day such as 2027-03-01"}}"#)
            }
        }
    }
}
