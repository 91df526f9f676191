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

    /// `summary` of a manifest exactly as `encoded()` lays it out, line for line, or nil. Only printable ASCII
    /// without backslashes is taken, so every quoted value is a whole JSON string; anything else (non-ASCII
    /// text, escapes, another layout, a file cut short) is left to `JSONDecoder`.
    static func scanned(_ data: Data) -> Summary? {
        guard data.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) else { return nil }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        var at = 0
        func next() -> String? {
            defer { at += 1 }
            return at < lines.count ? lines[at] : nil
        }
        /// The value of `"key" : "value",` at `indent`, with or without the comma.
        func string(_ key: String, indent: Int, comma: Bool = true) -> String? {
            let head = String(repeating: " ", count: indent) + "\"\(key)\" : \"", tail = comma ? "\"," : "\""
            guard let line = next(), line.hasPrefix(head), line.hasSuffix(tail), line.count >= head.count + tail.count else { return nil }
            let value = line.dropFirst(head.count).dropLast(tail.count)
            return value.utf8.contains(UInt8(ascii: "\"")) ? nil : String(value)
        }
        guard next() == "{", string("campaign", indent: 2) != nil, next() == "  \"files\" : [" else { return nil }
        var files = 0, bytes = 0
        while true {
            let sizeKey = "      \"size\" : "
            guard next() == "    {", string("media_type", indent: 6) != nil, string("path", indent: 6) != nil, string("sha256", indent: 6) != nil,
                  let line = next(), line.hasPrefix(sizeKey) else { return nil }
            let digits = line.dropFirst(sizeKey.count)
            guard !digits.isEmpty, digits.count < 16, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  digits == "0" || !digits.hasPrefix("0"), let size = Int(digits) else { return nil }
            files += 1
            bytes += size
            let close = next()
            if close == "    }" { break }
            guard close == "    }," else { return nil }
        }
        guard next() == "  ],", string("generator", indent: 2) != nil, let hash = string("inputs_sha256", indent: 2), string("locale", indent: 2) != nil,
              string("partner", indent: 2, comma: false) != nil, next() == "}", next() == "", at == lines.count else { return nil }
        return Summary(inputsSHA256: hash, files: files, bytes: bytes + data.count)
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
