import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore
import NIOConcurrencyHelpers

/// Lead intake: `POST /api/leads` from generated landing and webinar pages (form-encoded, answered with a
/// 303 to a localized thank-you page) or as JSON (201 with the lead id). Nothing is acknowledged before the
/// lead and its outbox row are committed.
public struct LeadRoutes: Sendable {

    public let project: Project
    public let database: any Store
    public let intake: LeadIntake
    let visitors: Visitor.Hasher
    public let now: @Sendable () -> Date
    /// Whose `X-Forwarded-For` names the visitor (`--trusted-proxy`): the rate limit is per visitor.
    public let proxies: TrustedProxies
    /// Tells a lead sent through a generated page's form from one posted to the bare API.
    public let forms: LeadFormSigner?

    public init(project: Project, database: any Store, salt: Data, proxies: TrustedProxies = TrustedProxies(), forms: LeadFormSigner? = nil,
                now: @escaping @Sendable () -> Date) {
        self.proxies = proxies
        self.forms = forms
        self.project = project
        self.database = database
        intake = LeadIntake(partners: project.partners,
                            campaigns: Dictionary(uniqueKeysWithValues: project.campaigns.map { ($0.id, Set($0.components.map(\.id))) }),
                            optInCountries: project.config.leads.optInCountries)
        visitors = Visitor.Hasher(salt: salt)
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        router.post("/api/leads") { request, context in
            let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
            let fields = try await isJSON ? Self.jsonFields(request) : request.urlEncodedForm()
            let locale = self.locale(partner: fields["partner"], requested: fields["locale"])
            let visitor = self.visitors.hash(context.client(request, proxies: self.proxies) ?? "unknown")
            guard try await self.database.allow("lead:\(visitor)", limit: self.project.config.leads.rateLimitPerMinute, period: 60, now: self.now()) else {
                let message = self.project.strings(for: locale).lookup(PortalTemplates.rateLimitedKey)?.text ?? "Too many submissions; try again in a minute."
                if isJSON { throw ServerError(.tooManyRequests, code: "rate_limited", message: message) }
                return try self.page(locale: locale, partner: nil, error: message, status: .tooManyRequests)
            }
            let outcome: LeadIntake.Outcome
            do {
                outcome = try self.intake.validate(fields)
            } catch let error as FieldError {
                if isJSON { throw ServerError(.badRequest, code: error.code, message: error.message, field: error.field) }
                return try self.page(locale: locale, partner: nil, error: error.message, status: .badRequest)
            }
            switch outcome {
            case .spam:
                // Answer like a success so the bot learns nothing; keep nothing.
                if isJSON { return Response.json(["status": "received"], status: .created) }
                return Self.thanks(partner: fields["partner"], locale: locale)
            case let .lead(lead):
                let signed = self.forms?.verify(fields[LeadFormSigner.field], partner: lead.partner, campaign: lead.campaign,
                                                asset: lead.asset ?? "", locale: lead.locale) ?? false
                try await self.database.record(lead, ipHash: visitor, signed: signed, now: self.now())
                // The same answer for a new person, a known one and spam: it must not tell who is already a lead.
                if isJSON { return Response.json(["status": "received"], status: .created) }
                return Self.thanks(partner: lead.partner, locale: LocaleTag(lead.locale) ?? locale)
            }
        }
        router.get("/leads/thanks") { request, _ in
            let query = request.uri.queryParameters
            let partner = query.get("partner").flatMap { id in self.project.partners.first { $0.id == id } }
            return try self.page(locale: self.locale(partner: partner?.id, requested: query.get("locale")), partner: partner, error: nil, status: .ok)
        }
    }

    /// The locale to answer in: the requested one if the partner has it, else the partner's first, else the default.
    func locale(partner id: String?, requested: String?) -> LocaleTag {
        let partner = id.flatMap { id in project.partners.first { $0.id == id } }
        let locales = partner?.locales ?? []
        return locales.first { $0.identifier == requested } ?? locales.first ?? project.config.defaultLocale
    }

    func page(locale: LocaleTag, partner: Partner?, error: String?, status: HTTPResponse.Status) throws -> Response {
        var model: [String: Any] = ["partner": ["name": partner?.name as Any]]
        if let error { model["error"] = ["message": error] }
        var response = try PortalRoutes.page(PortalTemplates.lead, project: project, locale: locale, model: model)
        response.status = status
        return response
    }

    /// A 303 to the thank-you page: built from the partner id and locale only, never from a submitted URL.
    static func thanks(partner: String?, locale: LocaleTag) -> Response {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "partner", value: partner.flatMap { Partner.isValidID($0) ? $0 : nil } ?? ""),
                            URLQueryItem(name: "locale", value: locale.identifier)]
        return Response(status: .seeOther, headers: [.location: "/leads/thanks?" + (query.percentEncodedQuery ?? "")])
    }

    /// A JSON object body with scalar values, as text fields (`true` and numbers become their text).
    static func jsonFields(_ request: Request) async throws -> [String: String] {
        try await request.decodeJSON([String: Scalar].self, upTo: 16_384).compactMapValues(\.text)
    }

    /// A JSON field value as text: a string, a boolean, a number, or nil for null.
    struct Scalar: Decodable {
        let text: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { text = nil }
            else if let string = try? container.decode(String.self) { text = string }
            else if let flag = try? container.decode(Bool.self) { text = flag ? "true" : "false" }
            else if let number = try? container.decode(Int64.self) { text = String(number) }
            else { text = String(try container.decode(Double.self)) }
        }
    }
}
