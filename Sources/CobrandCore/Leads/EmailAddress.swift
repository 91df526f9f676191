import Foundation

/// An email address as leads and the roster use it: checked for plausible syntax, and normalised so the
/// same person is found again (`Jane.Doe@ACME.com ` and `jane.doe@acme.com` are one lead).
public struct EmailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Lower-cased, trimmed.
    public let normalized: String
    public var description: String { normalized }
    public var local: Substring { normalized[..<normalized.lastIndex(of: "@")!] }
    public var domain: Substring { normalized[normalized.index(after: normalized.lastIndex(of: "@")!)...] }

    /// Nil unless `text` looks like `local@domain.tld`: at most 254 characters, a local part of 1 to 64
    /// characters without spaces, quotes or angle brackets, and a domain with a dot and valid labels.
    public init?(_ text: String) {
        let trimmed = text.trimmed.lowercased()
        guard trimmed.count <= 254, let at = trimmed.lastIndex(of: "@") else { return nil }
        let local = trimmed[..<at], domain = trimmed[trimmed.index(after: at)...]
        let forbidden = Self.forbidden
        guard (1...64).contains(local.count), !local.contains(where: forbidden.contains), !local.hasPrefix("."), !local.hasSuffix("."),
              !local.contains(".."), Domains.registrable(String(domain)) != nil, !domain.contains(where: forbidden.contains),
              let tld = domain.split(separator: ".").last, tld.count >= 2, tld.allSatisfy(\.isLetter) || tld.hasPrefix("xn--")
        else { return nil }
        normalized = trimmed
    }

    /// Characters an address may not hold outside quotes (which it may not have either).
    static let forbidden = Set(" \t\r\n\"<>(),;:[]\\@")

    /// Whether `text` is an address exactly as written (no surrounding spaces), as roster fields must be.
    public static func isValid(_ text: String) -> Bool {
        text == text.trimmed && EmailAddress(text) != nil
    }
}
