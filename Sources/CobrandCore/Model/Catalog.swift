import Foundation

/// The messages of one locale, from `Locales/<tag>/*.yaml`. Nested YAML keys are joined with dots.
///
/// Messages are plain text with named placeholders such as `{partner.name}`; they are inserted
/// into templates as data, so they are escaped and never parsed as template syntax.
public struct Catalog: Sendable, Equatable {
    public let locale: LocaleTag
    /// True for catalogs Cobrand makes (the pseudo-locale); checks report problems at their source instead.
    public var isGenerated = false
    public internal(set) var messages: [String: String] = [:]
    /// Plural messages: a mapping of CLDR categories (`one`, `few`, `other`, ...) whose text has `{count}`.
    public internal(set) var plurals: [String: [PluralCategory: String]] = [:]
    /// The file each key was read from, for messages.
    public internal(set) var origins: [String: String] = [:]

    public init(locale: LocaleTag, messages: [String: String] = [:], file: String = "") {
        self.locale = locale
        self.messages = messages
        self.origins = messages.mapValues { _ in file }
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
