import Foundation

/// The networks social posts are written for, with their length rules.
public enum SocialNetwork: String, Sendable, Equatable, CaseIterable, Decodable {
    case linkedin, x, facebook

    /// The recommended size of a shared link or image post's picture, in pixels.
    public var imageSize: (width: Int, height: Int) {
        switch self {
        case .linkedin: return (1200, 627)
        case .x: return (1600, 900)
        case .facebook: return (1200, 630)
        }
    }

    /// Maximum length of a post, counted the network's way.
    public var limit: Int {
        switch self {
        case .linkedin: return 3_000
        case .x: return 280
        case .facebook: return 63_206
        }
    }

    /// The post's length as the network counts it, with the link appended as it will be published.
    public func length(text: String, link: String?) -> Int {
        let full = [text, link].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        switch self {
        case .x: return XText.weightedLength(full)
        case .linkedin, .facebook: return full.count
        }
    }
}

/// X's weighted character count (twitter-text 3): every URL counts 23; code points in Latin and common
/// punctuation ranges count 1; everything else (CJK, most other scripts, emoji) counts 2.
public enum XText {
    public static let urlLength = 23

    static let lightRanges: [ClosedRange<UInt32>] = [0x0000...0x10FF, 0x2000...0x200D, 0x2010...0x201F, 0x2032...0x2037]

    public static func weightedLength(_ text: String) -> Int {
        var total = 0
        for token in tokens(text.precomposedStringWithCanonicalMapping) {
            if token.isURL {
                total += urlLength
                continue
            }
            for character in token.text {
                let scalars = character.unicodeScalars
                if scalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0x200D || $0.value == 0xFE0F }) {
                    total += 2 // an emoji sequence counts as one emoji
                } else {
                    total += scalars.reduce(0) { sum, scalar in
                        sum + (lightRanges.contains { $0.contains(scalar.value) } ? 1 : 2)
                    }
                }
            }
        }
        return total
    }

    /// Splits text into URL and non-URL runs; URLs start with http:// or https:// and end at whitespace.
    static func tokens(_ text: String) -> [(text: String, isURL: Bool)] {
        var result: [(String, Bool)] = []
        var rest = text[...]
        while let start = rest.range(of: "http", options: .caseInsensitive) {
            let candidate = rest[start.lowerBound...]
            let lower = candidate.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                result.append((String(rest[..<start.upperBound]), false))
                rest = rest[start.upperBound...]
                continue
            }
            result.append((String(rest[..<start.lowerBound]), false))
            let end = candidate.firstIndex(where: \.isWhitespace) ?? candidate.endIndex
            result.append((String(candidate[..<end]), true))
            rest = candidate[end...]
        }
        result.append((String(rest), false))
        return result.filter { !$0.0.isEmpty }
    }
}
