import Foundation

/// The translation exchange with agencies: XLIFF 2.0 out, XLIFF 2.0 or 1.2 in.
///
/// Each catalog message is a unit (plural forms are units `key:category`); `{name}` placeholders become
/// `<ph>` so translators cannot break them, and brand terms are wrapped in `<mrk translate="no">`.
public enum XLIFF {
    public enum State: String, Sendable, Equatable, CaseIterable {
        case initial, translated, reviewed, final
    }

    /// One translatable message.
    public struct Unit: Sendable, Equatable {
        public let id: String
        public let source: String
        public let target: String?
        public let state: State
        public let note: String?
    }

    /// A `<file>`: the messages one campaign uses (or `shared`).
    public struct File: Sendable, Equatable {
        public let id: String
        public let units: [Unit]
    }

    public struct Document: Sendable, Equatable {
        public let sourceLocale: LocaleTag
        public let targetLocale: LocaleTag
        public let files: [File]
    }

    public enum ImportError: Error, Equatable, CustomStringConvertible {
        case malformed(file: String, reason: String)
        case unsupportedVersion(file: String, version: String)
        case wrongSource(file: String, found: String, expected: String)
        case badTarget(file: String, found: String)
        case unknownKeys(file: String, keys: [String])
        case placeholders(file: String, unit: String, reason: String)

        public var description: String {
            switch self {
            case let .malformed(file, reason): return "\(file): not well-formed XML (\(reason)); fix the file or export it again"
            case let .unsupportedVersion(file, version): return "\(file): XLIFF version '\(version)' is not supported; send XLIFF 2.0 or 1.2"
            case let .wrongSource(file, found, expected): return "\(file): source language \(found) is not the project's default locale \(expected); translate from \(expected)"
            case let .badTarget(file, found): return "\(file): target language '\(found)' is missing or not a locale other than the default; set trgLang (2.0) or target-language (1.2)"
            case let .unknownKeys(file, keys): return "\(file): unknown units \(keys.joined(separator: ", ")); they are not in the default catalog, so nothing was imported"
            case let .placeholders(file, unit, reason): return "\(file): unit \(unit): \(reason); keep every placeholder of the source"
            }
        }
    }

    // MARK: Export

    /// Builds the document for `locale`: every default-locale message, grouped by the campaign that uses it.
    public static func document(project: Project, locale: LocaleTag, states: [String: State] = [:], notes: [String: String] = [:]) -> Document {
        let source = project.catalogs[project.config.defaultLocale] ?? Catalog(locale: project.config.defaultLocale)
        let target = project.catalogs[locale]
        var fileOfKey: [String: String] = [:]
        for use in Validator.messageUses(project) {
            let parts = use.file.split(separator: "/")
            let owner = parts.count > 2 && parts[0] == "Templates" && parts[1] != "_shared" ? String(parts[1]) : "shared"
            fileOfKey[use.key] = fileOfKey[use.key].map { $0 == owner ? owner : "shared" } ?? owner
        }
        var units: [String: [Unit]] = [:]
        for key in source.messages.keys.sorted() {
            let text = target?.messages[key]
            units[fileOfKey[key] ?? "shared", default: []].append(
                Unit(id: key, source: source.messages[key] ?? "", target: text, state: text == nil ? .initial : states[key] ?? .translated, note: notes[key]))
        }
        for key in source.plurals.keys.sorted() {
            let forms = source.plurals[key] ?? [:]
            let needed = Set((PluralRules.forLocale(locale)?.categories ?? [.other]) + Array(target?.plurals[key]?.keys ?? [:].keys))
            for category in PluralCategory.allCases where needed.contains(category) {
                let id = "\(key):\(category.rawValue)"
                let text = target?.plurals[key]?[category]
                let note = ["plural form '\(category.rawValue)' for \(locale)", notes[key]].compactMap { $0 }.joined(separator: "; ")
                units[fileOfKey[key] ?? "shared", default: []].append(
                    Unit(id: id, source: forms[category] ?? forms[.other] ?? "", target: text, state: text == nil ? .initial : states[id] ?? .translated, note: note))
            }
        }
        return Document(sourceLocale: source.locale, targetLocale: locale,
                        files: units.keys.sorted().map { File(id: $0, units: units[$0] ?? []) })
    }

    /// XLIFF 2.0 text; `brandTerms` are marked `translate="no"`.
    public static func encode(_ document: Document, brandTerms: [String]) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="\(document.sourceLocale)" trgLang="\(document.targetLocale)">

