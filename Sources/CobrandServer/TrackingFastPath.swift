import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers `GET /t/o|v|c/<token>` on the event loop, in the channel pipeline in front of Hummingbird's
/// router, and hands every other request on untouched.
///
/// Tracking hits are most of the traffic and need no async work: the token is verified and the event
/// queued in memory. Skipping the hop into Swift concurrency and back roughly doubles the requests per
/// second the server holds (README, "Load"). The answers are those of `TrackingRoutes.answer`, which the
/// router also serves, so the two paths cannot drift apart.
///
/// While a request handed to the router is still unanswered on this connection (HTTP pipelining), later
/// tracking requests go to the router too, so responses keep their order.
final class TrackingFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let routes: TrackingRoutes
    let logger: Logger
    /// The tracking request being answered here, between its head and its end.
    private var current: HTTPRequest?
    /// Requests handed to the router whose response has not ended yet.
    private var routed = 0

    init(routes: TrackingRoutes, logger: Logger) {
        self.routes = routes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(request):
            if routed == 0, request.method == .get, let path = request.path, path.hasPrefix("/t/") {
                current = request
            } else {
                routed += 1
                context.fireChannelRead(data)
            }
        case .body:
            if current == nil { context.fireChannelRead(data) }
        case .end:
            guard let request = current else { return context.fireChannelRead(data) }
            current = nil
            respond(to: request, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
        context.write(data, promise: promise)
    }

    private func respond(to request: HTTPRequest, context: ChannelHandlerContext) {
        let answer = Self.route(request.path ?? "").map { kind, token in
            routes.answer(kind: kind, token: token, userAgent: request.headerFields[.userAgent],
                          address: context.channel.remoteAddress?.ipAddress)
        } ?? .notFound
        var response = HTTPResponse(status: .ok)
        var body: ByteBuffer?
        switch answer {
        case .pixel:
            response.headerFields = TrackingRoutes.pixelHeaders
            body = context.channel.allocator.buffer(bytes: TrackingRoutes.pixel)
        case let .redirect(target):
            response.status = .found
            response.headerFields = [.location: target, .cacheControl: "no-store"]
        case .notFound:
            response.status = .notFound
        case .badRequest:
            response.status = .badRequest
            response.headerFields[.contentType] = "text/plain; charset=utf-8"
            body = context.channel.allocator.buffer(string: TrackingRoutes.Answer.invalidLink + "\n")
        }
        response.headerFields[.contentLength] = String(body?.readableBytes ?? 0)
        let close = request.headerFields[.connection]?.lowercased().contains("close") == true
        if close { response.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        if close { done.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
        if logger.logLevel <= .debug {
            logger.debug("request", metadata: ["method": "GET", "path": .string(request.path ?? ""), "status": .stringConvertible(response.status.code)])
        }
    }

    /// `/t/<kind>/<token>[?query]` split into kind and token; nil for any other shape. On UTF-8 bytes:
    /// splitting a `String` by `Character` costs more than verifying the token.
    static func route(_ path: String) -> (kind: Substring, token: Substring)? {
        let bytes = path.utf8
        guard bytes.starts(with: "/t/".utf8) else { return nil }
        let kindStart = bytes.index(bytes.startIndex, offsetBy: 3)
        guard let slash = bytes[kindStart...].firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let tokenStart = bytes.index(after: slash)
        let end = bytes[tokenStart...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        guard tokenStart < end, !bytes[tokenStart..<end].contains(UInt8(ascii: "/")) else { return nil }
        return (path[kindStart..<slash], path[tokenStart..<end])
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopPromise<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise
    }
}
