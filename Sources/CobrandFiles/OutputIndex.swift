import CobrandCore
import Foundation

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

    /// The current index; nil when there is none or it cannot be read (a filtered build then lists only its own kits).
    public static func read(from output: URL) -> OutputIndex? {
        guard let data = FileManager.default.contents(atPath: output.appendingPathComponent(fileName).path) else { return nil }
        return try? JSONDecoder().decode(OutputIndex.self, from: data)
    }

    public func write(to output: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: output.appendingPathComponent(Self.fileName))
    }
}

/// Whole-file writes that never leave a half-written file: write beside, then rename.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
