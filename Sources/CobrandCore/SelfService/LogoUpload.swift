import Foundation

/// A partner's uploaded logo, checked by content: PNG and JPEG by their signature and pixel size, SVG
/// parsed and cleaned of anything that runs or fetches (scripts, event handlers, `foreignObject`, external
/// references). Stored under its SHA-256, never under the name the browser sent.
public struct LogoUpload: Sendable, Equatable {
    public enum Kind: String, Sendable { case png, jpg, svg }

    public let kind: Kind
    /// The bytes to store: for SVG, the cleaned document.
    public let data: Data
    /// What cleaning removed from an SVG, for the partner to read.
    public let removed: [String]

    /// The stored file name: content-addressed.
    public var storedName: String { "\(Checksum.sha256(data)).\(kind.rawValue)" }

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    /// Checks an upload; `filename` is only compared with the content, never used to store it.
    public init(filename: String, data: Data, maxBytes: Int, maxPixels: Int) throws(Refusal) {
        guard !data.isEmpty else { throw Refusal(message: "the file is empty; choose a PNG, JPEG or SVG logo") }
        guard data.count <= maxBytes else {
            throw Refusal(message: "the file is \(data.count / 1024) KB; logos may be at most \(maxBytes / 1024) KB")
        }
        guard let kind = Self.sniff(data) else { throw Refusal(message: "the file is not a PNG, JPEG or SVG image") }
        let named = (filename as NSString).pathExtension.lowercased()
        let expected: Set<String> = switch kind {
        case .png: ["png"]
        case .jpg: ["jpg", "jpeg"]
        case .svg: ["svg"]
        }
        if !named.isEmpty, !expected.contains(named) {
            throw Refusal(message: "the file is named .\(named) but is \(kind.article) image; rename it .\(kind.rawValue) or upload the right file")
        }
        self.kind = kind
        switch kind {
        case .png, .jpg:
            guard let (width, height) = kind == .png ? Self.pngSize(data) : Self.jpegSize(data) else {
                throw Refusal(message: "the \(kind.rawValue.uppercased()) image is damaged; export it again")
            }
            // Header sizes are untrusted: up to 2^32 - 1 each in a PNG, so the product can overflow `Int`.
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            guard !overflow, pixels <= maxPixels else {
                throw Refusal(message: "the image is too large: \(width) x \(height) pixels; logos may have at most \(maxPixels) pixels (such as 2000 x 2000)")
            }
            self.data = data
            removed = []
        case .svg:
            (self.data, removed) = try SVGCleaner.clean(data)
            if let problem = LogoCheck.rasterProblem(self.data) { throw Refusal(message: "the SVG \(problem)") }
        }
    }

    static func sniff(_ data: Data) -> Kind? {
        let head = [UInt8](data.prefix(512))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpg }
        // An ASCII head that starts with `<` after blanks (most SVGs) is decided on bytes, as the text below would
        // decide it (Foundation's trimming was a hundredth of a build); non-ASCII text goes the Character way.
        let body = head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head[...]
        if body.allSatisfy({ $0 < 0x80 }),
           let first = body.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains($0) }), body[first] == UInt8(ascii: "<") {
            let lower = body[first...].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
            let svg = Array("<svg".utf8)
            let opens = [Array("<?xml".utf8), svg, Array("<!--".utf8)].contains { lower.starts(with: $0) }
            return opens && lower.indices.contains { lower[$0...].starts(with: svg) } ? .svg : nil
        }
        let text = String(decoding: body, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return (text.hasPrefix("<?xml") || text.hasPrefix("<svg") || text.hasPrefix("<!--")) && text.contains("<svg") ? .svg : nil
    }

    /// Width and height from the PNG header (IHDR).
    static func pngSize(_ data: Data) -> (Int, Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func int(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let (width, height) = (int(16), int(20))
        return width > 0 && height > 0 ? (width, height) : nil
    }

    /// Width and height from the first start-of-frame marker of a JPEG.
    static func jpegSize(_ data: Data) -> (Int, Int)? {
        let bytes = [UInt8](data)
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF { index += 1; continue }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            guard length >= 2 else { return nil }
            index += 2 + length
        }
        return nil
    }
}

extension LogoUpload.Kind {
    var article: String {
        switch self {
        case .png: "a PNG"
        case .jpg: "a JPEG"
        case .svg: "an SVG"
        }
    }
}

/// Keeps of an SVG only what draws: an allowlist of elements, attributes and URL forms (`#id` and embedded
/// PNG or JPEG images); everything else is removed and named. A blocklist was bypassed by CSS escapes
/// (`@\69mport`, `\75rl(…)`), entities (`java&#9;script:`) and `<meta http-equiv=refresh>`. Documents
/// with a DOCTYPE (entities can expand without bound or read files) or that are not well-formed are refused.
enum SVGCleaner {
    /// Elements that draw, group, define paint or text; names compared lower-cased.
    static let elements: Set<String> = [
        "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textpath", "lineargradient", "radialgradient", "stop", "clippath", "mask", "pattern", "image", "style",
        "filter", "fegaussianblur", "feoffset", "feblend", "fecolormatrix", "femerge", "femergenode", "feflood", "fecomposite",
    ]

