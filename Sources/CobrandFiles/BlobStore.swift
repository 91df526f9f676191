import Foundation

/// Files kept by their content: claim proofs as `<sha256>`, partners' logos as `<sha256>.<png|jpg|svg>`.
/// A name is its bytes' digest, so writing one again changes nothing and no name can reach outside the folder.
public struct BlobStore: Sendable {
    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    /// Whether `name` is a content name this store serves: a SHA-256, optionally with an image extension.
    public static func isContentName(_ name: String) -> Bool { name.wholeMatch(of: /[0-9a-f]{64}(\.(png|jpg|svg))?/) != nil }

    /// Keeps `data` as `name`, written atomically; an existing file of that name already has these bytes.
    public func put(_ data: Data, as name: String) throws {
        precondition(Self.isContentName(name), "blob names are content digests")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) { try data.write(to: url, options: .atomic) }
    }

    /// The bytes of `name`; nil for a name that is no content name, or one not stored.
    public func get(_ name: String) -> Data? {
        guard Self.isContentName(name) else { return nil }
        return FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
    }

    /// Every content name stored, sorted.
    public func names() throws -> [String] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter(Self.isContentName).sorted()
    }

    /// Puts every blob of this store into `other` (those it has already stay); returns how many were copied.
    @discardableResult
    public func copy(to other: BlobStore) throws -> Int {
        guard other.folder.standardizedFileURL != folder.standardizedFileURL else { return 0 }
        var copied = 0
        for name in try names() where other.get(name) == nil {
            guard let data = get(name) else { continue }
            try other.put(data, as: name)
            copied += 1
        }
        return copied
    }
}
