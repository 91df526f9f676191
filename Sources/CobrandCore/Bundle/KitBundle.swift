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

        public init(inputsSHA256: String, files: Int, bytes: Int) {
            self.inputsSHA256 = inputsSHA256
            self.files = files
            self.bytes = bytes
        }
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
    /// text, escapes, another layout, a file cut short) is left to `JSONDecoder`. On bytes: making a `String`
    /// of each line cost as much as decoding.
    static func scanned(_ data: Data) -> Summary? {
        data.withUnsafeBytes { raw -> Summary? in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress else { return nil }
            var at = 0
            /// The next line without its newline; nil at the end, for a last line without one, or for a byte
            /// outside printable ASCII or a backslash. memchr finds the newline; the bytes are checked without
            /// a branch per byte, which the compiler vectorizes (a byte at a time was a twentieth of a rebuild).
            func next() -> UnsafeBufferPointer<UInt8>? {
                guard at < bytes.count, let newline = memchr(base + at, 0x0A, bytes.count - at) else { return nil }
                let line = UnsafeBufferPointer(start: base + at, count: UnsafeRawPointer(base + at).distance(to: newline))
                var outside: UInt8 = 0
                for byte in line { outside |= (byte &- 0x20 > 0x5E ? 1 : 0) | (byte == UInt8(ascii: "\\") ? 1 : 0) }
                guard outside == 0 else { return nil }
                at += line.count + 1
                return line
            }
            func equal(_ line: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
                guard line.count == expected.count else { return false }
                guard let start = line.baseAddress else { return true }
                return memcmp(start, expected, expected.count) == 0
            }
            func starts(_ line: UnsafeBufferPointer<UInt8>, _ head: [UInt8]) -> Bool {
                line.count >= head.count && equal(UnsafeBufferPointer(rebasing: line.prefix(head.count)), head)
            }
            func line(_ expected: [UInt8]) -> Bool { next().map { equal($0, expected) } == true }
            /// The value of the next line when it is `head` (indent, key and opening quote), a string, and `tail`.
            func string(_ head: [UInt8], _ tail: [UInt8] = ManifestLines.quoteComma) -> UnsafeBufferPointer<UInt8>? {
                guard let line = next(), line.count >= head.count + tail.count, starts(line, head),
                      equal(UnsafeBufferPointer(rebasing: line.suffix(tail.count)), tail) else { return nil }
                let value = UnsafeBufferPointer(rebasing: line.dropFirst(head.count).dropLast(tail.count))
                return value.contains(UInt8(ascii: "\"")) ? nil : value
            }
            typealias L = ManifestLines
            guard line(L.open), string(L.campaign) != nil, line(L.files) else { return nil }
            var files = 0, total = 0
            while true {
                guard line(L.entryOpen), string(L.mediaType) != nil, string(L.path) != nil, string(L.sha256) != nil,
                      let size = next(), size.count > L.size.count, starts(size, L.size) else { return nil }
                let digits = size.dropFirst(L.size.count)
                guard digits.count < 16, digits.allSatisfy({ (0x30...0x39).contains($0) }),
                      digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
                let (sum, overflow) = total.addingReportingOverflow(digits.reduce(0) { $0 * 10 + Int($1 - 0x30) })
                guard !overflow else { return nil }
                total = sum
                files += 1
                guard let close = next() else { return nil }
                if equal(close, L.entryClose) { break }
                guard equal(close, L.entryCloseComma) else { return nil }
            }
            guard line(L.filesClose), string(L.generator) != nil, let hash = string(L.inputs), string(L.locale) != nil,
                  string(L.partner, L.quote) != nil, line(L.close), at == bytes.count else { return nil }
            return Summary(inputsSHA256: String(decoding: hash, as: UTF8.self), files: files, bytes: total + bytes.count)
        }
    }

    /// The lines of `encoded()`'s layout that `scanned` compares, as bytes.
    private enum ManifestLines {
        static let open = Array("{".utf8), close = Array("}".utf8)
        static let campaign = Array("  \"campaign\" : \"".utf8), files = Array("  \"files\" : [".utf8), filesClose = Array("  ],".utf8)
        static let entryOpen = Array("    {".utf8), entryClose = Array("    }".utf8), entryCloseComma = Array("    },".utf8)
        static let mediaType = Array("      \"media_type\" : \"".utf8), path = Array("      \"path\" : \"".utf8)
        static let sha256 = Array("      \"sha256\" : \"".utf8), size = Array("      \"size\" : ".utf8)
        static let generator = Array("  \"generator\" : \"".utf8), inputs = Array("  \"inputs_sha256\" : \"".utf8)
        static let locale = Array("  \"locale\" : \"".utf8), partner = Array("  \"partner\" : \"".utf8)
        static let quoteComma = Array("\",".utf8), quote = Array("\"".utf8)
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
                        .init(path: $0.path, size: $0.data.count, sha256: $0.sha256, mediaType: $0.mediaType)
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
