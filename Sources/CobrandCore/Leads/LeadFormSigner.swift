import Foundation

/// Signs the hidden fields of a generated page's lead form, so the server can tell a lead sent through a
/// page Cobrand generated from one posted straight to the public API. The signature covers partner,
/// campaign, asset and locale; it is the same for every visitor of the page, so it proves the form's
/// origin, not who filled it in (see `TrackedLeadRule`).
public struct LeadFormSigner: Sendable {
    private let key: PurposeKey

    /// `secret` is the tracking secret; the form key is derived from it, so the two never sign alike.
    public init(secret: Data) { key = PurposeKey(secret: secret, purpose: "cobrand lead form v1") }

    public static let field = "form_signature"

    public func signature(partner: String, campaign: String, asset: String, locale: String) -> String {
        key.code([partner, campaign, asset, locale])
    }

    public func verify(_ signature: String?, partner: String, campaign: String, asset: String, locale: String) -> Bool {
        guard let signature else { return false }
        return key.verify(signature, [partner, campaign, asset, locale])
    }
}
