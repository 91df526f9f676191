import CPluralRules
import Foundation

/// CLDR plural categories.
public enum PluralCategory: String, Sendable, CaseIterable, Comparable {
    case zero, one, two, few, many, other

    public static func < (lhs: PluralCategory, rhs: PluralCategory) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// A locale's CLDR plural rules, from ICU.
///
/// Rules are loaded once per locale and shared: ICU's plural rules are immutable after opening and
/// selecting only reads them, so concurrent use is safe.
public final class PluralRules: @unchecked Sendable {
    // Safe to share: `rules` is never mutated after init; ICU's select and getKeywords take it as const.
    private let rules: UnsafeMutableRawPointer
    /// The categories this locale uses, in CLDR order.
    public let categories: [PluralCategory]

    public init?(locale: String) {
        guard let rules = cobrand_plurals_open(locale.replacingOccurrences(of: "-", with: "_")) else { return nil }
        self.rules = rules
        var buffer = [CChar](repeating: 0, count: 64)
        let length = cobrand_plurals_keywords(rules, &buffer, Int32(buffer.count))
        let text = length > 0 ? String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        categories = text.split(separator: " ").compactMap { PluralCategory(rawValue: String($0)) }.sorted()
    }

    deinit { cobrand_plurals_close(rules) }

    /// The category of `number` (integers and decimals, as CLDR defines them for this locale).
    public func category(for number: Double) -> PluralCategory {
        var buffer = [CChar](repeating: 0, count: 16)
        let length = cobrand_plurals_select(rules, number, &buffer, Int32(buffer.count))
        guard length > 0 else { return .other }
        return PluralCategory(rawValue: String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)) ?? .other
    }

    private static let cache = RulesCache()

    /// Shared rules for a locale tag, cached per tag.
    public static func forLocale(_ tag: LocaleTag) -> PluralRules? { cache.rules(for: tag.identifier) }
}

/// Opens each locale's rules once.
private final class RulesCache: @unchecked Sendable {
    // Safe: `lock` guards `entries`, the only mutable state.
    private let lock = NSLock()
    private var entries: [String: PluralRules] = [:]

    func rules(for identifier: String) -> PluralRules? {
        lock.lock()
        defer { lock.unlock() }
        if let rules = entries[identifier] { return rules }
        let rules = PluralRules(locale: identifier)
        entries[identifier] = rules
        return rules
    }
}
