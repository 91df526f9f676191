import CobrandCore
import Foundation

/// The output folder: kit folders, zips and `index.json`. Kits appear whole or not at all.
///
/// A kit is written into `.cobrand-tmp/` inside the output folder (same file system), then its zip and
/// folder are renamed into place. A process killed mid-write leaves only temp files, which the next
/// build deletes; the old kit stays until the new one is complete.
public struct KitStore: Sendable {
    public let output: URL
    /// Called after each file of a kit is written to the temp folder; tests throw from it to simulate a crash.
    let afterFileWrite: (@Sendable (KitID, String) throws -> Void)?

    static let tempFolder = ".cobrand-tmp"

    public init(output: URL, afterFileWrite: (@Sendable (KitID, String) throws -> Void)? = nil) {
        self.output = output
        self.afterFileWrite = afterFileWrite
    }

    var temp: URL { output.appendingPathComponent(Self.tempFolder) }

    /// Removes what an interrupted build left behind.
    public func removeLeftovers() throws {
        if FileManager.default.fileExists(atPath: temp.path) { try FileManager.default.removeItem(at: temp) }
    }

    /// An existing kit whose inputs hash equals `inputsHash`: its index entry and the bytes of its files.
    /// Nil when the kit must be built (missing, changed, or its manifest or zip unreadable).
    public func existing(_ kit: KitID, inputsHash: String) -> (entry: OutputIndex.Entry, bytes: Int)? {
        let folder = output.appendingPathComponent(kit.directory)
        // Anything missing or unreadable just means the kit is built again.
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path),
              let manifest = try? JSONDecoder().decode(KitManifest.self, from: data),
              manifest.inputsSHA256 == inputsHash,
              let zip = FileManager.default.contents(atPath: output.appendingPathComponent(kit.bundle).path)
        else { return nil }
        return (OutputIndex.Entry(kit: kit, sha256: Checksum.sha256(zip), files: manifest.files.count + 1),
                manifest.files.reduce(data.count) { $0 + $1.size })
    }

    /// Writes a rendered kit: files and zip beside each other in the temp folder, then both renamed into place.
    /// No wrapping folder: every directory created here is renamed into place, never deleted, which keeps
    /// inode churn (the main cost of writing thousands of small files on ext4) low.
    public func write(_ kit: RenderedKit) throws -> OutputIndex.Entry {
        let fm = FileManager.default
        let name = UUID().uuidString
        let folder = temp.appendingPathComponent(name)
        let zip = temp.appendingPathComponent("\(name).zip")
        var committed = false
        defer {
            if !committed {
                try? fm.removeItem(at: folder)
                try? fm.removeItem(at: zip)
            }
        }
        try Self.makeDirectory(folder)
        var folders: Set<String> = [folder.path]
        for file in kit.files {
            let url = folder.appendingPathComponent(file.path)
            let parent = url.deletingLastPathComponent()
            if folders.insert(parent.path).inserted {
                try Self.makeDirectory(parent)
            }
            try Self.writeFile(file.data, to: url)
            try afterFileWrite?(kit.id, file.path)
        }
        try Self.writeFile(kit.zip, to: zip)
        try afterFileWrite?(kit.id, "bundle.zip")

        let bundle = output.appendingPathComponent(kit.id.bundle)
        try Self.makeDirectory(bundle.deletingLastPathComponent())
        try Self.rename(zip, to: bundle)
        let target = output.appendingPathComponent(kit.id.directory)
        try Self.makeDirectory(target.deletingLastPathComponent())
        var old: URL?
        if Foundation.rename(folder.path, target.path) != 0 {
            // rename(2) cannot replace a non-empty folder: move the old one aside first.
            guard errno == ENOTEMPTY || errno == EEXIST else { throw Self.posixError("cannot move \(folder.path) to", target) }
            old = temp.appendingPathComponent("\(name).old")
            try Self.rename(target, to: old ?? target)
            try Self.rename(folder, to: target)
        }
        committed = true
        if let old { try? fm.removeItem(at: old) }
        return OutputIndex.Entry(kit: kit.id, sha256: kit.zipSHA256, files: kit.files.count)
    }

    /// Writes a new file without `Data.write`'s fsync per file: durability comes from the rename
    /// protocol (a kit is complete or absent), not from syncing each of thousands of small files.
    static func writeFile(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot create", url) }
        defer { close(fd) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError("cannot write", url)
                }
                offset += written
            }
        }
    }

    /// `mkdir -p` in one system call when the parent exists (the common case), instead of a stat per component.
    static func makeDirectory(_ url: URL) throws {
        if mkdir(url.path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw posixError("cannot create folder", url) }
        try makeDirectory(url.deletingLastPathComponent())
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else { throw posixError("cannot create folder", url) }
    }

    static func posixError(_ what: String, _ url: URL) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
            NSLocalizedDescriptionKey: "\(what) \(url.path): \(String(cString: strerror(errno)))"])
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else { throw posixError("cannot move \(from.path) to", to) }
    }

    /// Deletes kit folders and zips that are not in `keep` (partners or locales gone from the roster).
    public func prune(keeping keep: Set<KitID>) throws -> Int {
        let fm = FileManager.default
        let keepDirs = Set(keep.map(\.directory))
        let keepBundles = Set(keep.map(\.bundle))
        var removed = 0
        func children(_ url: URL) -> [String] { (try? fm.contentsOfDirectory(atPath: url.path))?.sorted() ?? [] }
        for (root, depth, keepSet) in [("kits", 3, keepDirs), ("bundles", 3, keepBundles)] {
            var paths = [root]
            for _ in 0..<depth {
                paths = paths.flatMap { path in children(output.appendingPathComponent(path)).filter { !$0.hasPrefix(".") }.map { "\(path)/\($0)" } }
            }
            for path in paths where !keepSet.contains(path) {
                try fm.removeItem(at: output.appendingPathComponent(path))
                removed += 1
            }
        }
        return removed
    }
}
