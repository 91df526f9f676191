import CobrandCore
import Foundation
import Synchronization

/// Images drawn by earlier builds into this output folder (`.cache/drawings/<key>.png`, the key a digest of
/// the SVG, the size, the generator and the drawing libraries), so a publish or an incremental build reuses
/// them instead of drawing each share image again. Safe to delete at any time: what is missing is drawn.
public final class DrawingFolder: RasterStore {
    public let folder: URL
    /// Keys this build used, so a full build can drop the drawings no kit uses any more.
    private let used = Mutex<Set<String>>([])

    public init(output: URL) {
        folder = output.appendingPathComponent(".cache/drawings")
    }

    public func png(for key: String) -> Data? {
        used.withLock { _ = $0.insert(key) }
        // Kept without fsync (it is a cache): after a power cut a file may be cut short, and then it is drawn again.
        guard let png = FileManager.default.contents(atPath: path(key)), png.starts(with: Self.signature), png.suffix(8) == Self.end else { return nil }
        return png
    }

    public func keep(_ png: Data, for key: String) {
        used.withLock { _ = $0.insert(key) }
        // Written beside and renamed, so a reader never sees half a file. One that cannot be kept (a full disk,
        // a read-only folder) is only drawn again next time.
        let temp = folder.path + "/." + key + "." + UUID().uuidString + ".tmp"
        // One mkdir when the folder is there (a full build keeps 1,400 drawings), not FileManager's stat and checks.
        try? KitStore.makeDirectory(folder.path)
        guard (try? KitStore.writeFile(png, to: temp)) != nil, rename(temp, path(key)) == 0 else {
            unlink(temp)
            return
        }
    }

    private static let signature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    /// The IEND chunk's type and CRC, the last 8 bytes of every whole PNG.
    private static let end = Data([0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])

    /// Removes every drawing this build did not use; call it after a build that rendered every kit, when
    /// the used keys are all the kits need. Returns how many were removed.
    @discardableResult
    public func prune() -> Int {
        let keep = used.withLock { $0 }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed = 0
        // Drawings no kit used, and temp files a killed build left (builds hold the output lock, so none is in use).
        for name in names where !(name.hasSuffix(".png") && keep.contains(String(name.dropLast(4)))) {
            if (try? FileManager.default.removeItem(atPath: folder.path + "/" + name)) != nil { removed += 1 }
        }
        return removed
    }

    private func path(_ key: String) -> String { folder.path + "/" + key + ".png" }
}
