import CobrandCore
import Crypto
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

    /// The index entry of an existing kit whose inputs hash equals `inputsHash`, or nil if it must be built.
    public func existing(_ kit: KitID, inputsHash: String) -> OutputIndex.Entry? {
        let folder = output.appendingPathComponent(kit.directory)
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path),
              let manifest = try? JSONDecoder().decode(KitManifest.self, from: data),
              manifest.inputsSHA256 == inputsHash,
              let zip = FileManager.default.contents(atPath: output.appendingPathComponent(kit.bundle).path)
        else { return nil }
        return OutputIndex.Entry(kit: kit, sha256: SHA256.hash(data: zip).map { String(format: "%02x", $0) }.joined(),
                                 files: manifest.files.count + 1)
    }

    /// Writes a rendered kit: files and zip into a temp folder, then both renamed into place.
    public func write(_ kit: RenderedKit) throws -> OutputIndex.Entry {
        let fm = FileManager.default
        let staging = temp.appendingPathComponent(UUID().uuidString)
        let folder = staging.appendingPathComponent("kit")
        defer { try? fm.removeItem(at: staging) }
        for file in kit.files {
            let url = folder.appendingPathComponent(file.path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.data.write(to: url)
            try afterFileWrite?(kit.id, file.path)
        }
        let zip = staging.appendingPathComponent("bundle.zip")
        try kit.zip.write(to: zip)
        try afterFileWrite?(kit.id, "bundle.zip")

        let bundle = output.appendingPathComponent(kit.id.bundle)
        try fm.createDirectory(at: bundle.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.rename(zip, to: bundle)
        let target = output.appendingPathComponent(kit.id.directory)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if fm.fileExists(atPath: target.path) {
            // rename(2) cannot replace a non-empty folder: move the old one aside first.
            try Self.rename(target, to: staging.appendingPathComponent("old"))
        }
        try Self.rename(folder, to: target)
        return OutputIndex.Entry(kit: kit.id, sha256: kit.zipSHA256, files: kit.files.count)
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: to.path,
                NSLocalizedDescriptionKey: "cannot move \(from.path) to \(to.path): \(String(cString: strerror(errno)))"])
        }
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
