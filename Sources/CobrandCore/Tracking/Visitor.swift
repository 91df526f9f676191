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
        func has(_ word: String) -> Bool { agent.firstRange(of: Array(word.utf8)) != nil }
        if has("googleimageproxy") || has("yahoomailproxy") || has("outlook") || agent == Array("mozilla/5.0".utf8) { return .mailProxy }
        if ["bot", "crawler", "spider", "curl", "wget", "python", "go-http-client", "headless"].contains(where: has) { return .bot }
        if ["iphone", "android", "mobile", "ipad"].contains(where: has) { return .mobile }
        if ["windows", "macintosh", "x11", "linux", "cros"].contains(where: has) { return .desktop }
        return .other
    }
}
