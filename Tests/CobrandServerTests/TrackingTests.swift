import CobrandCore
@testable import CobrandServer
@testable import CobrandStore
import CobrandUseCases
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Tracking endpoints")
struct TrackingTests {
    let signer = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 9, count: 32))
    let stamp = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(_ kind: TrackingSigner.Kind, target: String? = nil) -> TrackingSigner.Claims {
        .init(kind: kind, partner: "acme", campaign: "launch", asset: "hello", locale: "de-DE", target: target)
    }

    /// The two ways a hit is answered: by the router, or on the event loop before it (a live server).
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case router, fastPath
        var testDescription: String { rawValue }
    }

    /// Runs `body` against a server with a fresh in-memory store; returns the events written afterwards.
    func withServer(_ path: Path, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> [Row] {
        let database = try AppDatabase(DatabaseQueue())
        let writer = EventWriter(database: database)
        let stamp = self.stamp
        let routes = TrackingRoutes(signer: signer, writer: writer, salt: Data("salt".utf8), now: { stamp })
        let router = CobrandServer.router(tracking: routes)
        switch path {
        case .router:
            try await Application(router: router).test(.router) { client in try await body(client) }
        case .fastPath:
            let app = Application(router: router, server: CobrandServer.http1(tracking: routes, logger: Logger(label: "test")))
            try await app.test(.live) { client in try await body(client) }
        }
        writer.flush()
        return try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT kind, partner, campaign, asset, locale, target, ipHash, agentClass FROM event") }
    }

    @Test("a signed open pixel answers a 42-byte GIF and records one open", arguments: Path.allCases)
    func pixel(path: Path) async throws {
        let token = signer.token(claims(.open))
        let rows = try await withServer(path) { client in
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

    @Test("a click redirects to exactly the signed target and records it", arguments: Path.allCases)
    func click(path: Path) async throws {
        let target = "https://vendor.example/page?utm_source=acme&x=1#top"
        let token = signer.token(claims(.click, target: target))
        let rows = try await withServer(path) { client in
            try await client.execute(uri: "/t/c/\(token)", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == target)
            }
        }
        #expect(rows.map { $0["target"] as String? } == [target])
    }

    @Test("tampered, foreign, wrong-kind and garbage tokens record nothing and never redirect", arguments: [
        ("/t/c/", 400), ("/t/o/", 404), ("/t/v/", 404),
    ], Path.allCases)
    func tampered(route: (prefix: String, status: Int), path: Path) async throws {
        let (prefix, status) = route
        let other = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 1, count: 32))
        let evil = other.token(claims(.click, target: "https://evil.example/"))
        let genuine = signer.token(claims(.click, target: "https://vendor.example/"))
        // Payload of a forged click with the genuine signature.
        let spliced = evil.split(separator: ".")[0] + "." + genuine.split(separator: ".")[1]
        let wrongKind = signer.token(claims(prefix == "/t/c/" ? .open : .click, target: prefix == "/t/c/" ? nil : "https://vendor.example/"))
        let suffix = prefix == "/t/o/" ? ".gif" : ""
        let rows = try await withServer(path) { client in
            for token in [evil, String(spliced), wrongKind, "not-a-token", "%2e%2e%2fetc", "\(genuine)/extra"] {
                try await client.execute(uri: "\(prefix)\(token)\(suffix)", method: .get) { response in
                    // A second path segment is no tracking route at all.
                    #expect(response.status.code == (token.contains("/") ? 404 : status), "\(token)")
                    #expect(response.headers[.location] == nil)
                }
            }
        }
        #expect(rows.isEmpty)
    }

    @Test("a token answered again, from the table of verified tokens, records every hit; a percent-encoded spelling is the same token; one changed byte, another kind or no .gif is refused",
          arguments: Path.allCases)
    func repeatedToken(path: Path) async throws {
        let token = signer.token(claims(.open))
        let first = try #require(token.unicodeScalars.first)
        let encoded = "%" + String(first.value, radix: 16, uppercase: true) + token.dropFirst()
        // A character inside the signature (a base64 digit whose bits all count) changed.
        let inside = token.index(token.endIndex, offsetBy: -5)
        let changed = token.replacingCharacters(in: inside...inside, with: token[inside] == "A" ? "g" : "A")
        let answers: [(uri: String, status: Int)] = [
            ("/t/o/\(token).gif", 200), ("/t/o/\(token).gif", 200), ("/t/o/\(encoded).gif", 200), ("/t/o/\(token).gif?utm=x", 200),
            ("/t/o/\(changed).gif", 404), ("/t/o/\(token)", 404), ("/t/o/\(token).gi", 404),
            // U+0600 joins the `.` after it into one Character; the token is cut as bytes, so it keeps the mark.
            ("/t/o/\(token)%D8%80.gif", 404),
            // The open token, already in the table, on the routes of other kinds.
            ("/t/v/\(token)", 404), ("/t/c/\(token)", 400),
        ]
        let rows = try await withServer(path) { client in
            for (uri, status) in answers {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status.code == status, "\(uri)")
                }
            }
        }
        #expect(rows.map { $0["kind"] as String? } == Array(repeating: "open", count: 4))
    }

    @Test("the table of verified tokens compares bytes: with every token hashed to one place, a forged token never gets the claims kept there")
    func verifiedTokensCompareBytes() {
        let table = VerifiedTokens(hash: { _ in 7 })
        let genuine = signer.token(claims(.open))
        let other = signer.token(claims(.view))
        let forged = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 1, count: 32)).token(claims(.open))
        #expect(table.claims(genuine[...], signer) == claims(.open))
        #expect(table.claims(forged[...], signer) == nil)
        #expect(table.claims("garbage", signer) == nil)
        #expect(table.claims(genuine[...], signer) == claims(.open))
        #expect(table.claims(other[...], signer) == claims(.view))
        #expect(table.claims(genuine[...], signer) == claims(.open))
    }

    @Test("the fast path's route splits /t/<kind>/<token>[?query] and nothing else", arguments: [
        ("/t/o/abc.gif", "o", "abc.gif"), ("/t/c/abc?x=1/2", "c", "abc"), ("/t/é/a", "é", "a"), ("/t/o/ab%2Fc", "o", "ab%2Fc"),
        ("/t/", nil, nil), ("/t/o", nil, nil), ("/t/o/", nil, nil), ("/t/o/?q", nil, nil), ("/t//a", "", "a"),
        ("/t/o/a/b", nil, nil), ("/x/o/a", nil, nil), ("", nil, nil),
    ] as [(String, String?, String?)])
    func route(uri: String, kind: String?, token: String?) {
        let route = TrackingFastPath.route(uri)
        #expect(route.map { String($0.kind) } == kind)
        #expect(route.map { String($0.token) } == token)
    }

    @Test("a click whose signed target could end its Location header (CR LF) or is no web address is refused, never redirected",
          arguments: ["https://vendor.example/\r\nSet-Cookie: session=1", "https://vendor.example/ page", "javascript:alert(1)", "//evil.example/"],
          Path.allCases)
    func unsafeTarget(target: String, path: Path) async throws {
        let token = signer.token(claims(.click, target: target))
        let rows = try await withServer(path) { client in
            for _ in 0..<2 {  // the second from the table of verified tokens, when there is one
                try await client.execute(uri: "/t/c/\(token)", method: .get) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.location] == nil)
                    #expect(response.headers[HTTPField.Name("Set-Cookie")!] == nil)
                }
            }
        }
        #expect(rows.isEmpty)
    }

    @Test("a page-view beacon records a view; healthz answers ok", arguments: Path.allCases)
    func view(path: Path) async throws {
        let token = signer.token(claims(.view))
        let rows = try await withServer(path) { client in
            try await client.execute(uri: "/t/v/\(token)", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
        #expect(rows.map { $0["kind"] as String? } == ["view"])
    }

    @Test("one keep-alive connection mixes routed requests and tracking hits; Connection: close and HTTP/1.0 are honoured")
    func keepAlive() async throws {
        let pixel = signer.token(claims(.open))
        let click = signer.token(claims(.click, target: "https://vendor.example/a?b=1"))
        let rows = try await withServer(.fastPath) { client in
            let port = try #require(client.port)
            try await offPool { try Self.keepAliveExchanges(port: port, pixel: pixel, click: click) }
        }
        #expect(rows.map { $0["kind"] as String? } == ["open", "click", "open"])
    }

    /// The keep-alive exchanges, blocking on sockets (run through `offPool`).
    static func keepAliveExchanges(port: Int, pixel: String, click: String) throws {
        let connection = try RawHTTP(port: port)
        #expect(try connection.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").hasSuffix("\r\n\r\nok\n"))
        // The pixel and the click, written as whole responses on the event loop.
        let gif = String(decoding: TrackingRoutes.pixel, as: UTF8.self)
        #expect(try connection.exchange("GET /t/o/\(pixel).gif HTTP/1.1\r\nHost: x\r\n\r\n")
            == "HTTP/1.1 200 OK\r\ncontent-type: image/gif\r\ncache-control: no-store, max-age=0\r\ncontent-length: 42\r\n\r\n\(gif)")
        #expect(try connection.exchange("GET /t/c/\(click) HTTP/1.1\r\nHost: x\r\n\r\n")
            == "HTTP/1.1 302 Found\r\nlocation: https://vendor.example/a?b=1\r\ncache-control: no-store\r\ncontent-length: 0\r\n\r\n")
        #expect(try connection.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
        let last = try connection.exchange("GET /t/o/nope.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(last.hasPrefix("HTTP/1.1 404 Not Found"))
        #expect(try connection.isClosed())
        // HTTP/1.0 without keep-alive: answered in 1.0 and closed.
        let old = try RawHTTP(port: port)
        #expect(try old.exchange("GET /t/o/\(pixel).gif HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.0 200 OK"))
        #expect(try old.isClosed())
    }
}

/// A raw HTTP/1.1 connection over a POSIX socket, to see exactly what goes over one TCP connection.
final class RawHTTP {
    let fd: Int32

    init(port: Int, receiveTimeout: Duration = .seconds(5)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let (seconds, attoseconds) = receiveTimeout.components
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: a class whose stored properties are set runs deinit when its init throws, and a second
        // close would close whatever file another test thread opened under the same number meanwhile.
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Sends one request and reads one response: headers, then Content-Length bytes of body.
    func exchange(_ request: String) throws -> String {
        let bytes = Array(request.utf8)
        guard Foundation.send(fd, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: reply, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { return text }
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw POSIXError(.ECONNRESET) }
            reply += buffer[..<count]
        }
    }

    /// True when the server has closed its side.
    func isClosed() throws -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Sends part of a request; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
    }

    /// What arrives before the receive timeout: "" when the server closed, nil when nothing came in time.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count > 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
        return count == 0 ? "" : nil
    }
}

/// Runs blocking socket calls on a thread of their own: blocking one of the few cooperative threads while
/// the server under test needs them for its handlers can stall both for the length of a timeout.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
