import Crypto
import Foundation

/// The anti-forgery token every portal form carries: an HMAC of the session id under a server secret.
///
/// A page from another site can make the browser post to the portal, but cannot read the portal's pages,
/// so it cannot know the token. Tied to the session, it needs no storage and dies with the session.
public struct FormToken: Sendable {
    /// The form field that carries the token.
    public static let field = "csrf"

    private let key: SymmetricKey

    public init(secret: Data) {
        key = SymmetricKey(data: SHA256.hash(data: Data("cobrand form token\0".utf8) + secret))
    }

    public func token(session: String) -> String {
        Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: key))
    }

    /// Compares in constant time.
    public func isValid(_ token: String?, session: String) -> Bool {
        guard let token, let code = Base64URL.decode(token) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: Data(session.utf8), using: key)
    }
}
