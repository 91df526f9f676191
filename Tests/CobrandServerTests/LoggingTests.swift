import CobrandServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Logs")
struct LoggingTests {
    /// Lines written by a JSON log handler, kept in memory.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var objects: [[String: Any]] {
            lock.withLock { lines }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    @Test("a JSON log line is one object with time, level, label, message and the metadata")
    func jsonLine() throws {
        let line = JSONLogHandler.line(time: Date(timeIntervalSince1970: 1_800_000_000), level: .warning, label: "cobrand",
                                       message: "say \"hi\"", metadata: ["path": "/portal", "nested": ["a": "1"], "list": ["x", "y"]])
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "say \"hi\"")
        #expect(object["path"] as? String == "/portal")
        #expect((object["nested"] as? [String: String])?["a"] == "1")
        #expect(object["list"] as? [String] == ["x", "y"])
    }

    @Test("every request is logged once answered, with method, path and status; tracking hits only at debug")
    func requests() async throws {
        let lines = Lines()
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, write: lines.append) }
        logger.logLevel = .info
        let router = Router()
        router.add(middleware: RequestLogMiddleware())
        router.get("/page") { _, _ in "page" }
        router.get("/t/o/{token}") { _, _ in "pixel" }
        let app = Application(router: router, logger: logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/page", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/missing", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/t/o/x.gif", method: .get) { #expect($0.status == .ok) }
        }
        let requests = lines.objects.filter { $0["message"] as? String == "request" }
        #expect(requests.map { $0["path"] as? String } == ["/page", "/missing"])
        #expect(requests.map { $0["status"] as? String } == ["200", "404"])
        #expect(requests.map { $0["level"] as? String } == ["info", "warning"])
        #expect(requests.allSatisfy { $0["method"] as? String == "GET" && $0["ms"] != nil })
    }
}
