import Foundation

/// Rules generated content must meet, checked on every rendered file so a template cannot ship a
/// broken kit: emails under Gmail's clipping size, no `<style>` reliance, alt text on every image,
/// and every outbound link UTM-tagged or click-tracked.
public enum ContentRules {
    /// Gmail clips messages whose HTML is larger than this.
    public static let gmailClipBytes = 102 * 1024

    /// Problems in an HTML email, as messages naming the fix.
    /// - Parameter unsubscribe: the email's unsubscribe address, which carries no UTM tags: it is not marketing.
    public static func emailProblems(_ html: String, tracking: TrackingSigner?, unsubscribe: String? = nil) -> [String] {
        var problems: [String] = []
        let size = html.utf8.count
        if size > gmailClipBytes {
            problems.append("is \(size / 1024) KB; Gmail clips HTML emails over 102 KB, so shorten the template or its images' markup")
        }
        if HTMLScan.tags(named: "style", in: html).count > 0 {
            problems.append("has a <style> element; Gmail and Outlook strip them, so put the CSS in style attributes")
        }
        for image in HTMLScan.tags(named: "img", in: html) {
            let src = image["src"] ?? ""
            let lower = src.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("cid:")) {
                problems.append("has an image at \(src.isEmpty ? "no src" : src) that does not load in an inbox; use an image of the kit's assets, which the build makes absolute")
            } else if lower.split(separator: "?")[0].hasSuffix(".svg") || lower.hasPrefix("data:image/svg") {
                problems.append("has an SVG image \(src), which Gmail's web client and Outlook for Windows do not show (caniemail: image-svg); use PNG or JPEG")
            }
        }
        return problems + pageProblems(html, tracking: tracking, unsubscribe: unsubscribe)
    }

    /// CAN-SPAM and list hygiene: every email shows the sender's postal address and an unsubscribe link.
    public static func complianceProblems(_ body: String, addressLines: [String], unsubscribe: String) -> [String] {
        var problems: [String] = []
        // Byte search (Foundation's went through CFString): the caller passes the lines as the template renders
        // them, escaped as `{{line}}` escapes them in HTML.
        if !addressLines.allSatisfy({ HTMLText.contains($0, in: body) }) {
            problems.append("does not show the partner's postal address (CAN-SPAM); add {{#partner.address_lines}}{{line}}{{/partner.address_lines}} to the template")
        }
        if !HTMLText.contains(unsubscribe, in: body) {
            problems.append("has no unsubscribe link; add {{email.unsubscribe_url}} to the template")
        }
        return problems
    }

    /// Problems in any HTML file: images without alt text and outbound links without UTM tags.
    public static func pageProblems(_ html: String, tracking: TrackingSigner?, unsubscribe: String? = nil) -> [String] {
        var problems: [String] = []
        for image in HTMLScan.tags(named: "img", in: html) where image["alt"] == nil {
            problems.append("has an image without alt text (\(image["src"] ?? "no src")); add alt=\"...\" (alt=\"\" for decoration)")
        }
        for link in HTMLScan.tags(named: "a", in: html) {
            guard let href = link["href"], isOutbound(href) else { continue }
            if let tracking, href.hasPrefix(tracking.baseURL + "/t/") { continue }
            if let unsubscribe, href.split(separator: "?", maxSplits: 1).first.map(String.init) == unsubscribe.split(separator: "?", maxSplits: 1).first.map(String.init) {
                continue
            }
            if !href.contains("utm_source=") {
                problems.append("links to \(href) without UTM parameters; use a {{links.NAME}} from the campaign manifest")
            }
        }
        return problems
    }

    static func isOutbound(_ href: String) -> Bool {
        let lower = href.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}

