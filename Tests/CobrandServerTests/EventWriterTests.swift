import CobrandCore
import CobrandFiles
import CobrandServer
@testable import CobrandStore
import CobrandUseCases
import Foundation
import Synchronization
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The event writer's promise: a database that is locked, vacuumed or on a full disk never ends the server
/// or loses an answered hit; hits wait in the spool and are replayed in order; past the limits they get 503.
@Suite("Event writer: spool, replay and limits", .serialized)
struct EventWriterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ index: Int) -> AssetEvent {
        AssetEvent(kind: .open, partner: "p", campaign: "c", asset: "a\(index)", locale: "en-US",
                   occurredAt: now.addingTimeInterval(Double(index) / 1000), ipHash: "h\(index)", agentClass: "desktop")
    }

    /// A file database whose writes give up after 50 ms of waiting for a lock, and a folder for its spool.
    final class Files: Sendable {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-events-\(UUID().uuidString)")
        var path: String { folder.appendingPathComponent("cobrand.sqlite").path }
        var spoolFolder: URL { folder.appendingPathComponent("cobrand.sqlite.events-spool") }

        init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: folder) }

        func database() throws -> AppDatabase {
            var configuration = Configuration()
            configuration.busyMode = .timeout(0.05)
            return try AppDatabase(DatabasePool(path: path, configuration: configuration), path: path)
        }

        func spool() throws -> EventSpool { try EventSpool(folder: spoolFolder) }

        /// Another connection's `BEGIN EXCLUSIVE`, held on a thread of its own until `release`.
        func exclusiveLock() throws -> HeldLock { try HeldLock(path: path) }

        func release(_ lock: HeldLock) { lock.release() }

        func spooled() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: spoolFolder.path).sorted() }
    }

    final class HeldLock: Sendable {
        let held = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

        init(path: String) throws {
            let queue = try DatabaseQueue(path: path)
            DispatchQueue.global().async { [held, released, done] in
                try? queue.inTransaction(.exclusive) { _ in
                    held.signal()
                    released.wait()
                    return .rollback
                }
                done.signal()
            }
            held.wait()
        }

        func release() {
            released.signal()
            done.wait()
        }
    }

    static func assets(_ database: AppDatabase) throws -> [String] {
        try database.writer.read { db in try String.fetchAll(db, sql: "SELECT asset FROM event ORDER BY id") }
    }

    @Test("events recorded from many tasks are all written by one flush, in one transaction")
    func manyTasks() async throws {
        let database = try AppDatabase(DatabaseQueue())
        let writer = EventWriter(database: database)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<250 { writer.record(Self.event(task * 1000 + index)) }
                }
            }
        }
        #expect(try database.eventCount() == 0)
        #expect(writer.flush() == 2_000)
        #expect(try database.eventCount() == 2_000)
        #expect(writer.flush() == 0)
    }

    @Test("a held BEGIN EXCLUSIVE: batches are spooled, health says so, and all are replayed in order once it is released")
    func heldLock() throws {
        let files = try Files()
        let database = try files.database()
        let writer = EventWriter(database: database, spool: try files.spool())
        for index in 0..<100 { #expect(writer.record(Self.event(index))) }
        let lock = try files.exclusiveLock()
        #expect(writer.flush() == 0)
        for index in 100..<150 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 0)
        #expect(writer.health == .spooling(waiting: 150))
        #expect(try files.spooled().count == 2)
        files.release(lock)
        for index in 150..<160 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 160)
        #expect(try Self.assets(database) == (0..<160).map { "a\($0)" })
        #expect(try files.spooled().isEmpty)
        #expect(writer.health == .writing)
    }

    @Test("the spool outlives the process: a new writer replays it, and a segment replayed before a crash is not replayed twice")
    func restart() throws {
        let files = try Files()
        let database = try files.database()
        do {
            let writer = EventWriter(database: database, spool: try files.spool())
            for index in 0..<30 { writer.record(Self.event(index)) }
            let lock = try files.exclusiveLock()
            #expect(writer.stop() == 0, "stopping with the database locked spools everything")
            files.release(lock)
        }
        let names = try files.spooled()
        #expect(names.count == 1)
        // A crash between committing a replayed segment and deleting its file: the name is marked already.
        var spool = try files.spool()
        let segment = try #require(spool.segments.first)
        #expect(try database.insert(try spool.read(segment).events, spoolSegment: segment.name, now: Self.now))
        spool = try files.spool()
        let writer = EventWriter(database: database, spool: spool)
        #expect(writer.health == .spooling(waiting: 1))
        #expect(writer.flush() == 0)
        #expect(try Self.assets(database) == (0..<30).map { "a\($0)" })
        #expect(try files.spooled().isEmpty)
    }

    @Test("with nowhere to keep more, record refuses past the queue limit and the pixel answers 503; then it recovers")
    func limits() async throws {
        let files = try Files()
        let database = try files.database()
        var limits = EventWriter.Limits()
        limits.queuedEvents = 10
        let writer = EventWriter(database: database, limits: limits)
        let signer = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 9, count: 32))
        let routes = TrackingRoutes(signer: signer, writer: writer, salt: Data("salt".utf8), now: { Self.now })
        let token = signer.token(.init(kind: .open, partner: "acme", campaign: "launch", asset: "hello", locale: "de-DE"))
        let lock = try files.exclusiveLock()
        try await Application(router: CobrandServer.router(tracking: routes)).test(.router) { client in
            for _ in 0..<10 {
                try await client.execute(uri: "/t/o/\(token).gif", method: .get) { #expect($0.status == .ok) }
            }
            #expect(writer.flush() == 0)
            try await client.execute(uri: "/t/o/\(token).gif", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "refusing: 10 events wait for the database; new hits get 503\n")
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            files.release(lock)
            #expect(writer.flush() == 10)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/t/o/\(token).gif", method: .get) { #expect($0.status == .ok) }
        }
        #expect(writer.flush() == 1)
        #expect(try database.eventCount() == 11)
    }

    @Test("a spool that refuses too (its folder is gone) keeps batches in memory, in order, until the database is back")
    func spoolRefuses() throws {
        let files = try Files()
        let database = try files.database()
        let writer = EventWriter(database: database, spool: try files.spool())
        try FileManager.default.removeItem(at: files.spoolFolder)
        try Data("not a folder".utf8).write(to: files.spoolFolder)
        let lock = try files.exclusiveLock()
        for index in 0..<20 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 0)
        for index in 20..<25 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 0)
        #expect(writer.health == .spooling(waiting: 25))
        files.release(lock)
        #expect(writer.flush() == 25)
        #expect(try Self.assets(database) == (0..<25).map { "a\($0)" })
    }

    @Test("ticking on its own: a lock held across many ticks never ends the writer, and nothing answered is lost")
    func ticking() async throws {
        let files = try Files()
        let database = try files.database()
        var limits = EventWriter.Limits()
        limits.retryMin = .milliseconds(20)
        limits.retryMax = .milliseconds(40)
        let writer = EventWriter(database: database, spool: try files.spool(), limits: limits)
        writer.start()
        let lock = try files.exclusiveLock()
        for index in 0..<500 { writer.record(Self.event(index)) }
        try await Self.waitUntil("events are spooled") { (try? files.spooled().isEmpty) == false }
        for index in 500..<1000 { writer.record(Self.event(index)) }
        files.release(lock)
        try await Self.waitUntil("all events are stored") { (try? database.eventCount()) == 1000 }
        writer.stop()
        #expect(try Self.assets(database) == (0..<1000).map { "a\($0)" })
        #expect(try files.spooled().isEmpty)
    }

    /// The database, behind a gate the first insert waits at: an insert that is slow but succeeds.
    final class SlowSink: EventSink {
        let database: AppDatabase
        let entered = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
        private let first = Mutex(true)
        let batches = Mutex<[Int]>([])

        init(_ database: AppDatabase) { self.database = database }

        func insert(_ events: [AssetEvent]) throws {
            if first.withLock({ let was = $0; $0 = false; return was }) {
                entered.signal()
                gate.wait()
            }
            try database.insert(events)
            if !events.isEmpty { batches.withLock { $0.append(events.count) } }
        }

        func insert(_ events: [AssetEvent], spoolSegment: String, now: Date) throws -> Bool {
            try database.insert(events, spoolSegment: spoolSegment, now: now)
        }
    }

    @Test("while an insert is under way, later hits wait in memory for the next insert; past spoolAfter they go to the spool",
          arguments: [false, true])
    func slowInsert(pastSpoolAfter: Bool) async throws {
        let files = try Files()
        let database = try files.database()
        let sink = SlowSink(database)
        var limits = EventWriter.Limits()
        limits.interval = .milliseconds(5)
        limits.spoolAfter = pastSpoolAfter ? .milliseconds(20) : .seconds(30)
        let writer = EventWriter(database: sink, spool: try files.spool(), limits: limits)
        for index in 0..<10 { writer.record(Self.event(index)) }
        writer.start()
        sink.entered.wait()
        for index in 10..<30 { writer.record(Self.event(index)) }
        try await Task.sleep(for: .milliseconds(200))  // forty ticks while the insert is held
        #expect(try files.spooled().isEmpty == !pastSpoolAfter)
        #expect(writer.health == (pastSpoolAfter ? .spooling(waiting: 20) : .writing))
        sink.gate.signal()
        try await Self.waitUntil("all events are stored") { (try? database.eventCount()) == 30 }
        writer.stop()
        #expect(try Self.assets(database) == (0..<30).map { "a\($0)" })
        #expect(try files.spooled().isEmpty)
        if !pastSpoolAfter { #expect(sink.batches.withLock { $0 } == [10, 20]) }
    }

    /// Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped.
    static let canMount = getuid() == 0

    @Test("a full disk (a 20 MB tmpfs): the database and the spool both refuse, hits wait in memory, and none is lost once there is room",
          .enabled(if: canMount))
    func diskFull() throws {
        let files = try Files()
        let mount = files.folder.path
        #expect(Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", mount) == 0)
        defer { _ = Self.run("/bin/umount", "-l", mount) }
        let database = try files.database()
        let writer = EventWriter(database: database, spool: try files.spool())
        for index in 0..<1000 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 1000)
        // Fill the disk to the last byte.
        let filler = files.folder.appendingPathComponent("filler")
        #expect(FileManager.default.createFile(atPath: filler.path, contents: nil))
        let handle = try FileHandle(forWritingTo: filler)
        let chunk = Data(repeating: 0, count: 64 << 10)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        while (try? handle.write(contentsOf: Data(count: 512))) != nil {}
        try handle.close()
        for index in 1000..<4000 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 0)
        for index in 4000..<5000 { writer.record(Self.event(index)) }
        #expect(writer.flush() == 0)
        #expect(writer.health == .spooling(waiting: 4000))
        try FileManager.default.removeItem(at: filler)
        #expect(writer.flush() == 4000)
        #expect(try Self.assets(database) == (0..<5000).map { "a\($0)" })
    }

    static func run(_ tool: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Polls `condition` every 10 ms for up to 10 s: the writer's timer runs on its own clock.
    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("timed out waiting until \(what)"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
