import CobrandCore
import CobrandServer
import CobrandStore
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
    /// A blocking TCP client with a receive timeout.
    final class RawSocket {
        let fd: Int32

        init(port: Int, receiveTimeout: Duration = .seconds(5)) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
            let (seconds, attoseconds) = receiveTimeout.components
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// False once the server has closed the connection.
        @discardableResult
        func send(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
        }

        /// What arrives before the peer closes or the receive timeout; nil when nothing arrived in time.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
            return count == 0 ? "" : nil  // 0: closed by the server; -1: timed out
        }
    }

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
                up = (try? RawSocket(port: port)) != nil
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
            let slow = try RawSocket(port: port, receiveTimeout: .milliseconds(50))
            let start = ContinuousClock.now
            slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            var closed = false
            for index in 0..<40 where !closed {
                try await Task.sleep(for: .milliseconds(50))
                closed = !slow.send("X-Slow-\(index): 1\r\n") || slow.receive() == ""
            }
            let elapsed = ContinuousClock.now - start
            #expect(closed, "the server still holds a head it has waited 2 s for")
            #expect(elapsed >= .milliseconds(400) && elapsed < .milliseconds(1_500), "closed after \(elapsed)")
            let quick = try RawSocket(port: port)
            quick.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(quick.receive()?.hasPrefix("HTTP/1.1 200 OK") == true)
        }
    }

    @Test("past the connection cap a new client waits instead of using up file descriptors, and is answered once the slow ones are cut off")
    func connectionCap() async throws {
        var limits = ConnectionLimits()
        limits.maxConnections = 20
        limits.headerTimeout = .milliseconds(600)
        try await Self.withServer(limits) { port in
            let slow = try (0..<20).map { _ in try RawSocket(port: port, receiveTimeout: .milliseconds(50)) }
            for socket in slow { socket.send("GET /healthz HTTP/1.1\r\n") }
            try await Task.sleep(for: .milliseconds(100))
            let waiting = try RawSocket(port: port, receiveTimeout: .milliseconds(200))
            waiting.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(waiting.receive() == nil, "the 21st connection was served while 20 were open")
            let patient = try RawSocket(port: port, receiveTimeout: .seconds(5))
            patient.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let start = ContinuousClock.now
            #expect(patient.receive()?.hasPrefix("HTTP/1.1 200 OK") == true)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(slow.allSatisfy { $0.receive() == "" }, "every slow connection was closed")
        }
    }
}
