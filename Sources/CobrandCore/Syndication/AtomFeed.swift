import Foundation

/// An Atom 1.0 feed (RFC 4287) of a partner's syndicated articles.
public struct AtomFeed: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let id: String
        public let title: String
        public let link: String
        public let published: Date
        public let updated: Date
        public let author: String
        public let summary: String
        public let contentHTML: String
    }

    public static let fileName = "feed.xml"

    public let id: String
    public let title: String
    public let language: String
    /// The page the feed belongs to.
    public let alternate: String
    /// Where the feed itself is served (`cobrand serve`'s `/feeds/…`), for `rel="self"`.
    public let selfURL: String
    public let author: String
    public let entries: [Entry]

    public func encoded() -> Data {
        let updated = entries.map(\.updated).max() ?? KitBundle.timestamp
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(Self.escape(language))">
              <id>\(Self.escape(id))</id>
              <title>\(Self.escape(title))</title>
              <updated>\(Self.date(updated))</updated>
              <link rel="alternate" type="text/html" href="\(Self.escape(alternate))"/>
              <link rel="self" type="application/atom+xml" href="\(Self.escape(selfURL))"/>
              <author><name>\(Self.escape(author))</name></author>
              <generator version="\(Generator.version)">Cobrand</generator>

            """
        for entry in entries.sorted(by: { ($0.published, $0.id) > ($1.published, $1.id) }) {
            xml += """
                  <entry>
                    <id>\(Self.escape(entry.id))</id>
                    <title>\(Self.escape(entry.title))</title>
                    <link rel="alternate" type="text/html" href="\(Self.escape(entry.link))"/>
                    <published>\(Self.date(entry.published))</published>
                    <updated>\(Self.date(entry.updated))</updated>
                    <author><name>\(Self.escape(entry.author))</name></author>
                    <summary>\(Self.escape(entry.summary))</summary>
                    <content type="html">\(Self.escape(entry.contentHTML))</content>
                  </entry>

                """
        }
        return Data((xml + "</feed>\n").utf8)
    }

    /// The path `cobrand serve` answers a kit's feed at; the portal URL goes in front.
    public static func path(_ id: KitID, component: String) -> String {
        "/feeds/\(id.campaign)/\(id.partner)/\(id.locale)/\(component).xml"
    }

    /// RFC 3339 in UTC.
    static func date(_ date: Date) -> String { Timestamp.iso8601(date) }

    /// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                let v = scalar.value
                if v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
