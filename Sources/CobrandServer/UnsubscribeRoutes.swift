import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// Unsubscribing from a partner's emails, at the address every email's footer and `List-Unsubscribe`
/// header carry: `/unsubscribe/<partner>/<campaign>/<token>[?hl=<locale>][&email=<address>]`.
///
/// - `GET` shows a confirmation page in the recipient's language, without JavaScript; without an address in
///   the link (a plain `.eml`), it asks for one.
/// - `POST` with the body `List-Unsubscribe=One-Click` (form-encoded or multipart, RFC 8058) is the mail
///   client's one-click: it needs the address in the link, sends no cookies, and is answered 200.
/// - `POST` with an `email` form field is the page's own button.
///
/// A token that does not verify for partner and campaign records nothing and answers 404: a link works
/// for its partner's list and no other. It keeps working after the partner leaves the roster, as the law
/// asks of an unsubscribe link. The page takes no session, so it has no form token: a forged post could only
/// unsubscribe an address the forger already knows, and posts are rate-limited per visitor.
public struct UnsubscribeRoutes: Sendable {
    public let project: Project
    public let database: any Store
    public let signer: UnsubscribeSigner
    public let now: @Sendable () -> Date
    let proxies: TrustedProxies
    let visitors: Visitor.Hasher

    public init(project: Project, database: any Store, signer: UnsubscribeSigner, salt: Data = Data(), proxies: TrustedProxies = TrustedProxies(),
                now: @escaping @Sendable () -> Date) {
        self.project = project
        self.database = database
        self.signer = signer
        self.proxies = proxies
        visitors = Visitor.Hasher(salt: salt)
        self.now = now
    }

    /// The partner, campaign and page language of a verified link.
    struct Link {
        let partner: String
        let name: String
        let campaign: String
        let locale: LocaleTag
        let path: String
    }

    public func add(to router: Router<ServerContext>) {
        router.get("/unsubscribe/{partner}/{campaign}/{token}") { request, context in
            let link = try self.link(request, context)
            let given = request.uri.queryParameters.get("email") ?? ""
            let address = try? Suppression.address(given)
            // An address that is none (an ESP file opened as is, its merge tag unfilled) is asked for afresh.
            return try self.page(link, model: ["email": address?.normalized ?? "", "known": address != nil])
        }
        router.post("/unsubscribe/{partner}/{campaign}/{token}") { request, context in
            let link = try self.link(request, context)
            let visitor = self.visitors.hash(context.client(request, proxies: self.proxies) ?? "unknown")
            guard try await self.database.allow("unsubscribe:\(visitor)", limit: self.project.config.leads.rateLimitPerMinute, period: 60, now: self.now()) else {
                throw ServerError(.tooManyRequests, message: "Too many requests; try again in a minute.", headers: [.retryAfter: "60"])
            }
            let form = try await Self.fields(request)
            if form["List-Unsubscribe"] == "One-Click" {
                // RFC 8058: the address is in the link; without it there is nobody to unsubscribe.
                guard let suppression = try? Suppression.make(partner: link.partner, campaign: link.campaign,
                                                              address: request.uri.queryParameters.get("email") ?? "", source: .oneClick)
                else { throw ServerError(.badRequest, message: "This link carries no email address; open it in a browser to unsubscribe.") }
                try await self.database.suppress(suppression, now: self.now())
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "unsubscribed\n")))
            }
            guard let suppression = try? Suppression.make(partner: link.partner, campaign: link.campaign, address: form["email"] ?? "", source: .page) else {
                var response = try self.page(link, model: ["email": form["email"] ?? "", "invalid": true])
                response.status = .badRequest
                return response
            }
            try await self.database.suppress(suppression, now: self.now())
            return try self.page(link, model: ["done": true, "email": suppression.address.normalized])
        }
    }

    /// The body's fields: form-encoded, or multipart as RFC 8058 also allows for one-click.
    static func fields(_ request: Request) async throws -> [String: String] {
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            return try await request.multipartForm(MultipartLimits(bytes: 16_384, parts: 8)).fields
        }
        return try await request.urlEncodedForm()
    }

    /// The link's partner and campaign when its token verifies, else 404.
    func link(_ request: Request, _ context: ServerContext) throws -> Link {
        let partnerID = context.parameters.get("partner") ?? "", campaign = context.parameters.get("campaign") ?? ""
        guard Partner.isValidID(partnerID), Partner.isValidID(campaign), signer.verify(context.parameters.get("token") ?? "", partner: partnerID, campaign: campaign)
        else { throw ServerError(.notFound, message: "This unsubscribe link is not valid. Reply to the email and ask to be removed.") }
        let partner = project.partners.first { $0.id == partnerID }
        let requested = request.uri.queryParameters.get("hl")
        let locales = partner?.locales ?? []
        let locale = locales.first { $0.identifier == requested } ?? locales.first ?? project.config.defaultLocale
        return Link(partner: partnerID, name: partner?.name ?? partnerID, campaign: campaign, locale: locale, path: request.uri.path)
    }

    func page(_ link: Link, model: [String: Any]) throws -> Response {
        var model = model
        model["partner"] = ["name": link.name]
        model["action"] = link.path + "?hl=" + link.locale.identifier
        return try PortalRoutes.page(PortalTemplates.unsubscribe, project: project, locale: link.locale, model: model)
    }
}
