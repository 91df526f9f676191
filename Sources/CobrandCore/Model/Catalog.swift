import Foundation
import Yams

/// The messages of one locale, from `Locales/<tag>/*.yaml`. Nested YAML keys are joined with dots.
///
/// Messages are plain text with named placeholders such as `{partner.name}`; they are inserted
/// into templates as data, so they are escaped and never parsed as template syntax.
public struct Catalog: Sendable, Equatable {
    public let locale: LocaleTag
    /// True for catalogs Cobrand makes (the pseudo-locale); checks report problems at their source instead.
    public var isGenerated = false
    public private(set) var messages: [String: String] = [:]
    /// Plural messages: a mapping of CLDR categories (`one`, `few`, `other`, ...) whose text has `{count}`.
    public private(set) var plurals: [String: [PluralCategory: String]] = [:]
    /// The file each key was read from, for messages.
    public private(set) var origins: [String: String] = [:]

    public init(locale: LocaleTag, messages: [String: String] = [:], file: String = "") {
        self.locale = locale
        self.messages = messages
        self.origins = messages.mapValues { _ in file }
    }

    /// Adds the messages of one YAML file, reporting non-text values and keys defined twice.
    mutating func add(yaml: String, file: String) throws(ProjectError) {
        if let root = try YAMLInput.compose(yaml, file: file), addPlain(root, file: file) { return }
        try addAny(yaml: yaml, file: file)
    }

    /// `add` through `Yams.load`'s values: any document, every problem reported.
    mutating func addAny(yaml: String, file: String) throws(ProjectError) {
        guard let root = try YAMLInput.load(yaml, file: file) else { return }
        guard let mapping = root as? [String: Any] else {
            throw ProjectError([.error(file, "a catalog must be a mapping of keys to messages, such as `email.subject: Hello`")])
        }
        var problems: [Diagnostic] = []
        func walk(_ node: [String: Any], prefix: String) {
            for (key, value) in node {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch value {
                case let forms as [String: Any] where Self.isPlural(forms):
                    var plural: [PluralCategory: String] = [:]
                    for (category, text) in forms {
                        guard let category = PluralCategory(rawValue: category), let text = text as? String else {
                            problems.append(.error(file, field: "\(path).\(category)", "a plural form must be text"))
                            continue
                        }
                        plural[category] = text
                    }
                    plurals[path] = plural
                    origins[path] = file
                case let nested as [String: Any]:
                    walk(nested, prefix: path)
                case let text as String:
                    if let first = origins[path] {
                        problems.append(.error(file, field: path, "is also defined in \(first); keep one"))
                    }
                    messages[path] = text
                    origins[path] = file
                case is Int, is Double, is Bool:
                    messages[path] = "\(value)"
                    origins[path] = file
                default:
                    problems.append(.error(file, field: path, "is not text; write the message as a string"))
                }
            }
        }
        walk(mapping, prefix: "")
        if !problems.isEmpty { throw ProjectError(problems) }
    }

    /// `add` straight from the nodes of a file whose keys and messages are all text (or numbers and
    /// booleans as messages), none defined before: without making a dictionary of `Any` of the whole file
    /// first, which with the typing was half of reading the catalogs. False, with nothing added, for anything
    /// else; then `add` reads the file the general way and reports its problems.
    mutating func addPlain(_ root: Node, file: String) -> Bool {
        var texts: [(key: String, text: String)] = []
        var forms: [(key: String, forms: [PluralCategory: String])] = []
        var seen = Set<String>()
        // Text as written, without asking the default rules, unless they could type it.
        func scalar(_ node: Node) -> Any? { YAMLInput.text(node) ?? YAMLInput.typed(node)?.any }
        func walk(_ node: Node, prefix: String) -> Bool {
            guard case let .mapping(mapping) = node else { return false }
            for (key, value) in mapping {
                // Keys as Yams makes them: the scalar's text, typed or not (`yes:` is "yes"); merge keys are its own.
                guard let key = key.scalar?.string, key != "<<", key != "=" else { return false }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch value {
                case let .mapping(mapping):
                    let categories = mapping.keys.map { $0.scalar.flatMap { PluralCategory(rawValue: $0.string) } }
                    guard categories.contains(.other), !categories.contains(nil) else {
                        guard walk(value, prefix: path) else { return false }
                        continue
                    }
                    var plural: [PluralCategory: String] = [:]
                    for (category, text) in zip(categories, mapping.values) {
                        guard let category, let text = scalar(text) as? String else { return false }
                        plural[category] = text
                    }
                    guard seen.insert(path).inserted, origins[path] == nil else { return false }
                    forms.append((path, plural))
                case .scalar:
                    guard seen.insert(path).inserted, origins[path] == nil else { return false }
                    switch scalar(value) {
                    case let text as String: texts.append((path, text))
                    case let typed? where typed is Int || typed is Double || typed is Bool: texts.append((path, "\(typed)"))
                    default: return false
                    }
                default:
                    return false
                }
            }
            return true
        }
        guard walk(root, prefix: "") else { return false }
        for (key, text) in texts {
            messages[key] = text
            origins[key] = file
        }
        for (key, plural) in forms {
            plurals[key] = plural
            origins[key] = file
        }
        return true
    }

    mutating func setPlurals(_ plurals: [String: [PluralCategory: String]]) {
        self.plurals = plurals
        for key in plurals.keys where origins[key] == nil { origins[key] = origins.values.first ?? "" }
    }

    /// A mapping is a plural message when all its keys are CLDR categories and `other` is among them.
    static func isPlural(_ mapping: [String: Any]) -> Bool {
        mapping["other"] != nil && mapping.keys.allSatisfy { PluralCategory(rawValue: $0) != nil }
    }

    /// Every key, plain and plural.
    public var allKeys: Set<String> { Set(messages.keys).union(plurals.keys) }

    /// Placeholder names used in `message`: `{partner.name}` gives `partner.name`.
    public static func placeholders(in message: String) -> [String] {
        var names: [String] = []
        var rest = message[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                names.append(String(name))
            }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// Replaces `{name}` placeholders with `values`; unknown names stay as written, so they show in a preview.
    public static func format(_ message: String, _ values: [String: String]) -> String {
        guard message.utf8.contains(UInt8(ascii: "{")) else { return message }
        var result = ""
        var rest = message[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { rest = rest[open...]; break }
            let name = String(after[..<close])
            if let value = values[name] {
                result += value
            } else {
                result += "{" + name + "}"
            }
            rest = after[after.index(after: close)...]
        }
        return result + rest
    }
}

/// The catalogs of a locale's fallback chain, looked up in order (`de-AT`, `de`, default).
public struct LocalizedStrings: Sendable {
    public let chain: [Catalog]

    public init(chain: [Catalog]) { self.chain = chain }

    /// The message for `key` and the locale it came from.
    public func lookup(_ key: String) -> (text: String, locale: LocaleTag)? {
        for catalog in chain {
            if let text = catalog.messages[key] { return (text, catalog.locale) }
        }
        return nil
    }

    /// The plural forms of `key` and the locale they came from.
    public func plural(_ key: String) -> (forms: [PluralCategory: String], locale: LocaleTag)? {
        for catalog in chain {
            if let forms = catalog.plurals[key] { return (forms, catalog.locale) }
        }
        return nil
    }

    /// Every key any catalog of the chain has.
    public var keys: Set<String> { chain.reduce(into: Set()) { $0.formUnion($1.messages.keys) } }
}
