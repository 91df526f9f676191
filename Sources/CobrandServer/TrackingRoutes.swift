import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A request context that knows the client's address, so events can keep a salted hash of it.
public struct ServerContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Who is asking, set by `PartnerSignIn` or `AdminSignIn` before a partner or admin route runs.
    public var signedIn: SignedIn?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension RemoteAddressRequestContext {
    /// The client's address: the peer's, or behind a trusted proxy the one it forwarded.
    public func client(_ request: Request, proxies: TrustedProxies) -> String? {
        proxies.client(peer: remoteAddress?.ipAddress, forwardedFor: request.headers[.forwardedFor])
    }
}

extension HTTPField.Name {
    static let forwardedFor = Self("X-Forwarded-For")!
}

/// Open pixel, click redirect and page view. A token that does not verify, or is of another kind, records
/// nothing: 404 for pixels and views, 400 for clicks, and never a redirect to a target that was not signed.
public struct TrackingRoutes: Sendable {
    /// A transparent 1x1 GIF (42 bytes).
    public static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x01, 0x44, 0x00, 0x3B,
    ]

    public let signer: TrackingSigner
    public let writer: EventWriter
    public let salt: Data
    let visitors: Visitor.Hasher
    let verified = VerifiedTokens()
    /// The clock events are stamped with; tests pass a fixed one.
    public let now: @Sendable () -> Date
    /// Whose `X-Forwarded-For` names the visitor (`--trusted-proxy`).
    public let proxies: TrustedProxies

    public init(signer: TrackingSigner, writer: EventWriter, salt: Data, proxies: TrustedProxies = TrustedProxies(),
                now: @escaping @Sendable () -> Date) {
        self.signer = signer
        self.writer = writer
        self.salt = salt
        visitors = Visitor.Hasher(salt: salt)
        self.proxies = proxies
        self.now = now
    }

    /// What a tracking request gets: the pixel, a redirect to the signed target, or a refusal.
    public enum Answer: Equatable, Sendable {
        case pixel
        case redirect(String)
        case notFound
        case badRequest
        /// The event writer is past its limits (the database has been unavailable for long): 503, so the hit
        /// is not acknowledged and lost.
        case unavailable

        static let invalidLink = "This link is not valid."
        static let busy = "Tracking is paused while the database is unavailable; try again shortly."
    }

    /// Verifies the token of `/t/<kind>/<token>` and records the event when it is valid. Shared by the
    /// router and the event-loop fast path (`TrackingFastPath`), so both answer alike.
    public func answer(kind: Substring, token: Substring, visit: Visit) -> Answer {
        switch kind {
        case "o":
            guard let claims = claims(token, kind: .open, suffix: ".gif") else { return .notFound }
            return record(claims, kind: .open, visit: visit) ? .pixel : .unavailable
        case "v":
            guard let claims = claims(token, kind: .view, suffix: nil) else { return .notFound }
            return record(claims, kind: .view, visit: visit) ? .pixel : .unavailable
        case "c":
            // `TrackingSigner.verify` refused a click whose target is not a web address.
            guard let claims = claims(token, kind: .click, suffix: nil), let target = claims.target else { return .badRequest }
            return record(claims, kind: .click, visit: visit) ? .redirect(target) : .unavailable
        default:
            return .notFound
        }
    }

    public func add(to router: Router<ServerContext>) {
        for kind in ["o", "v", "c"] {
            router.get("/t/\(kind)/{token}") { request, context in
                let visit = self.visit(userAgent: request.headers[.userAgent], address: context.client(request, proxies: self.proxies))
                let answer = self.answer(kind: Substring(kind), token: Substring(context.parameters.get("token") ?? ""), visit: visit)
                switch answer {
                case .pixel: return Self.pixelResponse
                case let .redirect(target): return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
                case .notFound: throw ServerError(.notFound)
                case .badRequest: throw ServerError(.badRequest, message: Answer.invalidLink)
                case .unavailable: throw ServerError(.serviceUnavailable, message: Answer.busy, headers: [.retryAfter: Self.retryAfter])
                }
            }
        }
    }

    /// Seconds a refused client should wait (`Retry-After`).
    static let retryAfter = "5"
    static let pixelHeaders: HTTPFields = [.contentType: "image/gif", .cacheControl: "no-store, max-age=0"]
    static var pixelResponse: Response { Response(status: .ok, headers: pixelHeaders, body: .init(byteBuffer: ByteBuffer(bytes: pixel))) }

    /// Route parameters arrive percent-encoded: decode, strip the `.gif` of pixels, then verify.
    /// On the token's UTF-8 buffer: `Substring`'s own views cost more per hit than the rest of the answer.
    func claims(_ raw: Substring, kind: TrackingSigner.Kind, suffix: String?) -> TrackingSigner.Claims? {
        var raw = raw
        // Tokens are URL-safe already; decode only when a client percent-encoded something.
        let encoded = raw.withUTF8 { $0.contains(UInt8(ascii: "%")) }
        guard var token = encoded ? raw.removingPercentEncoding.map({ Substring($0) }) : raw else { return nil }
        if let suffix {
            // Cut as bytes, not Characters: a scalar that joins the `.` into one Character stays in the token.
            let cut = suffix.utf8.count
            guard token.withUTF8({ $0.count >= cut && $0[($0.count - cut)...].elementsEqual(suffix.utf8) }) else { return nil }
            token = token[..<token.utf8.index(token.utf8.endIndex, offsetBy: -cut)]
        }
        guard let claims = verified.claims(token, signer), claims.kind == kind else { return nil }
        return claims
    }

    /// Who fetched: what an event keeps of the client, its address hashed with the salt and its user agent's class.
    public struct Visit: Equatable, Sendable {
        let ipHash: String
        let agentClass: String
    }

    public func visit(userAgent: String?, address: String?) -> Visit {
        Visit(ipHash: visitors.hash(address ?? "unknown"), agentClass: Visitor.agentClass(userAgent).rawValue)
    }

    func record(_ claims: TrackingSigner.Claims, kind: AssetEvent.Kind, visit: Visit) -> Bool {
        writer.record(AssetEvent(
            kind: kind, partner: claims.partner, campaign: claims.campaign, asset: claims.asset, locale: claims.locale,
            target: claims.target, occurredAt: now(), ipHash: visit.ipHash, agentClass: visit.agentClass))
    }
}

