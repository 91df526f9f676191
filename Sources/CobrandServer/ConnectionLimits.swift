import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// What one client may hold of the server: without limits, 2,000 half-sent requests were held forever and
/// about 20,000 sockets from one host used up the file descriptors, so `/healthz` stopped answering.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections at most; beyond it new ones wait in the listen backlog until one closes.
    public var maxConnections = 4_096
    /// A connection that sends nothing for this long is closed (between requests, or mid-body).
    public var idleTimeout: Duration = .seconds(60)
    /// A request's head (request line and headers) must arrive whole within this time from when the
    /// connection starts waiting for it; trickling a byte at a time does not reset it, as it resets the idle timer.
    public var headerTimeout: Duration = .seconds(10)

    public init() {}
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Closes a connection whose next request head does not arrive whole within `timeout` (slowloris). The
/// clock starts when the connection opens and again when a response ends with no other request pending.
final class HeaderTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let timeout: TimeAmount
    let logger: Logger
    private var deadline: Scheduled<Void>?
    /// Requests whose head arrived and whose response has not ended.
    private var open = 0

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { arm(context) }

    func handlerRemoved(context: ChannelHandlerContext) { deadline?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            open += 1
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            open = max(0, open - 1)
            if open == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        let logger = logger
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            logger.debug("closing a connection whose request head did not arrive in time")
            channel.close(promise: nil)
        }
    }
}
