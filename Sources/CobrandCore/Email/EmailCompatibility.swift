import Foundation

/// Checks an email template's HTML and CSS against caniemail's support tables for a set of clients. A
/// feature that loses content or layout where it is unsupported is an error; one that only looks plainer
/// (square corners, less padding) is a warning. Markup inside `<!--[if mso]>` is only for Outlook for
/// Windows, markup inside `<!--[if !mso]><!-->` is for every client but it: that is how bulletproof buttons
/// and fixed-width wrappers pass.
public enum EmailCompatibility {
    public enum Severity: Sendable, Equatable { case error, warning }

    /// One feature on one line, with the clients that do not (or only partly) support it.
    public struct Finding: Sendable, Equatable {
        public let slug: String
        public let title: String
        public let line: Int
        public let severity: Severity
        public let unsupported: [EmailClient]
        public let partial: [EmailClient]
        /// caniemail's notes for the partial support.
        public let notes: [String]

        public var message: String {
            var parts: [String] = []
            if !unsupported.isEmpty { parts.append("\(title) is not supported in \(unsupported.map(\.description).joined(separator: ", "))") }
            if !partial.isEmpty {
                let why = notes.isEmpty ? "" : " (\(notes.joined(separator: " ")))"
                parts.append("\(title) is only partly supported in \(partial.map(\.description).joined(separator: ", "))\(why)")
            }
            return parts.joined(separator: "; ") + " (caniemail: \(slug))"
        }
    }

    /// Features whose absence loses content or layout: errors where unsupported.
    public static let losesContent: Set<String> = [
        "image-svg", "image-webp", "image-avif", "image-heif", "image-tiff", "image-bmp", "html-svg",
        "css-display-flex", "css-display-grid", "css-grid-template", "css-variables", "css-position", "css-background-image",
        "html-style", "html-video", "html-audio", "html-form",
    ]

    /// Where a piece of markup shows.
    enum Scope: Sendable { case everyone, msoOnly, notMSO }

    struct Use: Sendable {
        let slug: String
        let offset: Int
        let scope: Scope
        /// A background image with a colour beside it degrades to the colour: a warning.
        var hasFallback = false
        /// caniemail's partial support is about particular values or elements (`text-align: start`, padding
        /// outside table cells); only where this use is one of them is it reported.
        var partialApplies = false
    }

    /// A template's markup and the features it uses, found once: the support data is then read for only those.
    public struct Scan: Sendable {
        let bytes: [UInt8]
        let uses: [Use]

        public init(_ template: String) {
            bytes = Array(template.utf8)
            uses = EmailCompatibility.uses(in: bytes)
        }

        /// The caniemail slugs to read (`EmailSupport(json:clients:features:)`).
        public var features: Set<String> { Set(uses.map(\.slug)) }
    }

    public static func check(_ template: String, support: EmailSupport, clients: [EmailClient]) -> [Finding] {
        check(Scan(template), support: support, clients: clients)
    }

    public static func check(_ scan: Scan, support: EmailSupport, clients: [EmailClient]) -> [Finding] {
        let bytes = scan.bytes
        var findings: [String: Finding] = [:]
        var order: [String] = []
        for use in scan.uses where support.features[use.slug] != nil {
            let audience = clients.filter { client in
                switch use.scope {
                case .everyone: true
                case .msoOnly: client.readsMSOConditionals
                case .notMSO: !client.readsMSOConditionals
                }
            }
            var unsupported: [EmailClient] = []
            var partial: [EmailClient] = []
            var notes: [String] = []
            for client in audience {
                switch support.level(use.slug, in: client) {
                case .no?:
                    unsupported.append(client)
                case let .partial(more)? where use.partialApplies:
                    partial.append(client)
                    for note in more where !notes.contains(note) { notes.append(note) }
                case .yes?, .partial?, nil: continue
                }
            }
            guard !unsupported.isEmpty || !partial.isEmpty else { continue }
            let severity: Severity = !unsupported.isEmpty && losesContent.contains(use.slug) && !use.hasFallback ? .error : .warning
            let key = "\(use.slug) \(severity)"
            if let seen = findings[key] {
                // Once per feature and template, at its first line, with every client it fails in.
                findings[key] = Finding(slug: seen.slug, title: seen.title, line: seen.line, severity: severity,
                                        unsupported: merge(seen.unsupported, unsupported), partial: merge(seen.partial, partial),
                                        notes: seen.notes + notes.filter { !seen.notes.contains($0) })
            } else {
                order.append(key)
                findings[key] = Finding(slug: use.slug, title: support.features[use.slug]?.title ?? use.slug, line: line(of: use.offset, in: bytes),
                                        severity: severity, unsupported: unsupported, partial: partial, notes: notes)
            }
        }
        return order.compactMap { findings[$0] }
    }

