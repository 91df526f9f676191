import CobrandCore
import CobrandStore
import CobrandTesting
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The README's promise for a hard crash: `kill -9` under load loses at most the last 50 ms of answered
/// tracking hits. Measured, not assumed: `cobrand serve` as a subprocess, four keep-alive clients
/// fetching an open pixel as fast as it answers, SIGKILL, then the hits answered are compared with the
/// events in the database, and the difference is turned into milliseconds at the rate of the last half second.
@Suite("Crash loss bound", .serialized)
struct CrashLossTests {
    /// Answer times of one client's hits.
    final class Answers: Sendable {
        let times = NIOLockedValueBox<[ContinuousClock.Instant]>([])
    }

    /// Fetches `path` over one keep-alive connection until the server goes away; records each answer's time.
    static func hammer(port: Int, path: String, into answers: Answers) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var times: [ContinuousClock.Instant] = []
        times.reserveCapacity(200_000)
        defer { answers.times.withLockedValue { $0 = times } }
        while true {
            guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return }
            // One response: headers, then a 42-byte GIF.
            var received: [UInt8] = []
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                received += buffer[..<count]
                if let end = received.firstRange(of: Array("\r\n\r\n".utf8)), received.count >= end.upperBound + 42 { break }
            }
            guard received.starts(with: Array("HTTP/1.1 200".utf8)) else { return }
            times.append(.now)
        }
    }

    @Test("kill -9 under load loses at most 50 ms of answered hits")
    func killUnderLoad() async throws {
        // A second try when the first is over: the other suites run on this machine's two cores at the same
        // time, and a writer kept off the CPU for 100 ms by them is the machine's doing, not the server's.
        // A writer that holds more than 50 ms of hits fails both.
        var tries: [Double] = []
        while tries.count < 2, tries.last.map({ $0 > 50 }) ?? true {
            tries.append(try await Self.killOnce())
        }
        #expect(tries.last.map { $0 <= 50 } == true, "milliseconds of answered hits lost, by try: \(tries)")
    }

    /// Starts a server, loads it from four clients for 3 s, kills it; returns the milliseconds of answered hits lost.
    static func killOnce() async throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder, try Fixture.serverPages())
        let port = try CRMEndToEndTests.freePort()
        let databasePath = folder.appendingPathComponent("cobrand.sqlite").path
        let database = try AppDatabase.open(path: databasePath)
        let secret = try database.secret(AppDatabase.trackingSecretName) { Data(repeating: 3, count: 32) }
        let token = TrackingSigner(baseURL: "http://127.0.0.1:\(port)", secret: secret)
            .token(.init(kind: .open, partner: "alpha", campaign: "launch", asset: "hello", locale: "en-US"))
        let server = try CRMEndToEndTests.Server(project: folder, port: port)
        try await CRMEndToEndTests.waitUntil("serve answers") { (try? await CRMEndToEndTests.get("http://127.0.0.1:\(port)/healthz"))?.0 == 200 }

        let clients = (0..<4).map { _ in Answers() }
        let done = NIOLockedValueBox(0)
        for answers in clients {
            Thread.detachNewThread {
                Self.hammer(port: port, path: "/t/o/\(token).gif", into: answers)
                done.withLockedValue { $0 += 1 }
            }
        }
        try await Task.sleep(for: .seconds(3))
        let killedAt = ContinuousClock.now
        server.kill()
        try await CRMEndToEndTests.waitUntil("the clients stop") { done.withLockedValue { $0 } == clients.count }

        let times = clients.flatMap { $0.times.withLockedValue { $0 } }
        let answered = times.count
        let stored = try database.eventCount()
        let recent = times.filter { killedAt - $0 <= .milliseconds(500) }.count
        let rate = Double(recent) / 0.5
        let lostMilliseconds = Double(max(0, answered - stored)) / max(rate, 1) * 1000
        print("crash loss: \(answered) answered, \(stored) stored, \(Int(rate)) hits/s at the end: \(String(format: "%.1f", lostMilliseconds)) ms lost")
        #expect(answered > 1_000, "the load reached the server")
        #expect(stored <= answered + clients.count, "no event without an answered hit (one in flight per client at most)")
        return lostMilliseconds
    }
}
