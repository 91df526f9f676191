import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Runs the event writer's ticks for the server's lifetime; on graceful shutdown it stops them and writes
/// (or spools) what is left. A failing database never ends this service: the writer spools and retries.
public struct EventFlushService: Service {
    public let writer: EventWriter

    public init(writer: EventWriter) { self.writer = writer }

    public func run() async throws {
        writer.start()
        // Returns at graceful shutdown, throws when cancelled: either way, stop and write what is left.
        try? await gracefulShutdown()
        writer.stop()
    }
}

/// The HTTP server: routes over the store, with the event writer as a service of the same lifecycle.
public enum CobrandServer {
    public static func router(tracking: TrackingRoutes, portal: PortalRoutes? = nil, admin: AdminRoutes? = nil,
                              leads: LeadRoutes? = nil, deals: DealRoutes? = nil, claims: ClaimRoutes? = nil,
                              mdfRules: Reconciler.Rules? = nil, publisher: Publisher? = nil,
                              unsubscribe: UnsubscribeRoutes? = nil, crm: CRMRoutes? = nil) -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/healthz") { _, _ in health(tracking.writer, ready: false) }
        // Browsers ask every site for an icon; "none" is an answer, a 404 is an error in their console.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent, headers: [.cacheControl: "public, max-age=86400"]) }
        router.get("/readyz") { _, _ in await ready(tracking.writer, database: portal?.database) }
        tracking.add(to: router)
        portal?.add(to: router)
        if let portal {
            // Someone who types the bare address means the portal.
            router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/portal"]) }
            ImageRoutes(store: ImageStore(output: portal.output)).add(to: router)
            HostedFileRoutes(store: HostedFileStore(output: portal.output)).add(to: router)
        }
        admin?.add(to: router)
        if let admin, let mdfRules { admin.addMDF(to: router, rules: mdfRules) }
        admin?.addChanges(to: router)
        if let admin, let claims { admin.addProofs(to: router, claims: claims) }
        leads?.add(to: router)
        unsubscribe?.add(to: router)
        deals?.add(to: router)
        crm?.add(to: router)
        claims?.add(to: router)
        if let portal, let claims { PortalMDFRoutes(portal: portal, claims: claims).add(to: router) }
        if let portal, let publisher { PortalSelfServiceRoutes(portal: portal, publisher: publisher).add(to: router) }
        return router
    }

    /// `/healthz` answers 200 while the process runs and says when events are spooling; `/readyz` answers
    /// 503 while they are, so a load balancer can send hits to a node whose database takes them.
    static func health(_ writer: EventWriter, ready: Bool) -> Response {
        let (text, healthy): (String, Bool) = switch writer.health {
        case .writing: ("ok", true)
        case let .spooling(waiting): ("spooling: \(waiting) events wait for the database", false)
        case let .refusing(waiting): ("refusing: \(waiting) events wait for the database; new hits get 503", false)
        }
        return Response(status: ready && !healthy ? .serviceUnavailable : .ok,
                        headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// `/readyz`: the event writer's health, and that the database answers (a node whose database is away
    /// takes no traffic; one whose writer spools takes none either).
    static func ready(_ writer: EventWriter, database: (any Store)?) async -> Response {
        if let database {
            do { try await database.ping() } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: "database unavailable: \(error)\n")))
            }
        }
        return health(writer, ready: true)
    }

    /// HTTP/1.1 with tracking hits answered on the event loop, before the router (`TrackingFastPath`).
    public static func http1(tracking: TrackingRoutes, limits: ConnectionLimits = ConnectionLimits(), logger: Logger) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TrackingHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout))),
                                 routes: tracking, headerTimeout: TimeAmount(limits.headerTimeout), logger: logger)
        }
    }

    /// Where the server listens, with the connection cap of `limits`.
    public static func configuration(host: String, port: Int, limits: ConnectionLimits, logger: Logger) -> ApplicationConfiguration {
        .init(address: .hostname(host, port: port), serverName: "cobrand", availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger))
    }

    /// `threads` event loops answer requests; tracking hits are answered on them directly (`TrackingFastPath`).
    public static func application(tracking: TrackingRoutes, portal: PortalRoutes, admin: AdminRoutes, leads: LeadRoutes, deals: DealRoutes,
                                   claims: ClaimRoutes, mdfRules: Reconciler.Rules, publisher: Publisher, unsubscribe: UnsubscribeRoutes, crm: CRMRoutes,
                                   outbox: OutboxService,
                                   host: String, port: Int,
                                   limits: ConnectionLimits = ConnectionLimits(), threads: Int = System.coreCount, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(tracking: tracking, portal: portal, admin: admin, leads: leads, deals: deals, claims: claims, mdfRules: mdfRules,
                           publisher: publisher, unsubscribe: unsubscribe, crm: crm),
            server: http1(tracking: tracking, limits: limits, logger: logger),
            configuration: configuration(host: host, port: port, limits: limits, logger: logger),
            services: [EventFlushService(writer: tracking.writer), outbox],
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: threads)),
            logger: logger)
    }
}
