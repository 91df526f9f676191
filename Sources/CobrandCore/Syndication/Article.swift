import Foundation
import Ink

/// A vendor article in Markdown with front matter, rendered for syndication.
///
/// ```
/// ---
/// canonical: https://vendor.example/blog/post
/// published: 2027-02-10
/// updated: 2027-02-12
/// author: Mira Chen
/// summary: One sentence for feeds and listings.
/// ---
/// # Title
/// Body...
/// ```
public struct Article: Sendable, Equatable {
    public let id: String
    public let title: String
    public let summary: String
    public let canonical: String
    public let published: Date
    public let updated: Date
    public let author: String?
    /// The body as HTML (vendor content: Markdown may contain HTML).
    public let html: String

    public enum ArticleError: Error, Equatable, CustomStringConvertible {
        case missing(file: String, field: String, fix: String)
        public var description: String {
            switch self {
            case let .missing(file, field, fix): return "\(file): \(field): \(fix)"
            }
        }
    }

    /// Parses an article; `markdown` has its placeholders already filled.
    public static func parse(id: String, markdown: String, file: String) throws(ArticleError) -> Article {
        let parsed = MarkdownParser().parse(markdown)
        let meta = parsed.metadata
        guard let title = parsed.title, !title.isEmpty else {
            throw .missing(file: file, field: "title", fix: "start the article with a '# Title' heading")
        }
        guard let canonical = meta["canonical"], canonical.lowercased().hasPrefix("https://") else {
            throw .missing(file: file, field: "canonical", fix: "add 'canonical: https://...' (the vendor original) to the front matter")
        }
        guard let published = meta["published"].flatMap(Self.day) else {
            throw .missing(file: file, field: "published", fix: "add 'published: YYYY-MM-DD' to the front matter")
        }
        let updated = meta["updated"].flatMap(Self.day) ?? published
        return Article(id: id, title: title, summary: meta["summary"] ?? "", canonical: canonical, published: published,
                       updated: max(updated, published), author: meta["author"], html: Self.withoutTitle(parsed.html))
    }

    static func day(_ text: String) -> Date? {
        guard let components = SendSchedule.day(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: components)
    }

    /// The page template shows the title itself, so the body starts after the first `<h1>`.
    static func withoutTitle(_ html: String) -> String {
        guard html.hasPrefix("<h1>"), let end = html.range(of: "</h1>") else { return html }
        return String(html[end.upperBound...])
    }
}