    /// Each email step's HTML template (`<campaign>/<template>.html`, under `Templates/` without `.mustache`).
    public static func emailTemplates(campaigns: [Campaign]) -> [String] {
        Array(Set(campaigns.flatMap { campaign in
            campaign.components.filter(\.sendsEmail)
                .flatMap { $0.emails.map { "\(campaign.id)/\($0.template).html" } }
        })).sorted()
    }

    /// A template and every partial or layout it pulls in, sorted.
    public static func chain(_ template: String, templates: [String: String]) -> [String] {
        let byName = Dictionary(templates.keys.map { (Project.templateName($0), $0) }, uniquingKeysWith: { first, _ in first })
        var found = Set<String>()
        var pending = [template]
        while let path = pending.popLast() {
            guard templates[path] != nil, found.insert(path).inserted else { continue }
            for match in (templates[path] ?? "").matches(of: partialTag) {
                if let included = byName[String(match.output.1)] { pending.append(included) }
            }
        }
        return found.sorted()
    }

    // Made once: a regex literal in a function is compiled again each time it runs (a fifth of every load's
    // email check). `Regex` is not marked Sendable, but it is immutable and compiles its program on first use
    // behind an atomic compare-and-swap, so sharing one between threads is safe.
    nonisolated(unsafe) static let partialTag = /\{\{\s*[<>]\s*([^\s}]+)\s*\}\}/
    nonisolated(unsafe) static let relativeUnit = /[0-9.](rem|vh|vw|vmin|vmax|ch)\b/
    nonisolated(unsafe) static let conditionalComment = /<!--\[if ([^\]]*)\]>(.*?)<!\[endif\]-->/.dotMatchesNewlines()

    static func merge(_ a: [EmailClient], _ b: [EmailClient]) -> [EmailClient] { a + b.filter { !a.contains($0) } }

    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes[..<min(offset, bytes.count)].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    /// The caniemail features the markup uses, each where it occurs.
    static func uses(in bytes: [UInt8]) -> [Use] {
        let scopes = conditionalScopes(bytes)
        func scope(_ offset: Int) -> Scope { scopes.first { $0.range.contains(offset) }?.scope ?? .everyone }
        var uses: [Use] = []
        // A bulletproof button: Outlook for Windows pads the cell (`mso-padding-alt`), everyone else the link
        // that comes straight after it; any later element is judged on its own.
        var cellPadsForOutlook = false
        for tag in HTMLScan.startTags(in: bytes) {
            let at = tag.range.lowerBound
            let style = tag.attributes.first { $0.name == "style" }?.value.lowercased() ?? ""
            let paddedByCell = cellPadsForOutlook && tag.name == "a"
            cellPadsForOutlook = (tag.name == "td" || tag.name == "th") && style.contains("mso-padding-alt")
            // Hidden from Outlook for Windows (the preheader): what it would not render does not matter there.
            var where_ = scope(at)
            if style.replacingOccurrences(of: " ", with: "").contains("mso-hide:all") { where_ = .notMSO }
            func add(_ slug: String, fallback: Bool = false, partial: Bool = false) {
                uses.append(Use(slug: slug, offset: at, scope: where_, hasFallback: fallback, partialApplies: partial))
            }
            switch tag.name {
            // Every email has them, and a client that drops them keeps the content; only their CSS is judged.
            case "html", "head", "body", "title", "meta": break
            case "h1", "h2", "h3", "h4", "h5", "h6": add("html-h1-h6")
            case "ul", "ol", "li": add("html-lists")
            case "img":
                let src = tag.attributes.first { $0.name == "src" }?.value.lowercased() ?? ""
                let path = src.split(separator: "?").first.map(String.init) ?? src
                // A kit image is drawn as PNG by the build (`EmailImages`); only an absolute one keeps its format.
                let absolute = !EmailImages.isRelative(src) && !src.hasPrefix("{{")
                for (suffix, slug) in [(".svg", "image-svg"), (".webp", "image-webp"), (".avif", "image-avif"), (".gif", "image-gif"),
                                       (".bmp", "image-bmp"), (".tif", "image-tiff"), (".tiff", "image-tiff")] where absolute && path.hasSuffix(suffix) {
                    add(slug)
                }
                add("html-img")
            default: add("html-\(tag.name)")
            }
            let names = Set(tag.attributes.map(\.name))
            // `role`, `lang` and `aria-*` guide screen readers and change nothing on screen: not judged.
            for attribute in tag.attributes {
                switch attribute.name {
                case "dir": add("html-dir", partial: tag.name == "a")
                case "align", "valign", "width", "height", "cellpadding", "cellspacing", "target", "hidden", "required", "srcset":
                    add("html-\(attribute.name)")
                case "loading": add("html-loading-attribute")
                case "background": add("css-background-image", fallback: names.contains("bgcolor"))
                case "href" where attribute.value.lowercased().hasPrefix("mailto:"): add("html-mailto-links")
                case "href" where attribute.value.hasPrefix("#"): add("html-anchor-links")
                case "style":
                    // A client that ignores the CSS size keeps the `width`/`height` attribute beside it.
                    let sizedByAttribute = Set((names.contains("width") ? ["css-width", "css-max-width"] : [])
                        + (names.contains("height") ? ["css-height"] : []))
                    for use in cssFeatures(attribute.value, bgcolor: names.contains("bgcolor")) where !sizedByAttribute.contains(use.slug) {
                        let cell = tag.name == "td" || tag.name == "th"
                        add(use.slug, fallback: use.fallback, partial: use.partial || (use.slug == "css-padding" && !cell && !paddedByCell)
                            || (use.slug == "css-display-none" && tag.name == "img"))
                    }
                default: continue
                }
            }
        }
        return uses
    }

    /// The CSS features of a `style` attribute's declarations.
    static func cssFeatures(_ css: String, bgcolor: Bool) -> [(slug: String, fallback: Bool, partial: Bool)] {
        var result: [(slug: String, fallback: Bool, partial: Bool)] = []
        func add(_ slug: String, fallback: Bool = false, partial: Bool = false) { result.append((slug, fallback, partial)) }
        let declarations = css.split(separator: ";").compactMap { declaration -> (String, String)? in
            guard let colon = declaration.firstIndex(of: ":") else { return nil }
            return (declaration[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                    declaration[declaration.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased())
        }
        let hasColour = bgcolor || declarations.contains { $0.0 == "background-color" || ($0.0 == "background" && !$0.1.contains("url(")) }
        // Hidden content (a preheader): the rest of its CSS only backs up the hiding, so only the hiding is judged.
        let hidden = declarations.contains { $0.0 == "display" && $0.1.hasPrefix("none") }
        for (property, value) in declarations where !hidden || property == "display" {
            switch property {
            case "display":
                let kind = value.replacingOccurrences(of: "!important", with: "").trimmingCharacters(in: .whitespaces)
                switch kind {
                case "flex", "inline-flex": add("css-display-flex")
                case "grid", "inline-grid": add("css-display-grid")
                case "none": add("css-display-none")
                default: add("css-display")
                }
            case "background-image": add("css-background-image", fallback: hasColour)
            case "background":
                add("css-background")
                if value.contains("url(") { add("css-background-image", fallback: hasColour) }
            case "padding-inline-start", "padding-inline-end": add("css-padding-inline-start-end")
            case "margin-inline-start", "margin-inline-end": add("css-margin-inline-start-end")
            case "top", "right", "bottom", "left": add("css-left-right-top-bottom")
            case "text-align": add("css-text-align", partial: ["start", "end", "match-parent"].contains(value))
            case "grid-template", "grid-template-columns", "grid-template-rows": add("css-grid-template")
            case let name where name.hasPrefix("--"): add("css-variables")
            case let name where name.hasPrefix("mso-"): continue
            default: add("css-\(property)")
            }
            for (needle, slug) in [("var(", "css-variables"), ("calc(", "css-unit-calc"), ("linear-gradient(", "css-linear-gradient"),
                                   ("radial-gradient(", "css-radial-gradient"), ("rgba(", "css-rgba"), ("!important", "css-important")]
                where value.contains(needle) {
                add(slug)
            }
            for match in value.matches(of: relativeUnit) {
                add("css-unit-\(match.output.1)")
            }
        }
        return result
    }

    /// Byte ranges inside Outlook conditional comments: `<!--[if mso]>…<![endif]-->` and
    /// `<!--[if !mso]><!-->…<!--<![endif]-->`.
    static func conditionalScopes(_ bytes: [UInt8]) -> [(range: Range<Int>, scope: Scope)] {
        let text = String(decoding: bytes, as: UTF8.self)
        var scopes: [(range: Range<Int>, scope: Scope)] = []
        for match in text.matches(of: conditionalComment) {
            let condition = match.output.1
            let start = text.utf8.distance(from: text.startIndex, to: match.range.lowerBound)
            let end = text.utf8.distance(from: text.startIndex, to: match.range.upperBound)
            guard condition.contains("mso") else { continue }
            scopes.append((start..<end, condition.contains("!mso") ? .notMSO : .msoOnly))
        }
        return scopes
    }
}
