import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import NIOCore

/// The partner portal: sign in with an access token, see your own kits, download your own bundles.
///
/// The partner always comes from the session, never from the URL: a download names only campaign and
/// locale, and the file path comes from that partner's kit row, so no path can reach another partner's
/// bundle. Pages are rendered from the project's `Templates/_shared/portal/` in the partner's locale.
public struct PortalRoutes: Sendable {
    public static let cookieName = "cobrand_session"

    public let project: Project
    public let database: any Store
    /// The build's output folder, where bundles are.
    public let output: URL
    public let writer: EventWriter
    public let salt: Data
    public let now: @Sendable () -> Date
    /// Whose `X-Forwarded-For` names the visitor (`--trusted-proxy`).
    public let proxies: TrustedProxies
    let formToken: FormToken
    let visitors: Visitor.Hasher
    /// Deal registration rules, for the deals page.
    let rules: DealRules
    /// Multipart uploads (Customise, MDF claims) read at once.
    let uploads = UploadGate()

    /// Session ids, sign-in form values and form idempotency keys.
    public let random: RandomSource

    public init(project: Project, database: any Store, output: URL, writer: EventWriter, salt: Data, proxies: TrustedProxies = TrustedProxies(),
                random: RandomSource = .system, now: @escaping @Sendable () -> Date) {
        self.random = random
        rules = project.config.deals.rules
        formToken = FormToken(secret: salt)
        visitors = Visitor.Hasher(salt: salt)
        self.proxies = proxies
        self.project = project
        self.database = database
        self.output = output.standardizedFileURL
        self.writer = writer
        self.salt = salt
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        PortalPages(portal: self, rules: rules).add(to: router)
        router.get("/portal") { request, _ in
            guard let (partner, session) = try await self.signedIn(request) else { return try self.signInPage(status: .ok) }
            let query = request.uri.queryParameters
            let published = query.get("published").flatMap(Int.init).map { ["rendered": $0, "kits": query.get("kits").flatMap(Int.init) ?? 0] }
            return try await self.kitsPage(partner, session: session, published: published)
        }
        router.post("/portal/sign-in") { request, context in
            let form = try await request.urlEncodedForm()
            guard Self.signInToken.isValid(request, form: form) else { return try self.signInPage(status: .forbidden, model: ["expired": true]) }
            guard let token = form["token"], let grant = try await self.database.grant(for: token), grant.role == .partner, let partner = grant.partner else {
                return try self.signInPage(status: .unauthorized, model: ["error": true])
            }
            var random = self.random.generator
            let session = try await self.database.startSession(partner: partner, now: self.now(), using: &random)
            try await self.database.noteVisit(partner: partner, now: self.now())
            // The partner's own address: never a tracked lead's visitor, and a contradiction of one.
            try await self.database.notePartnerAddress(partner: partner, visitor: self.visitors.hash(context.client(request, proxies: self.proxies) ?? "unknown"),
                                                 rules: self.project.config.deals.rules, now: self.now())
            var response = Response(status: .seeOther, headers: [.location: "/portal"])
            response.setCookie(Cookie(name: Self.cookieName, value: session, maxAge: Int(AppDatabase.sessionLifetime), path: "/portal", secure: true, httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/portal/sign-out") { request, _ in
            if let session = request.cookies[Self.cookieName]?.value {
                try self.checkFormToken(try await request.urlEncodedForm()[FormToken.field], session: session)
                try await self.database.endSession(session)
            }
            var response = Response(status: .seeOther, headers: [.location: "/portal"])
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/portal", secure: true, httpOnly: true, sameSite: .strict))
            return response
        }
        group(router).get("bundles/{campaign}/{locale}") { request, context in
            let partner = context.partner
            let campaign = context.parameters.get("campaign")?.removingPercentEncoding ?? ""
            let locale = context.parameters.get("locale")?.removingPercentEncoding ?? ""
            guard Partner.isValidID(campaign), LocaleTag(locale)?.identifier == locale,
                  let kit = try await self.database.kit(partner: partner, campaign: campaign, locale: locale),
                  let data = self.bundle(kit.bundle)
            else { throw ServerError(.notFound) }
            let recorded = self.writer.record(AssetEvent(
                kind: .download, partner: partner, campaign: campaign, asset: "bundle", locale: locale, occurredAt: self.now(),
                ipHash: self.visitors.hash(context.client(request, proxies: self.proxies) ?? "unknown"),
                agentClass: Visitor.agentClass(request.headers[.userAgent]).rawValue))
            guard recorded else {
                throw ServerError(.serviceUnavailable, message: TrackingRoutes.Answer.busy, headers: [.retryAfter: TrackingRoutes.retryAfter])
            }
            let name = (kit.bundle as NSString).lastPathComponent
            return Response(status: .ok, headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(name)\"",
                                                   .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Portal routes only a signed-in partner reaches (`PartnerSignIn`); a browser without a session is sent to sign in.
    func group(_ router: Router<ServerContext>) -> RouterGroup<PartnerContext> {
        router.group("portal").add(middleware: PartnerSignIn(database: database, now: now)).group(context: PartnerContext.self)
    }

    static let signInToken = SignInFormToken(cookieName: "cobrand_form", path: "/portal")

    /// The sign-in form with a fresh form token (and its cookie).
    func signInPage(status: HTTPResponse.Status, model: [String: Any] = [:]) throws -> Response {
        let (value, cookie) = Self.signInToken.issue(random)
        var response = try page(PortalTemplates.signIn, locale: project.config.defaultLocale, model: model.merging(["csrf": value]) { $1 })
        response.status = status
        response.setCookie(cookie)
        return response
    }

    /// The partner of the request's session cookie, with the session id (which form tokens are made from).
    func signedIn(_ request: Request) async throws -> (partner: String, session: String)? {
        guard let session = request.cookies[Self.cookieName]?.value, !session.isEmpty,
              let partner = try await database.sessionPartner(session, now: now())
        else { return nil }
        return (partner, session)
    }

    /// Refuses a form posted without this session's token: it came from another site, or from a page older than the session.
    func checkFormToken(_ token: String?, session: String) throws {
        guard formToken.isValid(token, session: session) else {
            throw ServerError(.forbidden, message: "This form has expired or did not come from the portal. Reload the page and try again.")
        }
    }

    /// The partner's display name and the locale the portal speaks to them (their first locale, else the
    /// project's default), from one read of their row.
    func profile(of partner: String) async throws -> (name: String, locale: LocaleTag) {
        let row = try await database.partner(partner)
        return (row?.name ?? partner, row?.locales.first.flatMap(LocaleTag.init) ?? project.config.defaultLocale)
    }

    func locale(of partner: String) async throws -> LocaleTag { try await profile(of: partner).locale }

    /// The bundle's bytes, only if the path stays inside the output folder and is a regular file (no symlink).
    func bundle(_ relative: String) -> Data? {
        let url = output.appendingPathComponent(relative).standardizedFileURL
        guard url.path.hasPrefix(output.path + "/") else { return nil }
        return KitStore.regularFile(url)
    }

    /// Campaign titles in `locale`, by campaign id.
    func campaignTitles(_ locale: LocaleTag) -> [String: String] {
        let strings = project.strings(for: locale)
        return Dictionary(uniqueKeysWithValues: project.campaigns.map { ($0.id, strings.lookup($0.title)?.text ?? $0.id) })
    }

    /// Dates as the partner reads them: their language, their time zone.
    func dateStyle(partner: String, locale: LocaleTag, time: Bool) -> Date.FormatStyle {
        var style = Date.FormatStyle(date: .abbreviated, time: time ? .shortened : .omitted).locale(Locale(identifier: locale.identifier))
        style.timeZone = project.partners.first { $0.id == partner }?.timezone.flatMap(TimeZone.init(identifier:)) ?? Timestamp.utc
        return style
    }

    /// The home page: what is new since the last visit (leads, kits), deals waiting or about to expire,
    /// the MDF balance, and every kit to download.
    func kitsPage(_ partner: String, session: String, published: [String: Int]? = nil) async throws -> Response {
        let kits = try await database.kits(partner: partner)
        let (name, locale) = try await profile(of: partner)
        let style = dateStyle(partner: partner, locale: locale, time: true)
        let titles = campaignTitles(locale)
        let since = try await database.visits(partner: partner).previous
        let home = try await HomeSummary(database: database, partner: partner, since: since, now: now())
        let campaigns = Dictionary(grouping: kits, by: \.campaign).keys.sorted().map { id -> [String: Any] in
            [
                "title": titles[id] ?? id,
                "kits": kits.filter { $0.campaign == id }.map { kit -> [String: Any] in
                    [
                        "locale": kit.locale, "files": kit.files, "size": ByteCountFormatter.string(fromByteCount: Int64(kit.bytes), countStyle: .file),
                        "built": kit.builtAt.formatted(style), "href": "/portal/bundles/\(kit.campaign)/\(kit.locale)",
                        "updated": since.map { kit.builtAt > $0 } ?? false,
                    ]
                },
            ]
        }
        return try page(PortalTemplates.kits, locale: locale, model: ["partner": ["id": partner, "name": name],
                                                                     "campaigns": campaigns, "empty": kits.isEmpty,
                                                                     "csrf": formToken.token(session: session),
                                                                     "published": published.map { $0 as Any } ?? false,
                                                                     "home": home.model(locale: locale, dates: dateStyle(partner: partner, locale: locale, time: false))])
    }

    func page(_ template: String, locale: LocaleTag, model: [String: Any]) throws -> Response {
        try Self.page(template, project: project, locale: locale, model: model)
    }

    /// The `portal.*` messages of `locale`, without the prefix.
    static func messages(_ project: Project, _ locale: LocaleTag) -> [String: String] {
        let strings = project.strings(for: locale)
        var messages: [String: String] = [:]
        for key in strings.keys where key.hasPrefix("portal.") { messages[String(key.dropFirst("portal.".count))] = strings.lookup(key)?.text }
        return messages
    }

    /// A page from the project's templates with the `portal.*` messages of `locale`.
    static func page(_ template: String, project: Project, locale: LocaleTag, model: [String: Any]) throws -> Response {
        var model = model
        model["t"] = ["portal": messages(project, locale)]
        // The header partial marks the page it is on: `nav.kits`, `nav.mdf`, `nav.customise`...
        model["nav"] = [String(template.split(separator: "/").last?.split(separator: ".").first ?? ""): true]
        model["locale"] = ["tag": locale.identifier, "dir": locale.isRightToLeft ? "rtl" : "ltr"]
        model["vendor"] = ["name": project.config.vendor.name]
        guard let html = project.library.render(model, withTemplate: Project.templateName(template)) else {
            throw ServerError(.internalServerError, message: "Templates/\(template).mustache is missing; cobrand validate names it")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
