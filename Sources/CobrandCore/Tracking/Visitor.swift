import Crypto
import Foundation

/// What is kept about who fetched a pixel or followed a link: never the IP, only a salted hash of it,
/// and a coarse class of user agent.
public enum Visitor {
    /// SHA-256 of salt and address, shortened: enough to count distinct visitors, useless to recover the IP.
    public static func ipHash(_ address: String, salt: Data) -> String {
        String(Checksum.sha256(salt + Data(address.utf8)).prefix(32))
    }

    public enum AgentClass: String, Sendable, CaseIterable {
        /// Mail providers that fetch images on the reader's behalf (Gmail, Apple Mail privacy, Outlook).
        case mailProxy = "mail-proxy"
        case bot, mobile, desktop, other
    }

    public static func agentClass(_ userAgent: String?) -> AgentClass {
        guard let agent = userAgent?.lowercased(), !agent.isEmpty else { return .other }
        if agent.contains("googleimageproxy") || agent.contains("yahoomailproxy") || agent.contains("outlook")
            || agent == "mozilla/5.0" { return .mailProxy }
        if ["bot", "crawler", "spider", "curl", "wget", "python", "go-http-client", "headless"].contains(where: agent.contains) { return .bot }
        if ["iphone", "android", "mobile", "ipad"].contains(where: agent.contains) { return .mobile }
        if ["windows", "macintosh", "x11", "linux", "cros"].contains(where: agent.contains) { return .desktop }
        return .other
    }
}
