import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// A request context that knows the client's address, so events can keep a salted hash of it.
public struct ServerContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
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
    /// The clock events are stamped with; tests pass a fixed one.
    public let now: @Sendable () -> Date

    public init(signer: TrackingSigner, writer: EventWriter, salt: Data, now: @escaping @Sendable () -> Date) {
        self.signer = signer
        self.writer = writer
        self.salt = salt
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        router.get("/t/o/{token}") { request, context in
            try self.image(.open, token: context.parameters.get("token"), suffix: ".gif", request: request, context: context)
        }
        router.get("/t/v/{token}") { request, context in
            try self.image(.view, token: context.parameters.get("token"), suffix: nil, request: request, context: context)
        }
        router.get("/t/c/{token}") { request, context in
            guard let claims = self.claims(context.parameters.get("token"), kind: .click, suffix: nil), let target = claims.target,
                  WebAddress.isValid(target)
            else { throw HTTPError(.badRequest, message: "This link is not valid.") }
            self.record(claims, kind: .click, request: request, context: context)
            return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
        }
    }

    func image(_ kind: AssetEvent.Kind, token: String?, suffix: String?, request: Request, context: ServerContext) throws -> Response {
        guard let claims = claims(token, kind: kind == .open ? .open : .view, suffix: suffix) else { throw HTTPError(.notFound) }
        record(claims, kind: kind, request: request, context: context)
        return Response(status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store, max-age=0"],
                        body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
    }

    /// Route parameters arrive percent-encoded: decode, strip the `.gif` of pixels, then verify.
    func claims(_ raw: String?, kind: TrackingSigner.Kind, suffix: String?) -> TrackingSigner.Claims? {
        // Tokens are URL-safe already; decode only when a client percent-encoded something.
        guard let raw, var token = raw.contains("%") ? raw.removingPercentEncoding : raw else { return nil }
        if let suffix {
            guard token.hasSuffix(suffix) else { return nil }
            token.removeLast(suffix.count)
        }
        guard let claims = signer.verify(token), claims.kind == kind else { return nil }
        return claims
    }

    func record(_ claims: TrackingSigner.Claims, kind: AssetEvent.Kind, request: Request, context: ServerContext) {
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        writer.record(AssetEvent(
            kind: kind, partner: claims.partner, campaign: claims.campaign, asset: claims.asset, locale: claims.locale,
            target: claims.target, occurredAt: now(), ipHash: Visitor.ipHash(address, salt: salt),
            agentClass: Visitor.agentClass(request.headers[.userAgent]).rawValue))
    }
}
