import CobrandCore
import CobrandStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Deal registration for partners: `POST /api/deals` and `GET /api/deals/<id>`, with a partner access token
/// (`Authorization: Bearer <token>`). Retries with the same `Idempotency-Key` get the same registration.
public struct DealRoutes: Sendable {
    public let database: any Store
    public let rules: DealRules
    public let now: @Sendable () -> Date
    /// The caller's address, as a visitor hash: the partner's own, which never counts as a tracked lead's.
    let visitors: Visitor.Hasher
    let proxies: TrustedProxies

    public init(database: any Store, rules: DealRules, salt: Data = Data(), proxies: TrustedProxies = TrustedProxies(),
                now: @escaping @Sendable () -> Date) {
        self.database = database
        self.rules = rules
        visitors = Visitor.Hasher(salt: salt)
        self.proxies = proxies
        self.now = now
    }

    /// The JSON body of a registration.
    struct Body: Decodable {
        let account_domain: String?
        let lead_id: Int64?
        let account_name: String?
        let value: AmountText?
        let currency: String?
        let products: [String]?
        let expected_close: String?
    }

    public func add(to router: Router<ServerContext>) {
        let api = PartnerToken.group(router, database: database)
        api.post("deals") { request, context in
            let partner = context.partner
            let visitor = self.visitors.hash(context.client(request, proxies: self.proxies) ?? "unknown")
            try await self.database.notePartnerAddress(partner: partner, visitor: visitor, rules: self.rules, now: self.now())
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            if let key, key.isEmpty || key.count > 200 {
                throw ServerError(.badRequest, code: "invalid", message: "Idempotency-Key must be 1 to 200 characters", field: "Idempotency-Key")
            }
            let body = try await request.decodeJSON(Body.self, upTo: 16_384)
            let registration: AppDatabase.Registration
            do {
                var domain = body.account_domain
                if domain == nil, let lead = body.lead_id { domain = try await self.database.leadDomain(lead, partner: partner) }
                let deal = try DealRequest.validated(partner: partner, domain: domain, accountName: body.account_name, value: body.value?.text,
                                                     currency: body.currency, products: body.products, expectedClose: body.expected_close,
                                                     leadID: body.lead_id)
                registration = try await self.database.register(deal, rules: self.rules, idempotencyKey: key, visitor: visitor, now: self.now())
            } catch let error as FieldError {
                throw ServerError(.badRequest, code: error.code, message: error.message, field: error.field)
            } catch let error as AppDatabase.DealError {
                throw ServerError(.badRequest, code: "invalid", message: error.description, field: "lead_id")
            }
            let status: HTTPResponse.Status = registration.deal.status == .conflict ? .conflict : registration.created ? .created : .ok
            return Response.json(registration.deal.payload, status: status)
        }
        api.get("deals/{id}") { _, context in
            // Another partner's deal is indistinguishable from a missing one.
            let notFound = ServerError(.notFound, code: "not_found", message: "no such deal")
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw notFound }
            let deal: AppDatabase.Deal
            do { deal = try await self.database.deal(id) } catch AppDatabase.DealError.notFound { throw notFound }
            guard deal.partner == context.partner else { throw notFound }
            return Response.json(deal.payload, status: .ok)
        }
    }
}
