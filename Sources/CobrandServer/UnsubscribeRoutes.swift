import CobrandCore
import CobrandStore
import Foundation
import Hummingbird

/// Unsubscribing from a partner's emails, at the address every email's footer and `List-Unsubscribe`
/// header carry: `/unsubscribe/<partner>/<campaign>/<token>[?hl=<locale>][&email=<address>]`.
///
/// - `GET` shows a confirmation page in the recipient's language, without JavaScript; without an address in
///   the link (a plain `.eml`), it asks for one.
/// - `POST` with the body `List-Unsubscribe=One-Click` is RFC 8058's one-click from the mail client: it
///   needs the address in the link, sends no cookies, and is answered 200.
/// - `POST` with an `email` form field is the page's own button.
///
/// A token that does not verify for partner and campaign records nothing and answers 404: a link works
/// for its partner's list and no other. The page takes no session, so it has no form token: forging the
/// form could only unsubscribe an address the forger already knows.
public struct UnsubscribeRoutes: Sendable {
    public let project: Project
    public let database: AppDatabase
    public let signer: UnsubscribeSigner
    public let now: @Sendable () -> Date

    public init(project: Project, database: AppDatabase, signer: UnsubscribeSigner, now: @escaping @Sendable () -> Date) {
        self.project = project
        self.database = database
        self.signer = signer
        self.now = now
    }

    /// The partner, campaign and page language of a verified link.
    struct Link {
        let partner: Partner
        let campaign: String
        let locale: LocaleTag
        let path: String
    }

    public func add(to router: Router<ServerContext>) {
        router.get("/unsubscribe/{partner}/{campaign}/{token}") { request, context in
            let link = try self.link(request, context)
            let email = request.uri.queryParameters.get("email") ?? ""
            return try self.page(link, model: ["email": email, "known": EmailAddress(email) != nil])
        }
        router.post("/unsubscribe/{partner}/{campaign}/{token}") { request, context in
            let link = try self.link(request, context)
            let form = try await request.urlEncodedForm()
            if form["List-Unsubscribe"] == "One-Click" {
                let suppression = try Suppression.make(partner: link.partner.id, campaign: link.campaign,
                                                       address: request.uri.queryParameters.get("email") ?? "", source: .oneClick)
                try self.database.suppress(suppression, now: self.now())
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "unsubscribed\n")))
            }
            do {
                let suppression = try Suppression.make(partner: link.partner.id, campaign: link.campaign, address: form["email"] ?? "", source: .page)
                try self.database.suppress(suppression, now: self.now())
                return try self.page(link, model: ["done": true, "email": suppression.address.normalized])
            } catch {
                var response = try self.page(link, model: ["email": form["email"] ?? "", "invalid": true])
                response.status = .badRequest
                return response
            }
        }
    }

    /// The link's partner and campaign when its token verifies, else 404.
    func link(_ request: Request, _ context: ServerContext) throws -> Link {
        let partnerID = context.parameters.get("partner") ?? "", campaign = context.parameters.get("campaign") ?? ""
        guard Partner.isValidID(partnerID), Partner.isValidID(campaign), signer.verify(context.parameters.get("token") ?? "", partner: partnerID, campaign: campaign),
              let partner = project.partners.first(where: { $0.id == partnerID })
        else { throw HTTPError(.notFound, message: "This unsubscribe link is not valid. Reply to the email and ask to be removed.") }
        let requested = request.uri.queryParameters.get("hl")
        let locale = partner.locales.first { $0.identifier == requested } ?? partner.locales.first ?? project.config.defaultLocale
        return Link(partner: partner, campaign: campaign, locale: locale, path: request.uri.path)
    }

    func page(_ link: Link, model: [String: Any]) throws -> Response {
        var model = model
        model["partner"] = ["name": link.partner.name]
        model["action"] = link.path + "?hl=" + link.locale.identifier
        return try PortalRoutes.page(PortalTemplates.unsubscribe, project: project, locale: link.locale, model: model)
    }
}
