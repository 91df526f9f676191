import Crypto
import Foundation

/// Signs unsubscribe addresses per partner and campaign, so a link works for that partner's list and no
/// other, and a made-up address records nothing. The recipient's address is not signed: the sending tool
/// merges it in at send time, long after the build.
public struct UnsubscribeSigner: Sendable {
    private let key: SymmetricKey

    /// `secret` is the tracking secret; the unsubscribe key is derived from it, so the two never sign alike.
    public init(secret: Data) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("cobrand unsubscribe v1".utf8), using: SymmetricKey(data: secret)))
    }

    public func token(partner: String, campaign: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data([partner, campaign].joined(separator: "\n").utf8), using: key)
        return Data(code.prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public func verify(_ token: String, partner: String, campaign: String) -> Bool {
        let expected = self.token(partner: partner, campaign: campaign)
        return expected.utf8.count == token.utf8.count && zip(expected.utf8, token.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
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
    public static func identifiesRecipient(_ url: String) -> Bool { url.contains("?email=") || url.contains("&email=") }
}

/// One address a partner must not email again, and why it is there.
public struct Suppression: Sendable, Equatable, Codable {
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
        // An ESP that merges the address without percent-encoding turns its `+` into a space.
        let repaired = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " ", with: "+")
        guard let address = EmailAddress(repaired) else {
            throw FieldError(field: "email", code: "invalid", message: "Enter the email address that received the message, such as name@example.com.")
        }
        return Suppression(partner: partner, address: address, campaign: campaign, source: source)
    }

    /// The CSV export's columns, in order.
    public static let columns = ["email", "campaign", "source", "unsubscribed_at"]
}

extension EmailAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = EmailAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not an email address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(normalized)
    }
}
