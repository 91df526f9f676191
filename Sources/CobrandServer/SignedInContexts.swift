import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// Who a request comes from, once a sign-in middleware has checked its session or token.
public struct SignedIn: Sendable {
    public let grant: AppDatabase.Grant
    /// The session id (form tokens are made from it); nil for an API client with a bearer token.
    public let session: String?
}

/// What a partner route's handler gets: the signed-in partner, never one named by the URL. A handler of
/// the partner group cannot run without it, so it cannot forget the check.
public struct PartnerContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public let partner: String
    public let session: String

    public init(context: ServerContext) throws {
        guard let signedIn = context.signedIn, signedIn.grant.role == .partner, let partner = signedIn.grant.partner, let session = signedIn.session else {
            throw ServerError(.unauthorized)
        }
        coreContext = context.coreContext
        remoteAddress = context.remoteAddress
        self.partner = partner
        self.session = session
    }
}

/// What an admin route's handler gets: an admin's session (whose form token it checks) or bearer token.
public struct AdminContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil for an API client with a bearer token, which sends no cookie a forged page could borrow.
    public let session: String?

    public init(context: ServerContext) throws {
        guard let signedIn = context.signedIn, signedIn.grant.role == .admin else { throw ServerError(.unauthorized) }
        coreContext = context.coreContext
        session = signedIn.session
    }
}

/// Lets a request with a live partner session through; a browser without one is sent to sign in.
struct PartnerSignIn: RouterMiddleware {
    let database: any Store
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let session = request.cookies[PortalRoutes.cookieName]?.value, !session.isEmpty,
              let partner = try await database.sessionPartner(session, now: now())
        else { return Response(status: .seeOther, headers: [.location: "/portal"]) }
        var context = context
        context.signedIn = SignedIn(grant: .init(role: .partner, partner: partner), session: session)
        return try await next(request, context)
    }
}

/// Lets an admin session or admin bearer token through. A wrong bearer token is a 401 that says what to
/// send; without either, a page sends the browser to sign in, and an API route (`api`) answers 401 unless
/// it was asked for HTML.
struct AdminSignIn: RouterMiddleware {
    let database: any Store
    let now: @Sendable () -> Date
    var api = false

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "), try await database.grant(for: String(header.dropFirst(7)))?.role == .admin else {
                throw Self.unauthorized
            }
            context.signedIn = SignedIn(grant: .init(role: .admin, partner: nil), session: nil)
        } else {
            guard let session = request.cookies[AdminRoutes.cookieName]?.value, !session.isEmpty, try await database.session(session, now: now())?.role == .admin else {
                if api, request.uri.queryParameters.get("format") != "html" { throw Self.unauthorized }
                return Response(status: .seeOther, headers: [.location: "/admin"])
            }
            context.signedIn = SignedIn(grant: .init(role: .admin, partner: nil), session: session)
        }
        return try await next(request, context)
    }

    static let unauthorized = ServerError(.unauthorized, code: "unauthorized", message: "An admin token is required: Authorization: Bearer <token>.")
}

/// What a partner API route's handler gets: the partner of the request's bearer token.
public struct PartnerAPIContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public let partner: String

    public init(context: ServerContext) throws {
        guard let signedIn = context.signedIn, signedIn.grant.role == .partner, let partner = signedIn.grant.partner else {
            throw PartnerToken.unauthorized
        }
        coreContext = context.coreContext
        remoteAddress = context.remoteAddress
        self.partner = partner
    }
}

/// Lets a request with a live partner token (`Authorization: Bearer`) through; anything else is a 401 that
/// says what to send. A partner removed from the roster has no live token.
struct PartnerToken: RouterMiddleware {
    let database: any Store

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer ") else { throw Self.unauthorized }
        guard let grant = try await database.grant(for: String(header.dropFirst(7))), grant.role == .partner, grant.partner != nil else {
            throw ServerError(.unauthorized, code: "unauthorized",
                              message: "This token is not a live partner token: it was revoked, or belongs to no partner. Ask the vendor for a new one.")
        }
        var context = context
        context.signedIn = SignedIn(grant: grant, session: nil)
        return try await next(request, context)
    }

    static let unauthorized = ServerError(.unauthorized, code: "unauthorized", message: "A partner token is required: Authorization: Bearer <token>.")

    /// Partner API routes under `/api`.
    static func group(_ router: Router<ServerContext>, database: any Store) -> RouterGroup<PartnerAPIContext> {
        router.group("api").add(middleware: PartnerToken(database: database)).group(context: PartnerAPIContext.self)
    }
}
