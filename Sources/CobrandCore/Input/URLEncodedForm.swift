import Foundation

/// `application/x-www-form-urlencoded` bodies, as browsers post them. Written out because Foundation's
/// `URLComponents.percentEncodedQuery` setter traps on an invalid escape such as `%ZZ`: one such post to
/// the public lead endpoint took the whole server down.
public enum URLEncodedForm {
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let pair: String
        public init(pair: String) { self.pair = pair }
        public var description: String {
            "the form is not valid URL encoding near '\(pair.prefix(40))'; send it as the browser does (application/x-www-form-urlencoded)"
        }
    }

    /// Name and value pairs in order; `+` is a space; the first value of a repeated name wins in `fields`.
    public static func pairs(_ body: String) throws(Malformed) -> [(name: String, value: String)] {
        try body.split(separator: "&", omittingEmptySubsequences: true).map { pair throws(Malformed) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = parts.count == 2 ? decode(parts[1]) : "" else { throw Malformed(pair: String(pair)) }
            return (name, value)
        }
    }

    public static func fields(_ body: String) throws(Malformed) -> [String: String] {
        Dictionary(try pairs(body), uniquingKeysWith: { first, _ in first })
    }

    /// Percent-decoding that answers nil, not a trap, for a bad escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