            """
        for file in document.files {
            xml += "  <file id=\"\(escape(file.id))\">\n"
            for unit in file.units {
                xml += "    <unit id=\"\(escape(unit.id))\">\n"
                if let note = unit.note { xml += "      <notes><note category=\"translator\">\(escape(note))</note></notes>\n" }
                var ids = PlaceholderIDs()
                let source = inline(unit.source, brandTerms: brandTerms) { ids.source($0) }
                xml += "      <segment state=\"\(unit.state.rawValue)\">\n        <source>\(source)</source>\n"
                if let target = unit.target {
                    xml += "        <target>\(inline(target, brandTerms: brandTerms) { ids.target($0) })</target>\n"
                }
                xml += "      </segment>\n    </unit>\n"
            }
            xml += "  </file>\n"
        }
        return xml + "</xliff>\n"
    }

    /// `<ph>` ids: unique per occurrence in the source; the target's n-th `{name}` reuses the source's n-th id.
    struct PlaceholderIDs {
        private var count = 0
        private var bySource: [String: [String]] = [:]
        private var used: [String: Int] = [:]

        mutating func source(_ name: String) -> String {
            count += 1
            bySource[name, default: []].append("ph\(count)")
            return "ph\(count)"
        }

        mutating func target(_ name: String) -> String {
            let ids = bySource[name] ?? []
            let index = used[name, default: 0]
            used[name] = index + 1
            if index < ids.count { return ids[index] }
            count += 1
            return "ph\(count)"
        }
    }

    /// Message text as XLIFF inline content: placeholders as `<ph>`, brand terms as `<mrk translate="no">`.
    static func inline(_ message: String, brandTerms: [String], id: (String) -> String) -> String {
        var result = ""
        var rest = message[...]
        var marks = 0
        func text(_ part: Substring) {
            var remaining = part
            while !remaining.isEmpty {
                let hits = brandTerms.filter { !$0.isEmpty }.compactMap { term in remaining.range(of: term).map { (term, $0) } }
                guard let (term, range) = hits.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else {
                    result += escape(String(remaining))
                    return
                }
                result += escape(String(remaining[..<range.lowerBound]))
                marks += 1
                result += "<mrk id=\"m\(marks)\" translate=\"no\">\(escape(term))</mrk>"
                remaining = remaining[range.upperBound...]
            }
        }
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}"), case let name = String(after[..<close]),
                  !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
            else {
                text(rest[...open])
                rest = after
                continue
            }
            text(rest[..<open])
            result += "<ph id=\"\(id(name))\" disp=\"{\(escape(name))}\" equiv=\"{\(escape(name))}\"/>"
            rest = after[after.index(after: close)...]
        }
        text(rest)
        return result
    }

    static func escape(_ text: String) -> String { AtomFeed.escape(text) }

    // MARK: Import

    /// Translations read from an XLIFF 2.0 or 1.2 file: unit id (`key` or `key:category`) to text and state.
    public struct Translations: Sendable, Equatable {
        public let locale: LocaleTag
        public var texts: [String: String]
        public var states: [String: State]
    }

    /// Parses and checks an XLIFF file against the project; throws without side effects on any problem.
    public static func read(_ data: Data, file: String, project: Project) throws(ImportError) -> Translations {
        let root: XMLTree.Element
        do { root = try XMLTree.parse(data).root } catch {
            switch error {
            case .unreadable(let problem): throw .malformed(file: file, reason: problem)
            case .doctype: throw .malformed(file: file, reason: "the file has a DOCTYPE or entity declarations, which XLIFF does not need; export it again")
            case let .malformed(line, reason): throw .malformed(file: file, reason: "line \(line): \(reason)")
            }
        }
        guard root.localName == "xliff" else { throw .malformed(file: file, reason: "the root element is not <xliff>") }
        let version = root.attribute("version") ?? ""
        let defaultLocale = project.config.defaultLocale
        var units: [(id: String, source: XMLTree.Element?, target: XMLTree.Element?, state: State)] = []
        let targetText: String
        let sourceText: String
        switch version {
        case "2.0", "2.1", "2.2":
            sourceText = root.attribute("srcLang") ?? ""
            targetText = root.attribute("trgLang") ?? ""
            for unit in root.descendants(named: "unit") {
                let segment = unit.descendants(named: "segment").first
                let state = State(rawValue: segment?.attribute("state") ?? "") ?? .translated
                units.append((unit.attribute("id") ?? "", segment?.descendants(named: "source").first, segment?.descendants(named: "target").first, state))
            }
        case "1.2", "1.1":
            let fileElement = root.descendants(named: "file").first
            sourceText = fileElement?.attribute("source-language") ?? ""
            targetText = fileElement?.attribute("target-language") ?? ""
            for unit in root.descendants(named: "trans-unit") {
                let target = unit.descendants(named: "target").first
                units.append((unit.attribute("resname") ?? unit.attribute("id") ?? "", unit.descendants(named: "source").first, target,
                              state12(target?.attribute("state"), approved: unit.attribute("approved") == "yes")))
            }
        default:
            throw .unsupportedVersion(file: file, version: version)
        }
        guard LocaleTag(sourceText) == defaultLocale else {
            throw .wrongSource(file: file, found: sourceText, expected: defaultLocale.identifier)
        }
        guard let locale = LocaleTag(targetText), locale != defaultLocale else { throw .badTarget(file: file, found: targetText) }

        let source = project.catalogs[defaultLocale] ?? Catalog(locale: defaultLocale)
        let unknown = units.map(\.id).filter { id in
            if source.messages[id] != nil { return false }
            let parts = id.split(separator: ":")
            return !(parts.count == 2 && source.plurals[String(parts[0])] != nil && PluralCategory(rawValue: String(parts[1])) != nil)
        }
        guard unknown.isEmpty else { throw .unknownKeys(file: file, keys: unknown.sorted()) }

        var translations = Translations(locale: locale, texts: [:], states: [:])
        for unit in units {
            guard let target = unit.target else { continue }
            let sourceIDs = placeholderNames(unit.source)
            let text = try message(target, placeholders: sourceIDs, file: file, unit: unit.id)
            // A plural form may spell its number out ("one minute"), so {count} is optional there.
            let optional: Set<String> = unit.id.contains(":") ? ["count"] : []
            let expected = Set(Catalog.placeholders(in: message(ofUnit: unit.id, in: source))).subtracting(optional)
            let found = Set(Catalog.placeholders(in: text)).subtracting(optional)
            guard found == expected else {
                let lacking = expected.subtracting(found).sorted().map { "{\($0)}" }
                let extra = found.subtracting(expected).sorted().map { "{\($0)}" }
                throw .placeholders(file: file, unit: unit.id, reason: "the target" + (lacking.isEmpty ? "" : " lacks \(lacking.joined(separator: ", "))")
                    + (extra.isEmpty ? "" : " has unknown \(extra.joined(separator: ", "))"))
            }
            translations.texts[unit.id] = text
            if unit.state == .reviewed || unit.state == .final { translations.states[unit.id] = unit.state }
        }
        return translations
    }

    static func message(ofUnit id: String, in catalog: Catalog) -> String {
        if let text = catalog.messages[id] { return text }
        let parts = id.split(separator: ":")
        guard parts.count == 2, let forms = catalog.plurals[String(parts[0])] else { return "" }
        return forms[PluralCategory(rawValue: String(parts[1])) ?? .other] ?? forms[.other] ?? ""
    }

    /// XLIFF 1.2 states to ours: signed-off is reviewed; new and needs-* are initial.
    static func state12(_ value: String?, approved: Bool) -> State {
        switch value {
        case "final": return .final
        case "signed-off": return .reviewed
        case "new", "needs-translation", "needs-l10n", "needs-adaptation": return .initial
        default: return approved ? .reviewed : .translated
        }
    }

    /// ph id to placeholder name, from a source element's `<ph>`/`<x>` (via `equiv`/`equiv-text`/`disp`).
    static func placeholderNames(_ element: XMLTree.Element?) -> [String: String] {
        var names: [String: String] = [:]
        for child in (element?.descendants(named: "ph") ?? []) + (element?.descendants(named: "x") ?? []) {
            if let id = child.attribute("id"), let name = placeholderName(child) { names[id] = name }
        }
        return names
    }

    static func placeholderName(_ element: XMLTree.Element) -> String? {
        let raw = element.attribute("equiv") ?? element.attribute("equiv-text") ?? element.attribute("disp")
            ?? (element.text.isEmpty ? nil : element.text)
        guard let raw, raw.hasPrefix("{"), raw.hasSuffix("}") else { return nil }
        return String(raw.dropFirst().dropLast())
    }

    /// A target element back to message text: text kept, `<ph>`/`<x>` to `{name}`, `<mrk>`/`<g>` to their text.
    static func message(_ element: XMLTree.Element, placeholders: [String: String], file: String, unit: String) throws(ImportError) -> String {
        var text = ""
        for node in element.children {
            switch node {
            case .text(let part):
                text += part
            case .element(let child) where child.localName == "ph" || child.localName == "x":
                guard let name = placeholderName(child) ?? child.attribute("id").flatMap({ placeholders[$0] }) else {
                    throw .placeholders(file: file, unit: unit, reason: "a <\(child.localName)> in the target matches no placeholder of the source")
                }
                text += "{\(name)}"
            case .element(let child):
                text += try message(child, placeholders: placeholders, file: file, unit: unit)
            case .comment, .instruction:
                continue
            }
        }
        return text
    }
}
