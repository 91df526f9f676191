import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

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
    public func answer(kind: Substring, token: Substring, userAgent: String?, address: String?) -> Answer {
        switch kind {
        case "o":
            guard let claims = claims(token, kind: .open, suffix: ".gif") else { return .notFound }
            return record(claims, kind: .open, userAgent: userAgent, address: address) ? .pixel : .unavailable
        case "v":
            guard let claims = claims(token, kind: .view, suffix: nil) else { return .notFound }
            return record(claims, kind: .view, userAgent: userAgent, address: address) ? .pixel : .unavailable
        case "c":
            guard let claims = claims(token, kind: .click, suffix: nil), let target = claims.target, WebAddress.isValid(target)
            else { return .badRequest }
            return record(claims, kind: .click, userAgent: userAgent, address: address) ? .redirect(target) : .unavailable
        default:
            return .notFound
        }
    }

    public func add(to router: Router<ServerContext>) {
        for kind in ["o", "v", "c"] {
            router.get("/t/\(kind)/{token}") { request, context in
                let answer = self.answer(kind: Substring(kind), token: Substring(context.parameters.get("token") ?? ""),
                                         userAgent: request.headers[.userAgent], address: context.client(request, proxies: self.proxies))
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
    func claims(_ raw: Substring, kind: TrackingSigner.Kind, suffix: String?) -> TrackingSigner.Claims? {
        // Tokens are URL-safe already; decode only when a client percent-encoded something.
        guard var token = raw.utf8.contains(UInt8(ascii: "%")) ? raw.removingPercentEncoding.map({ Substring($0) }) : raw else { return nil }
        if let suffix {
            guard token.utf8.reversed().starts(with: suffix.utf8.reversed()) else { return nil }
            token = token.dropLast(suffix.count)
        }
        guard let claims = signer.verify(token), claims.kind == kind else { return nil }
        return claims
    }

    func record(_ claims: TrackingSigner.Claims, kind: AssetEvent.Kind, userAgent: String?, address: String?) -> Bool {
        writer.record(AssetEvent(
            kind: kind, partner: claims.partner, campaign: claims.campaign, asset: claims.asset, locale: claims.locale,
            target: claims.target, occurredAt: now(), ipHash: visitors.hash(address ?? "unknown"),
            agentClass: Visitor.agentClass(userAgent).rawValue))
    }
}
