import Foundation

/// An sRGB colour written `#RRGGBB`, with the WCAG 2.1 contrast arithmetic brand checks need.
public struct Color: Hashable, Sendable, CustomStringConvertible, Codable {
    public let red: UInt8
    public let green: UInt8
    public let blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#RRGGBB` (case-insensitive). Nothing else is accepted, so a colour can never smuggle CSS.
    public init?(hex: String) {
        let body = hex.utf8
        guard body.count == 7, body.first == UInt8(ascii: "#"),
              body.dropFirst().allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }),
              let value = UInt32(hex.dropFirst(), radix: 16)
        else { return nil }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    public var description: String { "#" + [red, green, blue].hex.uppercased() }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let color = Color(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a colour; write #RRGGBB"))
        }
        self = color
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static let white = Color(red: 255, green: 255, blue: 255)
    public static let black = Color(red: 0, green: 0, blue: 0)

    /// WCAG 2.1 relative luminance.
    public var luminance: Double {
        func channel(_ value: UInt8) -> Double {
            let c = Double(value) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    }

    /// WCAG contrast ratio, from 1 (none) to 21 (black on white).
    public func contrast(with other: Color) -> Double {
        let (a, b) = (luminance, other.luminance)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// Mixes `fraction` (0...1) of `other` into this colour.
    func mixed(with other: Color, fraction: Double) -> Color {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * fraction).rounded()) }
        return Color(red: mix(red, other.red), green: mix(green, other.green), blue: mix(blue, other.blue))
    }

    /// WCAG AA for normal text.
    public static let minimumContrast = 4.5

    /// The nearest colour, darker or lighter in 1% steps, that reaches `minimum` contrast against `other`.
    ///
    /// Returns `self` when it already passes. Either black or white always passes 4.5:1 against any
    /// colour (the worst case is about 4.58:1), so the search always ends.
    public func accessible(against other: Color, minimum: Double = Color.minimumContrast) -> Color {
        if contrast(with: other) >= minimum { return self }
        for step in 1...100 {
            let fraction = Double(step) / 100
            let candidates = [mixed(with: .black, fraction: fraction), mixed(with: .white, fraction: fraction)]
                .filter { $0.contrast(with: other) >= minimum }
            if let best = candidates.max(by: { $0.contrast(with: other) < $1.contrast(with: other) }) { return best }
        }
        return Color.black.contrast(with: other) >= Color.white.contrast(with: other) ? .black : .white
    }
}
