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
    /// An HMAC already keyed: copying it skips hashing the key pads on every verification.
    private let keyed: HMAC<SHA256>
    /// Identifies the key without revealing it; part of every kit's inputs hash.
    public let fingerprint: String

    static let version = "1"
    static let tagBytes = 16

    public init(baseURL: String, secret: Data) {
        self.baseURL = baseURL.trimmingSuffix("/")
        keyed = HMAC(key: SymmetricKey(data: secret))
        fingerprint = Checksum.sha256(Data("cobrand-tracking-key\n".utf8) + secret) + "@" + self.baseURL
    }

    public func token(_ claims: Claims) -> String {
        let payload = Data([Self.version, claims.kind.rawValue, claims.partner, claims.campaign, claims.asset, claims.locale,
                            claims.target ?? ""].joined(separator: "\n").utf8)
        return Base64URL.encode(payload) + "." + Base64URL.encode(tag(Array(payload)))
    }

    /// The claims of a valid token; nil for anything forged, altered or malformed, and for a click whose target
    /// is not a web address (`WebAddress`). Works on bytes: it runs on every tracked hit.
    public func verify(_ token: String) -> Claims? { verify(token[...]) }

    public func verify(_ token: Substring) -> Claims? {
        let bytes = Array(token.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")), let payload = Base64URL.decode(bytes[..<dot]),
              let mac = Base64URL.decode(bytes[(dot + 1)...]), mac.count == Self.tagBytes,
              constantTimeEqual(mac, tag(payload))
        else { return nil }
        let fields = payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 7, fields[0] == Self.version, let kind = Kind(rawValue: fields[1]) else { return nil }
        // A click is a redirect: its signed target must be a web address, which a Location header can carry.
        guard kind != .click || WebAddress.isValid(fields[6]) else { return nil }
        return Claims(kind: kind, partner: fields[2], campaign: fields[3], asset: fields[4], locale: fields[5],
                      target: kind == .click ? fields[6] : nil)
    }

    public func clickURL(_ claims: Claims) -> String { "\(baseURL)/t/c/\(token(claims))" }
    public func openPixelURL(_ claims: Claims) -> String { "\(baseURL)/t/o/\(token(claims)).gif" }
    public func viewURL(_ claims: Claims) -> String { "\(baseURL)/t/v/\(token(claims))" }

    private func tag(_ payload: [UInt8]) -> [UInt8] {
        var hmac = keyed
        hmac.update(data: payload)
        return Array(hmac.finalize().prefix(Self.tagBytes))
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// URL-safe base64 without padding (RFC 4648 section 5), byte by byte: it runs on every tracked hit.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    public static func encode(_ data: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(data.underestimatedCount * 4 / 3 + 2)
        var bits: UInt32 = 0
        var count = 0
        for byte in data {
            bits = bits << 8 | UInt32(byte)
            count += 8
            while count >= 6 {
                count -= 6
                out.append(alphabet[Int(bits >> UInt32(count) & 0x3F)])
            }
        }
        if count > 0 { out.append(alphabet[Int(bits << UInt32(6 - count) & 0x3F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for any character outside the URL-safe alphabet or an impossible length.
    public static func decode(_ text: String) -> Data? { decode(text.utf8).map { Data($0) } }

    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var bits: UInt32 = 0
        var count = 0
        for byte in text {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(bits >> UInt32(count) & 0xFF))
            }
        }
        guard count < 6, bits & ((1 << UInt32(count)) - 1) == 0 else { return nil }
        return out
    }
}
