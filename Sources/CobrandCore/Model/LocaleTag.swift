import Foundation

/// A BCP 47 language tag as Cobrand uses it: `language[-Script][-REGION]`, normalised in case.
public struct LocaleTag: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The normalised tag, such as `de-DE`, `zh-Hant-TW` or `ar`.
    public let identifier: String

    /// Accepts `de-de`, `de_DE` and `de-DE` alike; rejects anything that is not language, optional script and optional region.
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: "_", with: "-").split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        var normalised = [first.lowercased()]
        var rest = parts.dropFirst()
        if let script = rest.first, script.count == 4, script.allSatisfy({ $0.isASCII && $0.isLetter }) {
            normalised.append(script.prefix(1).uppercased() + script.dropFirst().lowercased())
            rest = rest.dropFirst()
        }
        if let region = rest.first {
            let isAlpha = region.count == 2 && region.allSatisfy { $0.isASCII && $0.isLetter }
            let isNumeric = region.count == 3 && region.allSatisfy { $0.isASCII && $0.isNumber }
            guard isAlpha || isNumeric else { return nil }
            normalised.append(region.uppercased())
            rest = rest.dropFirst()
        }
        guard rest.isEmpty else { return nil }
        identifier = normalised.joined(separator: "-")
    }

    /// For tags written in the source, known to be valid.
    init(literal identifier: String) { self.identifier = identifier }

    /// The language subtag: `de` for `de-AT`.
    public var language: String { String(identifier.prefix { $0 != "-" }) }

    /// Scripts written right to left.
    public var isRightToLeft: Bool { ["ar", "he", "fa", "ur", "yi", "ps", "dv"].contains(language) }

    /// Look-up order: `de-AT`, then `de`, then the project's default locale.
    public func fallbackChain(defaultLocale: LocaleTag) -> [LocaleTag] {
        var chain = [self]
        if let language = LocaleTag(language), language != self { chain.append(language) }
        if !chain.contains(defaultLocale) { chain.append(defaultLocale) }
        return chain
    }

    public var description: String { identifier }
    public static func < (lhs: LocaleTag, rhs: LocaleTag) -> Bool { lhs.identifier < rhs.identifier }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let tag = LocaleTag(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a locale; write a BCP 47 tag such as en-US"))
        }
        self = tag
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(identifier)
    }
}
