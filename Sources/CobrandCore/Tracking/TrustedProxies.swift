import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The proxies whose `X-Forwarded-For` is believed: the TLS proxy in front of `cobrand serve`. Behind one,
/// every request comes from the proxy's address, so without this every visitor would share one rate-limit
/// bucket and one visitor hash; believing the header from anyone else would let a client choose its own.
public struct TrustedProxies: Sendable, Equatable {
    /// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`, or one address).
    public struct Range: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for (a, b) in zip(address, bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                guard a & mask == b & mask else { return false }
                remaining -= bits
            }
            return true
        }
    }

    public struct InvalidRange: Error, Equatable, CustomStringConvertible {
        public let text: String
        public init(text: String) { self.text = text }
        public var description: String {
            "--trusted-proxy '\(text)' is not an address range; write one such as 10.0.0.0/8, 127.0.0.1 or ::1/128"
        }
    }

    public let ranges: [Range]

    /// No proxy is trusted: the peer's address is the client's.
    public init() { ranges = [] }

    public init(_ cidrs: [String]) throws(InvalidRange) {
        ranges = try cidrs.map { text throws(InvalidRange) in
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = parts.first.flatMap(Self.bytes) else { throw InvalidRange(text: text) }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...bytes.count * 8).contains(prefix) else { throw InvalidRange(text: text) }
            return Range(bytes: bytes, prefix: prefix)
        }
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest address in
    /// `X-Forwarded-For` (read from the right) that is not one of the trusted proxies.
    public func client(peer: String?, forwardedFor: String?) -> String? {
        guard !ranges.isEmpty, let peer, isTrusted(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard Self.bytes(hop) != nil else { return peer }  // a malformed entry: believe nothing further left
            if !isTrusted(hop) { return hop }
        }
        return hops.first ?? peer
    }

    func isTrusted(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address; nil for anything else.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
