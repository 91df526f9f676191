import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Writes queued events every `interval`; on graceful shutdown it stops and flushes what is left.
public struct EventFlushService: Service {
    public let writer: EventWriter
    public let interval: Duration

    public init(writer: EventWriter, interval: Duration = .milliseconds(50)) {
        self.writer = writer
        self.interval = interval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await writer.run(every: interval, clock: ContinuousClock())
        }
    }
}

/// The HTTP server: routes over the store, with the event writer as a service of the same lifecycle.
public enum CobrandServer {
    public static func router(tracking: TrackingRoutes, portal: PortalRoutes? = nil, admin: AdminRoutes? = nil,
                              leads: LeadRoutes? = nil, deals: DealRoutes? = nil, claims: ClaimRoutes? = nil,
                              mdfRules: Reconciler.Rules? = nil, publisher: Publisher? = nil) -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.get("/healthz") { _, _ in "ok\n" }
        tracking.add(to: router)
        portal?.add(to: router)
        admin?.add(to: router)
        if let admin, let mdfRules { admin.addMDF(to: router, rules: mdfRules) }
        admin?.addChanges(to: router)
        if let admin, let claims { admin.addProofs(to: router, claims: claims) }
        leads?.add(to: router)
        deals?.add(to: router)
        claims?.add(to: router)
        if let portal, let claims { PortalMDFRoutes(portal: portal, claims: claims).add(to: router) }
        if let portal, let publisher { PortalSelfServiceRoutes(portal: portal, publisher: publisher).add(to: router) }
        return router
    }

    /// HTTP/1.1 with tracking hits answered on the event loop, before the router (`TrackingFastPath`).
    public static func http1(tracking: TrackingRoutes, logger: Logger) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TrackingHTTP1Channel(base: HTTP1Channel(responder: responder), routes: tracking, logger: logger)
        }
    }

    /// `threads` event loops answer requests; tracking hits are answered on them directly (`TrackingFastPath`).
    public static func application(tracking: TrackingRoutes, portal: PortalRoutes, admin: AdminRoutes, leads: LeadRoutes, deals: DealRoutes,
                                   claims: ClaimRoutes, mdfRules: Reconciler.Rules, publisher: Publisher, outbox: OutboxService, host: String, port: Int,
                                   threads: Int = System.coreCount, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(tracking: tracking, portal: portal, admin: admin, leads: leads, deals: deals, claims: claims, mdfRules: mdfRules,
                           publisher: publisher),
            server: http1(tracking: tracking, logger: logger),
            configuration: .init(address: .hostname(host, port: port), serverName: "cobrand"),
            services: [EventFlushService(writer: tracking.writer), outbox],
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: threads)),
            logger: logger)
    }
}
