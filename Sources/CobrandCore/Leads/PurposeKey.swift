import Crypto
import Foundation

/// A key derived from the tracking secret for one purpose (lead forms, unsubscribe links), so no two
/// purposes ever sign alike, and the short URL-safe codes they make.
struct PurposeKey: Sendable {
    private let key: SymmetricKey

    init(secret: Data, purpose: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: secret)))
    }

    /// The first 16 bytes of the HMAC of `parts` joined by newlines, base64url without padding (22 characters).
    func code(_ parts: [String]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(parts.joined(separator: "\n").utf8), using: key)
        return Base64URL.encode(mac.prefix(16))
    }

    /// Whether `given` is the code of `parts`, compared in constant time.
    func verify(_ given: String, _ parts: [String]) -> Bool {
        let expected = Array(code(parts).utf8), actual = Array(given.utf8)
        return expected.count == actual.count && zip(expected, actual).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
