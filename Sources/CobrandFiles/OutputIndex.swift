import CobrandCore
import Foundation
import Synchronization

/// `Output/index.json`: one entry per kit present in the output folder.
public struct OutputIndex: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public let campaign: String
        public let partner: String
        public let locale: String
        /// The kit folder, relative to the output folder.
        public let dir: String
        /// The zip, relative to the output folder.
        public let bundle: String
        /// SHA-256 of the zip.
        public let sha256: String
        /// Number of files in the kit, `manifest.json` included.
        public let files: Int

        public init(campaign: String, partner: String, locale: String, dir: String, bundle: String, sha256: String, files: Int) {
            self.campaign = campaign
            self.partner = partner
            self.locale = locale
            self.dir = dir
            self.bundle = bundle
            self.sha256 = sha256
            self.files = files
        }

        public init(kit: KitID, sha256: String, files: Int) {
            campaign = kit.campaign
            partner = kit.partner
            locale = kit.locale.identifier
            dir = kit.directory
            bundle = kit.bundle
            self.sha256 = sha256
            self.files = files
        }
    }

    public var kits: [Entry]

    public init(kits: [Entry]) { self.kits = kits.sorted { $0.dir < $1.dir } }

    public static let fileName = "index.json"

    /// An index (or commit journal) that is there but cannot be read.
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String {
            "\(path) cannot be read (\(reason)); restore it from a backup, or run a full cobrand build (no --partner, --campaign or --locale) to write a new one"
        }
    }

    /// The current index; nil when there is none yet. One that is there but unreadable (truncated, edited)
    /// is an error: a filtered build or a publish that went on would write an index listing only its own kits.
    public static func read(from output: URL) throws -> OutputIndex? {
        let path = output.appendingPathComponent(fileName).path
        guard let data = FileManager.default.contents(atPath: path) else {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            throw ReadError(path: path, reason: "it is not a readable file")
        }
        // The file is always read (on a shared folder, opening it is what makes another node's write visible);
        // only decoding thousands of entries again is skipped when the bytes are the ones last seen.
        if let known = lastKnown.withLock({ $0[path] }), known.data == data { return known.index }
        do {
            let index = try JSONDecoder().decode(OutputIndex.self, from: data)
            lastKnown.withLock { $0[path] = (data, index) }
            return index
        } catch {
            throw ReadError(path: path, reason: "not a JSON index: \(Self.summary(error))")
        }
    }

    /// The index each output folder had when this process last read or wrote it, with its bytes.
    private static let lastKnown = Mutex<[String: (data: Data, index: OutputIndex)]>([:])

    /// When `index.json`'s status last changed (its ctime: written and renamed into place); nil without one.
    static func changed(in output: URL) -> timespec? {
        var info = stat()
        guard stat(output.appendingPathComponent(fileName).path, &info) == 0 else { return nil }
        return info.st_ctim
    }

    static func summary(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case let .dataCorrupted(context), let .keyNotFound(_, context), let .typeMismatch(_, context), let .valueNotFound(_, context):
            return context.debugDescription
        @unknown default:
            return "\(decoding)"
        }
    }

    public func write(to output: URL) throws {
        let data = Data(json.utf8)
        try AtomicFile.write(data, to: output.appendingPathComponent(Self.fileName))
        Self.remember(data, self, in: output)
    }

    /// What `index.json` in `output` now holds, put there by this process.
    static func remember(_ data: Data, _ index: OutputIndex, in output: URL) {
        lastKnown.withLock { $0[output.appendingPathComponent(fileName).path] = (data, index) }
    }

    /// The file's text: what `JSONEncoder` writes with `.prettyPrinted`, `.sortedKeys` and `.withoutEscapingSlashes`
    /// (the bytes earlier versions wrote), and a newline; written directly, as it is thousands of entries long.
    var json: String {
        var out = "{\n  \"kits\" : [\n"
        out.reserveCapacity(300 * kits.count + 32)
        if kits.isEmpty { out += "\n" }
        for (number, kit) in kits.enumerated() {
            out += number == 0 ? "    {\n" : ",\n    {\n"
            for (name, value) in [("bundle", kit.bundle), ("campaign", kit.campaign), ("dir", kit.dir)] {
                out += "      \"\(name)\" : "
                JSONText.string(value, into: &out)
                out += ",\n"
            }
            out += "      \"files\" : \(kit.files),\n"
            for (name, value) in [("locale", kit.locale), ("partner", kit.partner)] {
                out += "      \"\(name)\" : "
                JSONText.string(value, into: &out)
                out += ",\n"
            }
            out += "      \"sha256\" : "
            JSONText.string(kit.sha256, into: &out)
            out += "\n    }"
        }
        out += kits.isEmpty ? "  ]\n}\n" : "\n  ]\n}\n"
        return out
    }
}

/// Whole-file writes that never leave a half-written file, even across a power cut: write beside, fsync,
/// rename over the old file, fsync the folder (so the rename itself is on disk).
public enum AtomicFile {
    /// Lets `produce` write a file at a temporary path beside `url` (and check it), then moves it over `url`;
    /// on any failure the temporary file goes and `url` stays as it was.
    public static func replace<T>(_ url: URL, producing produce: (URL) throws -> T) throws -> T {
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: folder.path,
                NSLocalizedDescriptionKey: "\(folder.path) does not exist; create the folder first"])
        }
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        defer { unlink(temp.path) }
        let value = try produce(temp)
        try KitStore.rename(temp, to: url)
        return value
    }

    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw KitStore.posixError("cannot create", temp.path) }
        var isOpen = true
        do {
            try KitStore.write(data, to: fd, path: temp.path)
            guard fsync(fd) == 0 else { throw KitStore.posixError("cannot sync", temp.path) }
            close(fd)
            isOpen = false
            try KitStore.rename(temp, to: url)
        } catch {
            if isOpen { close(fd) }
            unlink(temp.path)
            throw error
        }
        syncFolder(folder)
    }

    /// fsync of a folder, so the renames into it are on disk.
    static func syncFolder(_ folder: URL) {
        let directory = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
