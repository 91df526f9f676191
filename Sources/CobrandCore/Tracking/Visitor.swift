import Crypto
import Foundation

/// What is kept about who fetched a pixel or followed a link: never the IP, only a salted hash of it,
/// and a coarse class of user agent.
public enum Visitor {
    /// SHA-256 of salt and address, shortened: enough to count distinct visitors, useless to recover the IP.
    public static func ipHash(_ address: String, salt: Data) -> String { Hasher(salt: salt).hash(address) }

    /// `ipHash` with the salt hashed once, for the server's hot path.
    public struct Hasher: Sendable {
        private let salted: SHA256

        public init(salt: Data) {
            var hash = SHA256()
            hash.update(data: salt)
            salted = hash
        }

        public func hash(_ address: String) -> String {
            var hash = salted
            hash.update(data: Array(address.utf8))
            return String(hash.finalize().prefix(16).hex)
        }
    }

    public enum AgentClass: String, Sendable, CaseIterable {
        /// Mail providers that fetch images on the reader's behalf (Gmail, Apple Mail privacy, Outlook).
        case mailProxy = "mail-proxy"
        case bot, mobile, desktop, other
    }

    public static func agentClass(_ userAgent: String?) -> AgentClass {
        guard let userAgent, !userAgent.isEmpty else { return .other }
        // ASCII lower-casing and a byte search: Foundation's `contains` goes through CFString on Linux.
        let agent = userAgent.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if agent == bareMozilla { return .mailProxy }
        return signatures.first { _, words in words.contains { agent.firstRange(of: $0) != nil } }?.class ?? .other
    }

    /// Lower-case words that mark each class, checked in this order; as bytes once, not per hit.
    static let signatures: [(class: AgentClass, words: [[UInt8]])] = {
        let words: [(AgentClass, [String])] = [
            (.mailProxy, ["googleimageproxy", "yahoomailproxy", "outlook"]),
            (.bot, ["bot", "crawler", "spider", "curl", "wget", "python", "go-http-client", "headless"]),
            (.mobile, ["iphone", "android", "mobile", "ipad"]),
            (.desktop, ["windows", "macintosh", "x11", "linux", "cros"]),
        ]
        return words.map { ($0.0, $0.1.map { Array($0.utf8) }) }
    }()
    /// Apple Mail's privacy proxy sends exactly this.
    static let bareMozilla = Array("mozilla/5.0".utf8)
}
