import CobrandCore
import Foundation
import Hummingbird

/// The token a sign-in form carries before there is a session to derive one from: a random value in a
/// short-lived cookie and the same value in the form (double submit). Another site can make a browser post
/// to the sign-in URL but can neither read nor set the cookie, so it cannot sign a victim into an account
/// of its choosing.
struct SignInFormToken: Sendable {
    let cookieName: String
    let path: String

    /// A fresh value for the form, and the cookie that must come back with it.
    func issue(_ random: RandomSource) -> (value: String, cookie: Cookie) {
        let value = random.token(bytes: 24)
        return (value, Cookie(name: cookieName, value: value, maxAge: 3600, path: path, secure: true, httpOnly: true, sameSite: .strict))
    }

    /// The form's value equals the cookie's (compared in constant time).
    func isValid(_ request: Request, form: [String: String]) -> Bool {
        guard let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty, let sent = form[FormToken.field] else { return false }
        let (a, b) = (Array(cookie.utf8), Array(sent.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
