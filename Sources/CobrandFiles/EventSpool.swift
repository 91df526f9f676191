import CobrandCore
import Foundation

/// Tracking events that were answered while the database could not take them, kept on disk until it can:
/// a folder of append-only segment files (`<sequence>-<run>.jsonl`, one JSON event per line), replayed in
/// sequence order. Appends reach the page cache with `write(2)`, so they survive the process being killed.
///
/// Not thread-safe: `EventWriter` calls it under its own lock, and reads closed segments only.
public struct EventSpool: Sendable {
    public let folder: URL
    /// Segments on disk, oldest first, with their sizes.
    public private(set) var segments: [Segment] = []
    /// The sequence of the segment appends go to, until `close()`.
    private var open: UInt64?

    /// This process's mark in segment names: with it a name is never reused, even when a later run's
    /// sequence starts again at 1 in an empty folder (the database remembers replayed names).
    public let run: String

    public struct Segment: Sendable, Equatable {
        /// Orders segments; the next sequence starts above every file found.
        public let sequence: UInt64
        public let run: String
        public var bytes: Int64
        public var events: Int
        public var name: String { String(format: "%020llu", sequence) + "-\(run).jsonl" }
    }

    public enum SpoolError: Error, CustomStringConvertible {
        case io(path: String, errno: Int32)
        case inUse(path: String)

        public var description: String {
            switch self {
            case let .io(path, code): "\(path): \(String(cString: strerror(code))); free disk space or make the folder writable"
            case let .inUse(path):
                "\(path) is in use by another cobrand serve; give each server on this machine its own --node (or its own --db file)"
            }
        }
    }

    /// A server's hold on its spool folder, for as long as it keeps this (a lock file that dies with the process).
    public struct Claim: Sendable {
        let lock: OutputLock
    }

    /// Takes `folder` for this process: a second server on the same spool is refused rather than mixed in.
    public static func claim(_ folder: URL) throws -> Claim {
        guard let lock = try OutputLock.tryAcquire(folder) else { throw SpoolError.inUse(path: folder.path) }
        return Claim(lock: lock)
    }

    /// Opens (creating) the folder and lists the segments a previous run left.
    public init(folder: URL) throws {
        self.folder = folder
        run = String(UUID().uuidString.prefix(8)).lowercased()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let parts = name.dropLast(6).split(separator: "-", maxSplits: 1)
            guard name.hasSuffix(".jsonl"), parts.count == 2, let sequence = UInt64(parts[0]) else { continue }
            let size = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? NSNumber
            segments.append(Segment(sequence: sequence, run: String(parts[1]), bytes: size?.int64Value ?? 0, events: 0))
        }
        segments.sort { $0.sequence < $1.sequence }
    }

    public var isEmpty: Bool { segments.isEmpty }
    public var bytes: Int64 { segments.reduce(0) { $0 + $1.bytes } }
    /// Events appended by this process; segments found at start count once read.
    public var events: Int { segments.reduce(0) { $0 + $1.events } }
    /// The sequence the next batch gets: above every segment on disk.
    public var nextSequence: UInt64 { (segments.last?.sequence ?? 0) + 1 }

    /// Appends `events` to the open segment, or starts one numbered `sequence`; `separate` puts them in a
    /// closed segment of their own at `sequence` (a batch that failed in flight is older than the segments
    /// spooled while it was being tried). Either the whole batch is written or (disk full) the segment is
    /// cut back to where it was and the error thrown.
    public mutating func append(_ events: [AssetEvent], sequence: UInt64, separate: Bool = false) throws {
        guard !events.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        var data = Data()
        for event in events {
            data.append(try encoder.encode(event))
            data.append(0x0A)
        }
        let index: Int
        if !separate, let open, let current = segments.firstIndex(where: { $0.sequence == open && $0.run == run }) {
            index = current
        } else {
            index = segments.firstIndex { $0.sequence > sequence } ?? segments.endIndex
            segments.insert(Segment(sequence: sequence, run: run, bytes: 0, events: 0), at: index)
            if !separate { open = sequence }
        }
        let path = folder.appendingPathComponent(segments[index].name).path
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        let written = fd < 0 ? -1 : data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 { if errno == EINTR { continue }; return -1 }
                offset += count
            }
            return offset
        }
        guard written == data.count else {
            // Disk full or no folder: cut the segment back to where it was, and forget it if it is new.
            let code = errno
            if fd >= 0 { _ = ftruncate(fd, off_t(segments[index].bytes)); _ = Foundation.close(fd) }
            if segments[index].bytes == 0 {
                unlink(path)
                if open == segments[index].sequence, !separate { open = nil }
                segments.remove(at: index)
            }
            throw SpoolError.io(path: path, errno: code)
        }
        _ = Foundation.close(fd)
        segments[index].bytes += Int64(data.count)
        segments[index].events += events.count
    }

    /// Ends the open segment: the next append starts a new one, so the closed ones can be replayed.
    public mutating func close() { open = nil }

    /// The closed segments, oldest first.
    public var closed: [Segment] { segments.filter { $0.sequence != open || $0.run != run } }

    /// The events of a closed segment, in order. A line cut short by a crash mid-append is skipped and counted.
    public func read(_ segment: Segment) throws -> (events: [AssetEvent], skipped: Int) {
        let url = folder.appendingPathComponent(segment.name)
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        var events: [AssetEvent] = []
        var skipped = 0
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            if let event = try? decoder.decode(AssetEvent.self, from: line) { events.append(event) } else { skipped += 1 }
        }
        return (events, skipped)
    }

    /// Deletes a replayed segment.
    public mutating func remove(_ segment: Segment) throws {
        guard let index = segments.firstIndex(of: segment) ?? segments.firstIndex(where: { $0.name == segment.name }) else { return }
        try FileManager.default.removeItem(at: folder.appendingPathComponent(segment.name))
        if open == segment.sequence, segment.run == run { open = nil }
        segments.remove(at: index)
    }
}