/// Tokens that verified lately, so the pixel every recipient of a mailing fetches is checked once rather than
/// on every hit. Only tokens that verified are kept (forged ones cannot fill it), and the signer's key never
/// changes while the server runs, so an entry stays as true as the check that put it there. Found by a hash
/// of the token's bytes and then compared byte for byte: `String` equality is Unicode equivalence, under
/// which another spelling would match, and a lookup allocates nothing.
final class VerifiedTokens: Sendable {
    /// A class, so the lock is held for one retain, not for copying the claims' strings and the token's array.
    private final class Entry: Sendable {
        let token: [UInt8]
        let claims: TrackingSigner.Claims

        init(token: [UInt8], claims: TrackingSigner.Claims) {
            self.token = token
            self.claims = claims
        }

        func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            token.count == bytes.count && token.withUnsafeBufferPointer { $0.elementsEqual(bytes) }
        }
    }

    /// By the hash of the token's bytes; two tokens of one hash keep the later (it is a cache).
    private let entries = Mutex<[Int: Entry]>([:])
    private let hash: @Sendable (UnsafeBufferPointer<UInt8>) -> Int
    /// Past this many tokens the table starts afresh: a bound on memory, not a policy.
    static let capacity = 4_096

    /// - Parameter hash: where a token's bytes go in the table; tests pass one that puts every token in one place.
    init(hash: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Int = VerifiedTokens.seededHash) {
        self.hash = hash
    }

    /// `Hasher`'s, seeded afresh by each process, so nobody can aim tokens at one place.
    static func seededHash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    func claims(_ token: Substring, _ signer: TrackingSigner) -> TrackingSigner.Claims? {
        var token = token
        let (place, known) = token.withUTF8 { bytes in
            let place = hash(bytes)
            return (place, entries.withLock { $0[place] }.flatMap { $0.matches(bytes) ? $0.claims : nil })
        }
        if let known { return known }
        guard let claims = signer.verify(token) else { return nil }
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[place] = Entry(token: Array(token.utf8), claims: claims)
        }
        return claims
    }
}
