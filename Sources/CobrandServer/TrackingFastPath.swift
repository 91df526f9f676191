import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Answers `GET /t/o|v|c/<token>` on the event loop, in the channel pipeline in front of Hummingbird's
/// HTTP-types codec and router, and hands every other request on untouched.
///
/// Tracking hits are most of the traffic and need no async work: the token is verified and the event
/// queued in memory. Answering them here skips the conversion to HTTP types, the hop into Swift
/// concurrency and back, and the router (README, `scripts/bench-track`). The answers are those of
/// `TrackingRoutes.answer`, which the router also serves; `TrackingTests` runs every case on both paths,
/// and compares the bytes this one writes for the pixel and the redirect with their HTTP/1.1 text.
///
/// While a request handed to the router is still unanswered on this connection, later tracking requests
/// go to the router too, so responses keep their order.
final class TrackingFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let routes: TrackingRoutes
    let logger: Logger
    /// Told when a response written as bytes ends, since the write does not pass it.
    let headerTimeout: HeaderTimeoutHandler
    /// The response encoder's context: a write from it goes straight to the socket. Nil once removed.
    private var encoder: ChannelHandlerContext?
    /// The peer's address, read once: it is the same for every request of the connection.
    private var peer: String??
    /// The last request's user agent and client address, and what they made: a keep-alive client repeats them.
    private var last: (userAgent: String?, address: String?, visit: TrackingRoutes.Visit)?
    /// The tracking request being answered here, between its head and its end.
    private var current: HTTPRequestHead?
    /// Requests handed to the router whose response has not ended yet.
    private var routed = 0

    init(routes: TrackingRoutes, headerTimeout: HeaderTimeoutHandler, encoder: ChannelHandlerContext, logger: Logger) {
        self.routes = routes
        self.headerTimeout = headerTimeout
        self.encoder = encoder
        self.logger = logger
    }

    func handlerRemoved(context: ChannelHandlerContext) { encoder = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            if routed == 0, head.method == .GET, head.uri.utf8.starts(with: "/t/".utf8) {
                current = head
            } else {
                routed += 1
                context.fireChannelRead(data)
            }
        case .body:
            if current == nil { context.fireChannelRead(data) }
        case .end:
            guard let head = current else { return context.fireChannelRead(data) }
            current = nil
            respond(to: head, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
        context.write(data, promise: promise)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let answer = Self.route(head.uri).map { kind, token in
            routes.answer(kind: kind, token: token, visit: visit(head, context))
        } ?? .notFound
        if head.version == .http1_1, head.isKeepAlive, let encoder {
            // The common answers as bytes, in one write: no header encoding per hit.
            switch answer {
            case .pixel:
                encoder.writeAndFlush(NIOAny(Self.pixelResponse), promise: nil)
                headerTimeout.responseEnded()
                return log(head, status: .ok)
            case let .redirect(target):
                // A signed target that `WebAddress.isValid` passed: no space, CR or LF can end the header early.
                var bytes = context.channel.allocator.buffer(capacity: target.utf8.count + 96)
                bytes.writeString("HTTP/1.1 302 Found\r\nlocation: \(target)\r\ncache-control: no-store\r\ncontent-length: 0\r\n\r\n")
                encoder.writeAndFlush(NIOAny(bytes), promise: nil)
                headerTimeout.responseEnded()
                return log(head, status: .found)
            case .notFound, .badRequest, .unavailable:
                break
            }
        }
        var response = HTTPResponseHead(version: head.version, status: .ok)
        var body: ByteBuffer?
        switch answer {
        case .pixel:
            response.headers = Self.pixelHeaders
            body = context.channel.allocator.buffer(bytes: TrackingRoutes.pixel)
        case let .redirect(target):
            response.status = .found
            response.headers = ["location": target, "cache-control": "no-store"]
        case .notFound:
            response.status = .notFound
        case .badRequest:
            response.status = .badRequest
            response.headers = ["content-type": "text/plain; charset=utf-8"]
            body = context.channel.allocator.buffer(string: TrackingRoutes.Answer.invalidLink + "\n")
        case .unavailable:
            response.status = .serviceUnavailable
            response.headers = ["content-type": "text/plain; charset=utf-8", "retry-after": TrackingRoutes.retryAfter]
            body = context.channel.allocator.buffer(string: TrackingRoutes.Answer.busy + "\n")
        }
        response.headers.replaceOrAdd(name: "content-length", value: String(body?.readableBytes ?? 0))
        let keepAlive = head.isKeepAlive
        if !keepAlive { response.headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let done = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
            done.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
        log(head, status: response.status)
    }

    private func visit(_ head: HTTPRequestHead, _ context: ChannelHandlerContext) -> TrackingRoutes.Visit {
        if peer == nil { peer = .some(context.channel.remoteAddress?.ipAddress) }
        let userAgent = head.headers.first(name: "user-agent")
        let address = routes.proxies.client(peer: peer ?? nil, forwardedFor: head.headers.first(name: "x-forwarded-for"))
        if let last, last.userAgent == userAgent, last.address == address { return last.visit }
        let visit = routes.visit(userAgent: userAgent, address: address)
        last = (userAgent, address, visit)
        return visit
    }

    private func log(_ head: HTTPRequestHead, status: HTTPResponseStatus) {
        if logger.logLevel <= .debug {
            logger.debug("request", metadata: ["method": "GET", "path": .string(head.uri), "status": .stringConvertible(status.code)])
        }
    }

    static let pixelHeaders: HTTPHeaders = ["content-type": "image/gif", "cache-control": "no-store, max-age=0"]

    /// The pixel's HTTP/1.1 response as bytes: the headers above and the GIF.
    static let pixelResponse: ByteBuffer = {
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        for header in pixelHeaders { buffer.writeString("\(header.name): \(header.value)\r\n") }
        buffer.writeString("content-length: \(TrackingRoutes.pixel.count)\r\n\r\n")
        buffer.writeBytes(TrackingRoutes.pixel)
        return buffer
    }()

    /// `/t/<kind>/<token>[?query]` split into kind and token; nil for any other shape. On UTF-8 bytes:
    /// splitting a `String` by `Character` costs more than verifying the token.
    static func route(_ path: String) -> (kind: Substring, token: Substring)? {
        var path = path
        let offsets: (slash: Int, end: Int)? = path.withUTF8 { bytes in
            guard bytes.starts(with: "/t/".utf8), let slash = bytes[3...].firstIndex(of: UInt8(ascii: "/")) else { return nil }
            let end = bytes[(slash + 1)...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
            guard slash + 1 < end, !bytes[(slash + 1)..<end].contains(UInt8(ascii: "/")) else { return nil }
            return (slash, end)
        }
        guard let (slash, end) = offsets else { return nil }
        let utf8 = path.utf8
        func at(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
        return (path[at(3)..<at(slash)], path[at(slash + 1)..<at(end)])
    }
}

/// Hummingbird's HTTP/1.1 channel with `HeaderTimeoutHandler` and `TrackingFastPath` inserted before its
/// HTTP-types codec.
struct TrackingHTTP1Channel: ServerChildChannel {
    let base: HTTP1Channel
    let routes: TrackingRoutes
    let headerTimeout: TimeAmount
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            let encoder = try pipeline.context(handlerType: HTTPResponseEncoder.self)
            let timeout = HeaderTimeoutHandler(timeout: headerTimeout, logger: self.logger)
            try pipeline.addHandler(timeout, position: .before(codec))
            try pipeline.addHandler(TrackingFastPath(routes: routes, headerTimeout: timeout, encoder: encoder, logger: self.logger),
                                    position: .before(codec))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
