import Foundation

/// An amount in integer minor units of an ISO 4217 currency: never floating point.
public struct Money: Sendable, Equatable, Decodable {
    public let amountMinor: Int64
    public let currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    enum CodingKeys: String, CodingKey { case amountMinor = "amount_minor", currency }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        amountMinor = try c.decode(Int64.self, forKey: .amountMinor)
        let code = try c.decode(String.self, forKey: .currency).uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw DecodingError.dataCorruptedError(forKey: .currency, in: c, debugDescription: "'\(code)' is not an ISO 4217 code; write USD, EUR, JPY...")
        }
        currency = code
    }

    /// ISO 4217 minor-unit exponents that differ from 2.
    static let exponents: [String: Int] = [
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
        "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3,
    ]

    /// Parses a major-unit amount written with a dot (`12500`, `12500.5`, `12500.50`): nil for anything
    /// else, a negative amount, or more decimals than the currency has.
    public init?(major text: String, currency: String) {
        let code = currency.uppercased()
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let exponent = Self.exponents[code] ?? 2
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }), (1...2).contains(parts.count),
              !parts[0].isEmpty, parts[0].count <= 15, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
              parts.count == 1 || (!parts[1].isEmpty && parts[1].count <= exponent && parts[1].allSatisfy({ $0.isASCII && $0.isNumber })),
              var minor = Int64(parts[0])
        else { return nil }
        let digits = parts.count == 2 ? parts[1].compactMap(\.wholeNumberValue) : []
        for index in 0..<exponent { minor = minor * 10 + Int64(index < digits.count ? digits[index] : 0) }
        self.init(amountMinor: minor, currency: code)
    }

    /// The major-unit amount with the currency's decimals and a dot (`12500.50`), for JSON and CSV.
    public var majorText: String {
        let exponent = Self.exponents[currency] ?? 2
        guard exponent > 0 else { return String(amountMinor) }
        var divisor: Int64 = 1
        for _ in 0..<exponent { divisor *= 10 }
        let fraction = String(amountMinor % divisor)
        return "\(amountMinor / divisor)." + String(repeating: "0", count: exponent - fraction.count) + fraction
    }

    /// The amount as a `Decimal` in major units (4900 USD cents is 49).
    public var decimal: Decimal {
        var value = Decimal(amountMinor)
        for _ in 0..<(Self.exponents[currency] ?? 2) { value /= 10 }
        return value
    }

    /// Written the way `locale` writes money: `$490.00`, `490,00 $`, `US$490.00`...
    public func formatted(_ locale: Locale) -> String {
        decimal.formatted(.currency(code: currency).locale(locale))
    }
}
