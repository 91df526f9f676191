import CobrandCore
import Foundation

/// Email images by content, `<output>/a/<sha256>.<png|jpg>`: the files behind the absolute URLs builds
/// write into emails (see `EmailImages`). A name is its content's digest, so a file is never rewritten and
/// never stale; none is pruned, because an email sent last year still shows its images.
public struct ImageStore: Sendable {
    public static let folder = "a"
    public let root: URL

    public init(output: URL) {
        root = output.appendingPathComponent(Self.folder, isDirectory: true)
    }

    /// Writes each PNG and JPEG of `files` under its content name, unless it is there already.
    /// - Parameter folder: where the kit's own copies of `files` are already written, complete. Each image is
    ///   then a hard link to that copy: no second inode and no second write of the bytes (a 200-partner build
    ///   stores 1,400 share images). Otherwise, or where links fail, a temp file and a rename, so a reader
    ///   never sees half an image.
    public func store(_ files: [KitFile], linkingFrom folder: URL? = nil) throws {
        var created = false
        for file in files where file.path.hasPrefix("assets/") {
            guard let format = Raster.format(of: file.data), format != .svg else { continue }
            let target = root.appendingPathComponent(EmailImages.fileName(sha256: file.sha256, format: format))
            if access(target.path, F_OK) == 0 { continue }
            if !created {
                try KitStore.makeDirectory(root.path)
                created = true
            }
            // link(2) makes the name or fails with EEXIST when another build stored the same image first.
            if let folder {
                let linked = link(folder.path + "/" + file.path, target.path) == 0
                if linked || errno == EEXIST { continue }
            }
            let temp = root.appendingPathComponent(".\(UUID().uuidString).tmp")
            try KitStore.writeFile(file.data, to: temp.path)
            try KitStore.rename(temp, to: target)
        }
    }

    /// The image called `name`, a 64-digit lower-case hex digest and `.png` or `.jpg`; nil for any other
    /// name (so no path can leave the folder) or a file that is not there.
    public func image(_ name: String) -> (data: Data, mediaType: String)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 64, parts[0].utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
              let type = ["png": "image/png", "jpg": "image/jpeg"][String(parts[1])] else { return nil }
        return KitStore.regularFile(root.appendingPathComponent(name)).map { ($0, type) }
    }
}
