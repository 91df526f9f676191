import CobrandCore
import CobrandServer
import CobrandStore
import CobrandUseCases
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// A bounded slowloris client on 127.0.0.1 against a live server with small limits: heads trickled a line at
/// a time are cut off by the header timeout, the connection cap holds new connections back, and the server
/// answers again once the slow ones are gone.
@Suite("Connection limits", .serialized)
struct ConnectionLimitTests {
    static func freePort() -> Int { Int.random(in: 20_000..<32_000) }

    /// Runs a live server with `limits` on a free port for `body`.
    static func withServer(_ limits: ConnectionLimits, _ body: @Sendable (Int) async throws -> Void) async throws {
        let database = try AppDatabase(DatabaseQueue())
        let signer = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
        let routes = TrackingRoutes(signer: signer, writer: EventWriter(database: database), salt: Data(), now: { Date() })
        var logger = Logger(label: "limits")
        logger.logLevel = .critical
        for attempt in 0..<5 {
            let port = freePort()
            let app = Application(router: CobrandServer.router(tracking: routes), server: CobrandServer.http1(tracking: routes, limits: limits, logger: logger),
                                  configuration: CobrandServer.configuration(host: "127.0.0.1", port: port, limits: limits, logger: logger), logger: logger)
            let group = ServiceGroup(services: [app], logger: logger)
            let task = Task { try await group.run() }
            var up = false
            for _ in 0..<100 where !up {
                up = (try? await offPool { _ = try RawHTTP(port: port) }) != nil
                if !up { try await Task.sleep(for: .milliseconds(20)) }
            }
            guard up else { task.cancel(); if attempt == 4 { Issue.record("the server did not start") }; continue }
            do { try await body(port) } catch { await group.triggerGracefulShutdown(); throw error }
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            return
        }
    }

    @Test("a request head trickled one header at a time is cut off by the header timeout, though bytes keep arriving")
    func slowHeaders() async throws {
        var limits = ConnectionLimits()
        limits.headerTimeout = .milliseconds(400)
        limits.idleTimeout = .seconds(30)
        try await Self.withServer(limits) { port in
            try await offPool { try Self.trickle(port: port) }
        }
    }

    /// Sends a head one header line every 50 ms; blocking (run through `offPool`).
    static func trickle(port: Int) throws {
        // From before the connect: the server's timer starts when it accepts, which a loaded machine may
        // report to this thread late.
        let start = ContinuousClock.now
        let slow = try RawHTTP(port: port, receiveTimeout: .milliseconds(50))
        let closed = trickleHead(on: slow)
        let elapsed = ContinuousClock.now - start
        #expect(closed, "the server still holds a head it has waited 2 s for")
        #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(3), "closed after \(elapsed)")
        #expect(try RawHTTP(port: port).exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
    }

    /// Sends a request line, then a header line every 50 ms until the server closes (true) or 2 s pass.
    static func trickleHead(on connection: RawHTTP) -> Bool {
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for index in 0..<40 {
            Thread.sleep(forTimeInterval: 0.05)
            if !connection.send("X-Slow-\(index): 1\r\n") || connection.receive() == "" { return true }
        }
        return false
    }

    @Test("a keep-alive client whose heads come in time is served past the header timeout; its next head, trickled, is cut off")
    func timeoutAfterHits() async throws {
        var limits = ConnectionLimits()
        limits.headerTimeout = .milliseconds(300)
        limits.idleTimeout = .seconds(30)
        let pixel = TrackingSigner(baseURL: "http://t", secret: Data(repeating: 1, count: 32))
            .token(.init(kind: .open, partner: "p", campaign: "c", asset: "a", locale: "en-US"))
        try await Self.withServer(limits) { port in
            try await offPool { try Self.hitsThenTrickle(port: port, pixel: pixel) }
        }
    }

    /// Twelve requests 100 ms apart (1.2 s, four header timeouts), pixels on the fast path and a routed one
    /// among them, then a head trickled line by line; blocking (run through `offPool`).
    static func hitsThenTrickle(port: Int, pixel: String) throws {
        // The default receive timeout: a loaded machine may answer a hit late. The trickle's first receive
        // then waits for the close itself.
        let connection = try RawHTTP(port: port)
        for index in 0..<12 {
            let path = index == 5 ? "/healthz" : "/t/o/\(pixel).gif"
            #expect(try connection.exchange("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"), "request \(index)")
            Thread.sleep(forTimeInterval: 0.1)
        }
        let start = ContinuousClock.now
        let closed = trickleHead(on: connection)
        let elapsed = ContinuousClock.now - start
        #expect(closed, "the server still holds a head it has waited 2 s for")
        #expect(elapsed >= .milliseconds(150) && elapsed < .seconds(3), "closed after \(elapsed)")
    }

    @Test("past the connection cap a new client waits instead of using up file descriptors, and is answered once the slow ones are cut off")
    func connectionCap() async throws {
        var limits = ConnectionLimits()
        limits.maxConnections = 20
        limits.headerTimeout = .milliseconds(600)
        try await Self.withServer(limits) { port in
            try await offPool { try Self.flood(port: port) }
        }
    }

    /// Holds 20 half-sent requests against a cap of 20, then asks for /healthz; blocking (run through `offPool`).
    static func flood(port: Int) throws {
        let slow = try (0..<20).map { _ in try RawHTTP(port: port, receiveTimeout: .milliseconds(50)) }
        for socket in slow { socket.send("GET /healthz HTTP/1.1\r\n") }
        Thread.sleep(forTimeInterval: 0.1)
        let waiting = try RawHTTP(port: port, receiveTimeout: .milliseconds(200))
        waiting.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(waiting.receive() == nil, "the 21st connection was served while 20 were open")
        let patient = try RawHTTP(port: port, receiveTimeout: .seconds(5))
        let start = ContinuousClock.now
        #expect(try patient.exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
        #expect(ContinuousClock.now - start < .seconds(3))
        // A close can still be in flight on a loaded machine: wait up to 2 s for each end of stream.
        let deadline = ContinuousClock.now + .seconds(2)
        #expect(slow.allSatisfy { socket in
            while ContinuousClock.now < deadline { if let received = socket.receive() { return received == "" } }
            return false
        }, "every slow connection was closed")
    }
}
