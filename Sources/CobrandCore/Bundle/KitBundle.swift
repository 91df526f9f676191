import Crypto
import Foundation
import ZIPFoundation

/// `manifest.json`: what is in a kit, with sizes and checksums, so a partner can verify a download.
public struct KitManifest: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public let path: String
        public let size: Int
        public let sha256: String
        public let mediaType: String

        enum CodingKeys: String, CodingKey { case path, size, sha256, mediaType = "media_type" }
    }

    public let generator: String
    public let campaign: String
    public let partner: String
    public let locale: String
    /// SHA-256 over every input of the kit; equal hashes mean the kit need not be rebuilt.
    public let inputsSHA256: String
    /// Every file of the kit except `manifest.json` itself, sorted by path.
    public let files: [Entry]

    enum CodingKeys: String, CodingKey { case generator, campaign, partner, locale, inputsSHA256 = "inputs_sha256", files }

    /// What an incremental build needs of a kit's manifest: whether its inputs changed, and its size.
    public struct Summary: Equatable, Sendable {
        public let inputsSHA256: String
        /// Entries listed (the manifest itself not counted).
        public let files: Int
        /// The listed files' sizes plus the manifest's own.
        public let bytes: Int
    }

    /// The summary of a manifest; nil when it is not one. One laid out as `encoded()` writes it is read line
    /// by line without decoding every entry (a third of an incremental build went to `JSONDecoder`); any
    /// other layout (a hand-edited file) is decoded in full.
    public static func summary(of data: Data) -> Summary? {
        if let summary = scanned(data) { return summary }
        guard let manifest = try? JSONDecoder().decode(KitManifest.self, from: data) else { return nil }
        return Summary(inputsSHA256: manifest.inputsSHA256, files: manifest.files.count, bytes: manifest.files.reduce(data.count) { $0 + $1.size })
    }

    /// `summary` of `encoded()`'s layout, or nil. JSON strings hold no raw newline, so a line always starts outside one.
    static func scanned(_ data: Data) -> Summary? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Summary? in
            let bytes = raw.bindMemory(to: UInt8.self)
            let hashKey = Array("\"inputs_sha256\" : \"".utf8), sizeKey = Array("\"size\" : ".utf8), pathKey = Array("\"path\" : \"".utf8)
            var hash: String?
            var sizes = 0, paths = 0, total = 0
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                var at = start
                while at < end, bytes[at] == UInt8(ascii: " ") { at += 1 }
                let line = bytes[at..<end]
                if line.starts(with: sizeKey) {
                    let digits = line.dropFirst(sizeKey.count)
                    guard !digits.isEmpty, digits.count < 16, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
                    total += digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                    sizes += 1
                } else if line.starts(with: pathKey) {
                    paths += 1
                } else if line.starts(with: hashKey) {
                    let value = line.dropFirst(hashKey.count)
                    guard hash == nil, value.count == 66, value.suffix(2).elementsEqual("\",".utf8) else { return nil }
                    hash = String(decoding: value.prefix(64), as: UTF8.self)
                }
                start = end + 1
            }
            guard let hash, sizes == paths, bytes.first == UInt8(ascii: "{") else { return nil }
            return Summary(inputsSHA256: hash, files: sizes, bytes: total + bytes.count)
        }
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and ints cannot fail.
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }
}

/// Assembles a kit's manifest and its deterministic zip.
public enum KitBundle {
    /// ZIP timestamps are fixed so the same inputs give the same bytes (DOS dates start in 1980).
    static let timestamp = Date(timeIntervalSince1970: 1_577_880_000) // 2020-01-01T12:00:00Z

    public enum BundleError: Error, Equatable, CustomStringConvertible {
        case zip(kit: String, reason: String)
        public var description: String {
            switch self {
            case let .zip(kit, reason): return "cannot write the zip of \(kit): \(reason)"
            }
        }
    }

    public static func manifest(for id: KitID, inputsHash: String, files: [KitFile]) -> KitManifest {
        KitManifest(generator: Generator.name, campaign: id.campaign, partner: id.partner, locale: id.locale.identifier,
                    inputsSHA256: inputsHash,
                    files: files.sorted { $0.path < $1.path }.map {
                        .init(path: $0.path, size: $0.data.count, sha256: Checksum.sha256($0.data), mediaType: $0.mediaType)
                    })
    }

    /// A zip with every file under one top folder named after the kit, entries sorted, fixed dates and permissions.
    /// PNG and JPEG are stored as they are: deflating compressed images costs time and saves nothing.
    public static func zip(_ files: [KitFile], root: String) throws(BundleError) -> Data {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for file in files.sorted(by: { $0.path < $1.path }) {
                let data = file.data
                let compressed = ["image/png", "image/jpeg"].contains(file.mediaType)
                try archive.addEntry(with: "\(root)/\(file.path)", type: .file, uncompressedSize: Int64(data.count),
                                     modificationDate: timestamp, permissions: 0o644,
                                     compressionMethod: compressed ? .none : .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw BundleError.zip(kit: root, reason: "the archive has no data") }
            return data
        } catch let error as BundleError {
            throw error
        } catch {
            throw .zip(kit: root, reason: "\(error)")
        }
    }
}