/// Finds start tags and their attributes in HTML we generated. Not a general HTML parser: enough for
/// checking our own well-formed output (quoted attributes, no comments hiding tags).
public enum HTMLScan {
    public static func tags(named name: String, in html: String) -> [[String: String]] {
        startTags(named: name, in: Array(html.utf8)).map { tag in
            Dictionary(tag.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        }
    }

    /// An attribute as written: its lower-cased name and unescaped value.
    public typealias Attribute = (name: String, value: String)

    /// `html` with every `<name ...>` start tag rebuilt from `transform` of its attributes, in order
    /// (values unescaped in, escaped out); everything between the tags is kept byte for byte.
    public static func rewriteTags(named name: String, in html: String, _ transform: ([Attribute]) -> [Attribute]) -> String {
        let bytes = Array(html.utf8)
        var result: [UInt8] = []
        var copied = 0
        for tag in startTags(named: name, in: bytes) {
            result += bytes[copied..<tag.range.lowerBound]
            let attributes = transform(tag.attributes).map { " \($0.name)=\"\($0.value.htmlEscaped)\"" }.joined()
            result += Array("<\(name)\(attributes)>".utf8)
            copied = tag.range.upperBound
        }
        result += bytes[copied...]
        return String(decoding: result, as: UTF8.self)
    }

    /// Each start tag called `name`: its byte range, `<` to `>` inclusive, and its attributes in order.
    static func startTags(named name: String, in bytes: [UInt8]) -> [(range: Range<Int>, attributes: [Attribute])] {
        startTags(in: bytes, named: Array(name.lowercased().utf8)).map { ($0.range, $0.attributes) }
    }

    /// Every start tag (or only those called `target`): its lower-cased name, byte range and attributes.
    static func startTags(in bytes: [UInt8], named target: [UInt8]? = nil) -> [(name: String, range: Range<Int>, attributes: [Attribute])] {
        var result: [(name: String, range: Range<Int>, attributes: [Attribute])] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else { index += 1; continue }
            let open = index
            var cursor = index + 1
            var tagName: [UInt8] = []
            while cursor < bytes.count, isNameByte(bytes[cursor]) {
                tagName.append(bytes[cursor] | 0x20)
                cursor += 1
            }
            index = cursor
            guard !tagName.isEmpty, target == nil || tagName == target else { continue }
            var attributes: [Attribute] = []
            while cursor < bytes.count, bytes[cursor] != UInt8(ascii: ">") {
                if isNameByte(bytes[cursor]) {
                    var attribute: [UInt8] = []
                    while cursor < bytes.count, isNameByte(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "-") {
                        attribute.append(bytes[cursor] | 0x20)
                        cursor += 1
                    }
                    var value = ""
                    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") {
                        cursor += 1
                        let quote = cursor < bytes.count ? bytes[cursor] : 0
                        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                            cursor += 1
                            let start = cursor
                            while cursor < bytes.count, bytes[cursor] != quote { cursor += 1 }
                            value = String(decoding: bytes[start..<min(cursor, bytes.count)], as: UTF8.self)
                            cursor += 1
                        } else {
                            let start = cursor
                            while cursor < bytes.count, bytes[cursor] != UInt8(ascii: " "), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                            value = String(decoding: bytes[start..<cursor], as: UTF8.self)
                        }
                    }
                    attributes.append((String(decoding: attribute, as: UTF8.self), unescape(value)))
                } else {
                    cursor += 1
                }
            }
            result.append((String(decoding: tagName, as: UTF8.self), open..<min(cursor + 1, bytes.count), attributes))
            index = cursor
        }
        return result
    }

    /// `html` with every `<a href="...">` value passed through `transform` (values unescaped in, escaped out).
    /// For HTML from Markdown, whose links must be tagged like every other outbound link.
    public static func rewriteHrefs(in html: String, _ transform: (String) -> String) -> String {
        var result = ""
        var rest = html[...]
        while let anchor = rest.range(of: "<a href=\"") {
            result += rest[..<anchor.upperBound]
            let after = rest[anchor.upperBound...]
            guard let close = after.firstIndex(of: "\"") else { rest = after; break }
            result += transform(unescape(String(after[..<close]))).htmlEscaped
            rest = after[close...]
        }
        return result + rest
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57)
    }

    /// The entities Mustache writes: `&amp; &lt; &gt; &quot;` (and `&#39;`), in one pass.
    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        let entities = ["&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'"]
        var result = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let tail = rest[amp...]
            if let (entity, character) = entities.first(where: { tail.hasPrefix($0.key) }) {
                result += character
                rest = tail.dropFirst(entity.count)
            } else {
                result += "&"
                rest = tail.dropFirst()
            }
        }
        return result + rest
    }
}
