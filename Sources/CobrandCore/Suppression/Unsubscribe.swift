import Foundation

/// Signs unsubscribe addresses per partner and campaign, so a link works for that partner's list and no
/// other, and a made-up address records nothing. The recipient's address is not signed: the sending tool
/// merges it in at send time, long after the build.
public struct UnsubscribeSigner: Sendable {
    private let key: PurposeKey

    /// `secret` is the tracking secret; the unsubscribe key is derived from it, so the two never sign alike.
    public init(secret: Data) { key = PurposeKey(secret: secret, purpose: "cobrand unsubscribe v1") }

    public func token(partner: String, campaign: String) -> String { key.code([partner, campaign]) }

    public func verify(_ token: String, partner: String, campaign: String) -> Bool { key.verify(token, [partner, campaign]) }

    /// Identifies the key in inputs hashes (a new secret re-renders every kit), without revealing it.
    public var fingerprint: String { key.code(["fingerprint"]) }
}

/// The unsubscribe address of a partner's campaign emails: `<portal_url>/unsubscribe/<partner>/<campaign>/<token>?hl=<locale>`,
/// with `&email=<merge tag>` where the sending tool merges the recipient's address in (ESP imports). A
/// plain `.eml` sent from a mail client has no merge, so its address has no `email` and the page asks for it.
/// The locale only picks the page's language, so it is not signed.
public struct UnsubscribeLink: Sendable, Equatable {
    public let partner: String
    public let campaign: String
    public let locale: LocaleTag?
    public let token: String

    public init(partner: String, campaign: String, locale: LocaleTag? = nil, signer: UnsubscribeSigner?) {
        self.partner = partner
        self.campaign = campaign
        self.locale = locale
        token = signer?.token(partner: partner, campaign: campaign) ?? ""
    }

    public var path: String { "/unsubscribe/\(partner)/\(campaign)/\(token)" }

    /// The address on `portal`, with `recipient` (a merge tag, never percent-encoded: the ESP must find it
    /// as written) as the `email` query value.
    public func url(portal: ProjectConfig, recipient: String? = nil) -> String {
        let query = [locale.map { "hl=" + $0.identifier }, recipient.map { "email=" + $0 }].compactMap { $0 }
        return portal.portalAddress(path) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// Whether an address identifies the recipient, which RFC 8058 one-click needs.
    public static func identifiesRecipient(_ url: String) -> Bool { url.contains(/[?&]email=[^&#]/) }
}

/// One address a partner must not email again, and why it is there.
public struct Suppression: Sendable, Equatable {
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// RFC 8058 one-click POST from the mail client's unsubscribe button.
        case oneClick = "one-click"
        /// The unsubscribe page, confirmed by the recipient.
        case page
    }

    public let partner: String
    public let address: EmailAddress
    public let campaign: String
    public let source: Source

    /// The suppression for `text` from a verified link, or why there is none. One per address and partner:
    /// the normalised address is the key, so `Jane@X.com` and `jane@x.com ` are one entry.
    public static func make(partner: String, campaign: String, address text: String, source: Source) throws(FieldError) -> Suppression {
        Suppression(partner: partner, address: try address(text), campaign: campaign, source: source)
    }

    /// The address a link or form gives. An ESP that merges it without percent-encoding turns its `+` into a
    /// space on the way, so a space inside is read as the `+` it was.
    public static func address(_ text: String) throws(FieldError) -> EmailAddress {
        guard let address = EmailAddress(text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " ", with: "+")) else {
            throw FieldError(field: "email", code: "invalid", message: "Enter the email address that received the message, such as name@example.com.")
        }
        return address
    }

    /// The CSV export's columns, in order.
    public static let columns = ["email", "campaign", "source", "unsubscribed_at"]
}