    /// Presentation and geometry attributes, by local name (lower-cased); `href` is checked for its target.
    static let attributes: Set<String> = [
        "id", "class", "style", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height",
        "viewbox", "preserveaspectratio", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
        "offset", "stop-color", "stop-opacity", "gradientunits", "gradienttransform", "spreadmethod", "clip-path", "clippathunits",
        "clip-rule", "mask", "maskunits", "maskcontentunits", "patternunits", "patterncontentunits", "patterntransform",
        "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "word-spacing",
        "dx", "dy", "rotate", "textlength", "lengthadjust", "href", "filter", "stddeviation", "in", "in2", "result", "mode", "type",
        "values", "flood-color", "flood-opacity", "operator", "k1", "k2", "k3", "k4", "display", "visibility", "color",
        "vector-effect", "shape-rendering", "text-rendering", "space", "role", "aria-label", "aria-hidden", "focusable", "overflow",
        "version", "baseprofile", "filterunits", "primitiveunits",
    ]

    static func clean(_ data: Data) throws(LogoUpload.Refusal) -> (Data, [String]) {
        var tree: XMLTree
        do { tree = try XMLTree.parse(data) } catch {
            switch error {
            case .unreadable(let problem): throw LogoUpload.Refusal(message: "\(problem); export the SVG again")
            case .doctype:
                throw LogoUpload.Refusal(message: "the SVG has a DOCTYPE or entity declarations, which logos may not have; export it again without them")
            case .malformed: throw LogoUpload.Refusal(message: "the SVG is not well-formed XML; export it again")
            }
        }
        guard tree.root.localName.lowercased() == "svg" else { throw LogoUpload.Refusal(message: "the file's root element is not <svg>") }
        var removed = tree.instructions.map { "the <?\($0)?> instruction" }
        tree.root = clean(tree.root, removed: &removed)
        var seen: Set<String> = []
        return (tree.data, removed.filter { seen.insert($0).inserted })
    }

    static func clean(_ element: XMLTree.Element, removed: inout [String]) -> XMLTree.Element {
        var element = element
        element.attributes = element.attributes.filter { attribute in
            let name = attribute.name
            let parts = name.lowercased().split(separator: ":")
            let local = parts.last.map(String.init) ?? ""
            let prefix = parts.count > 1 ? String(parts[0]) : nil
            // Namespace declarations are no content; xlink: and xml: are the only prefixes SVG needs.
            if prefix == "xmlns" || name.lowercased() == "xmlns" { return true }
            let allowed = attributes.contains(local) && (prefix == nil || prefix == "xlink" || (prefix == "xml" && local == "space"))
            if !allowed {
                removed.append(local.hasPrefix("on") ? "the \(name) attribute" : "the \(name) attribute (not used for drawing)")
            } else if local == "href", !isInternal(attribute.value) {
                removed.append("the external reference \(name)=\"\(attribute.value.prefix(80))\"")
            } else if local == "style" ? !isSafeCSS(attribute.value) : attribute.value.lowercased().contains("url(") && !isSafeCSS(attribute.value) {
                removed.append("the \(name) attribute")
            } else {
                return true
            }
            return false
        }
        element.children = element.children.compactMap { node in
            switch node {
            case .text: return node
            case .comment: return nil
            case .instruction(let target):
                removed.append("the <?\(target)?> instruction")
                return nil
            case .element(let child):
                let name = child.localName.lowercased()
                if !elements.contains(name) {
                    removed.append("a <\(child.localName)> element")
                    return nil
                } else if name == "style", !isSafeCSS(child.text) {
                    removed.append("a <style> element that loads from elsewhere or uses escapes")
                    return nil
                }
                return .element(clean(child, removed: &removed))
            }
        }
        return element
    }

    /// A reference inside the document (`#id`) or an embedded raster image.
    static func isInternal(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return trimmed.hasPrefix("#") || trimmed.hasPrefix("data:image/png;") || trimmed.hasPrefix("data:image/jpeg;")
    }

    /// CSS that can only paint: no escapes (`\75rl(` is `url(`), no at-rules (`@import`), no comments to
    /// hide in, and every `url(` pointing inside the document.
    static func isSafeCSS(_ css: String) -> Bool {
        let lower = css.lowercased()
        guard !lower.contains("\\"), !lower.contains("@"), !lower.contains("/*"), !lower.contains("expression("),
              !lower.contains("javascript:") else { return false }
        var rest = Substring(lower)
        while let range = rest.range(of: "url(") {
            let target = rest[range.upperBound...].drop { $0 == " " || $0 == "\"" || $0 == "'" }
            if !target.hasPrefix("#") { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
