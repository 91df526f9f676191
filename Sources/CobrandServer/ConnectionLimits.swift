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
///
/// One timer per connection, moved forward when it fires rather than cancelled and scheduled again on
/// every request: with keep-alive tracking hits, scheduling was a measurable part of each hit's cost.
final class HeaderTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let timeout: TimeAmount
    let logger: Logger
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// Requests whose head arrived and whose response has not ended.
    private var open = 0
    /// When the connection last started waiting for a head (no request open since).
    private var waitingSince = NIODeadline.now()

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        waitingSince = .now()
        arm(context, at: waitingSince + timeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { open += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responseEnded() }
        context.write(data, promise: promise)
    }

    /// A response ended: from `write`, or from `TrackingFastPath` when it wrote its answer as bytes past this handler.
    func responseEnded() {
        open = max(0, open - 1)
        guard open == 0, let context else { return }
        waitingSince = .now()
        if deadline == nil { arm(context, at: waitingSince + timeout) }
    }

    private func arm(_ context: ChannelHandlerContext, at time: NIODeadline) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(deadline: time) { bound.value.handler.expired(bound.value.context) }
    }

    /// The timer fired: close if the head is late; otherwise move the timer to the current wait's end, or
    /// stop it while a request is open (its response's end starts it again).
    private func expired(_ context: ChannelHandlerContext) {
        deadline = nil
        guard open == 0 else { return }
        let end = waitingSince + timeout
        if end <= .now() {
            logger.debug("closing a connection whose request head did not arrive in time")
            context.channel.close(promise: nil)
        } else {
            arm(context, at: end)
        }
    }
}
