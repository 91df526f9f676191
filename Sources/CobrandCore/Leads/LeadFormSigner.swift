import Crypto
import Foundation

/// Signs the hidden fields of a generated page's lead form, so the server can tell a lead sent through a
/// page Cobrand generated from one posted straight to the public API. The signature covers partner,
/// campaign, asset and locale; it is the same for every visitor of the page, so it proves the form's
/// origin, not who filled it in (see `TrackedLeadRule`).
public struct LeadFormSigner: Sendable {
    private let key: SymmetricKey

    /// `secret` is the tracking secret; the form key is derived from it, so the two never sign alike.
    public init(secret: Data) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("cobrand lead form v1".utf8), using: SymmetricKey(data: secret)))
    }

    public static let field = "form_signature"

    public func signature(partner: String, campaign: String, asset: String, locale: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data([partner, campaign, asset, locale].joined(separator: "\n").utf8), using: key)
        return Data(code.prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public func verify(_ signature: String?, partner: String, campaign: String, asset: String, locale: String) -> Bool {
        guard let signature else { return false }
        let expected = self.signature(partner: partner, campaign: campaign, asset: asset, locale: locale)
        return expected.utf8.count == signature.utf8.count && zip(expected.utf8, signature.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
