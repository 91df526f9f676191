import Foundation

/// The generator's name and version, written into every manifest and part of every inputs hash.
public enum Generator {
    public static let version = "0.1.0"
    public static let name = "cobrand \(version)"
}

/// One kit: a campaign for a partner in a locale.
public struct KitID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let campaign: String
    public let partner: String
    public let locale: LocaleTag

    public init(campaign: String, partner: String, locale: LocaleTag) {
        self.campaign = campaign
        self.partner = partner
        self.locale = locale
    }

    /// `<campaign>-<partner>-<locale>`: the zip's name and its top folder.
    public var slug: String { "\(campaign)-\(partner)-\(locale)" }
    /// The kit folder, relative to the output folder.
    public var directory: String { "kits/\(campaign)/\(partner)/\(locale)" }
    /// The zip, relative to the output folder.
    public var bundle: String { "bundles/\(campaign)/\(partner)/\(slug).zip" }

    public var description: String { "\(campaign)/\(partner)/\(locale)" }

    public static func < (lhs: KitID, rhs: KitID) -> Bool {
        (lhs.campaign, lhs.partner, lhs.locale.identifier) < (rhs.campaign, rhs.partner, rhs.locale.identifier)
    }
}

/// A file of a kit, relative to the kit folder.
public struct KitFile: Sendable, Equatable {
    public let path: String
    public let data: Data
    /// Hashed once: the manifest lists it, and an image is also named by it where it is served (`EmailImages.url`).
    public let sha256: String
    public var mediaType: String { MediaType.of(path) }

    public init(path: String, data: Data) {
        self.path = path
        self.data = data
        sha256 = Checksum.sha256(data)
    }

    public init(path: String, text: String) {
        self.init(path: path, data: Data(text.utf8))
    }
}

/// A kit rendered in memory: its files (with `manifest.json` and `index.html`) and its zip.
public struct RenderedKit: Sendable {
    public let id: KitID
    public let inputsHash: String
    /// Sorted by path.
    public let files: [KitFile]
    public let zip: Data
    public let zipSHA256: String
}

/// The media type of a kit file by its extension.
public enum MediaType {
    public static func of(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": return "text/html"
        case "txt": return "text/plain"
        case "json": return "application/json"
        case "csv": return "text/csv"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "ics": return "text/calendar"
        case "eml": return "message/rfc822"
        case "xml": return path.hasSuffix("feed.xml") ? "application/atom+xml" : "application/xml"
        case "md": return "text/markdown"
        case "css": return "text/css"
        default: return "application/octet-stream"
        }
    }
}
