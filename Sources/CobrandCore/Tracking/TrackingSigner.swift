import Crypto
import Foundation

/// Signs and verifies tracking tokens: open pixels, click redirects and page views.
///
/// A token carries its claims (kind, partner, campaign, asset, locale and, for clicks, the exact target
/// URL) and a truncated HMAC-SHA256 over them, so the server needs no lookup to verify one and can never
/// be made to redirect to a URL that was not signed. Tokens are deterministic: the same claims and key
/// give the same token, which keeps builds reproducible.
public struct TrackingSigner: Sendable {
    public enum Kind: String, Sendable, Equatable { case open = "o", click = "c", view = "v" }

    public struct Claims: Sendable, Equatable {
        public let kind: Kind
        public let partner: String
        public let campaign: String
        public let asset: String
        public let locale: String
        /// The redirect target; clicks only.
        public let target: String?

        public init(kind: Kind, partner: String, campaign: String, asset: String, locale: String, target: String? = nil) {
            self.kind = kind
            self.partner = partner
            self.campaign = campaign
            self.asset = asset
            self.locale = locale
            self.target = target
        }
    }

    /// Where the tracking endpoints live, without a trailing slash.
    public let baseURL: String
    private let key: SymmetricKey
    /// Identifies the key without revealing it; part of every kit's inputs hash.
    public let fingerprint: String

    static let version = "1"
    static let tagBytes = 16

    public init(baseURL: String, secret: Data) {
        self.baseURL = baseURL.trimmingSuffix("/")
        key = SymmetricKey(data: secret)
        fingerprint = Checksum.sha256(Data("cobrand-tracking-key\n".utf8) + secret) + "@" + self.baseURL
    }

    public func token(_ claims: Claims) -> String {
        let payload = Data([Self.version, claims.kind.rawValue, claims.partner, claims.campaign, claims.asset, claims.locale,
                            claims.target ?? ""].joined(separator: "\n").utf8)
        return Base64URL.encode(payload) + "." + Base64URL.encode(tag(payload))
    }

    /// The claims of a valid token; nil for anything forged, altered or malformed.
    public func verify(_ token: String) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])), let mac = Base64URL.decode(String(parts[1])),
              mac.count == Self.tagBytes, constantTimeEqual(mac, tag(payload))
        else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 7, fields[0] == Self.version, let kind = Kind(rawValue: fields[1]) else { return nil }
        return Claims(kind: kind, partner: fields[2], campaign: fields[3], asset: fields[4], locale: fields[5],
                      target: kind == .click ? fields[6] : nil)
    }

    public func clickURL(_ claims: Claims) -> String { "\(baseURL)/t/c/\(token(claims))" }
    public func openPixelURL(_ claims: Claims) -> String { "\(baseURL)/t/o/\(token(claims)).gif" }
    public func viewURL(_ claims: Claims) -> String { "\(baseURL)/t/v/\(token(claims))" }

    private func tag(_ payload: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: payload, using: key).prefix(Self.tagBytes))
    }

    private func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// URL-safe base64 without padding (RFC 4648 section 5).
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
