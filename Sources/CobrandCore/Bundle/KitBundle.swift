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
