import CobrandCore
import CobrandServer
import CobrandStore
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Tracking endpoints")
struct TrackingTests {
    let signer = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 9, count: 32))
    let stamp = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(_ kind: TrackingSigner.Kind, target: String? = nil) -> TrackingSigner.Claims {
        .init(kind: kind, partner: "acme", campaign: "launch", asset: "hello", locale: "de-DE", target: target)
    }

    /// Runs `body` against the router with a fresh in-memory store; returns the events written afterwards.
    func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> [Row] {
        let database = try AppDatabase(DatabaseQueue())
        let writer = EventWriter(database: database)
        let stamp = self.stamp
        let routes = TrackingRoutes(signer: signer, writer: writer, salt: Data("salt".utf8), now: { stamp })
        let app = Application(router: CobrandServer.router(tracking: routes))
        try await app.test(.router) { client in try await body(client) }
        try writer.flush()
        return try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT kind, partner, campaign, asset, locale, target, ipHash, agentClass FROM event") }
    }

    @Test("a signed open pixel answers a 42-byte GIF and records one open")
    func pixel() async throws {
        let token = signer.token(claims(.open))
        let rows = try await withServer { client in
            try await client.execute(uri: "/t/o/\(token).gif", method: .get, headers: [.userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/gif")
                #expect(Array(buffer: response.body) == TrackingRoutes.pixel)
                #expect(response.body.readableBytes == 42)
            }
        }
        #expect(rows.count == 1)
        #expect(rows.first?["kind"] == "open")
        #expect(rows.first?["partner"] == "acme")
        #expect(rows.first?["agentClass"] == "mobile")
        #expect((rows.first?["ipHash"] as String?)?.count == 32)
    }

    @Test("a click redirects to exactly the signed target and records it")
    func click() async throws {
        let target = "https://vendor.example/page?utm_source=acme&x=1#top"
        let token = signer.token(claims(.click, target: target))
        let rows = try await withServer { client in
            try await client.execute(uri: "/t/c/\(token)", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == target)
            }
        }
        #expect(rows.map { $0["target"] as String? } == [target])
    }

    @Test("tampered, foreign, wrong-kind and garbage tokens record nothing and never redirect", arguments: [
        ("/t/c/", 400), ("/t/o/", 404), ("/t/v/", 404),
    ])
    func tampered(prefix: String, status: Int) async throws {
        let other = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 1, count: 32))
        let evil = other.token(claims(.click, target: "https://evil.example/"))
        let genuine = signer.token(claims(.click, target: "https://vendor.example/"))
        // Payload of a forged click with the genuine signature.
        let spliced = evil.split(separator: ".")[0] + "." + genuine.split(separator: ".")[1]
        let wrongKind = signer.token(claims(prefix == "/t/c/" ? .open : .click, target: prefix == "/t/c/" ? nil : "https://vendor.example/"))
        let suffix = prefix == "/t/o/" ? ".gif" : ""
        let rows = try await withServer { client in
            for token in [evil, String(spliced), wrongKind, "not-a-token", "%2e%2e%2fetc"] {
                try await client.execute(uri: "\(prefix)\(token)\(suffix)", method: .get) { response in
                    #expect(response.status.code == status, "\(token)")
                    #expect(response.headers[.location] == nil)
                }
            }
        }
        #expect(rows.isEmpty)
    }

    @Test("a page-view beacon records a view; healthz answers ok")
    func view() async throws {
        let token = signer.token(claims(.view))
        let rows = try await withServer { client in
            try await client.execute(uri: "/t/v/\(token)", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
        #expect(rows.map { $0["kind"] as String? } == ["view"])
    }
}
