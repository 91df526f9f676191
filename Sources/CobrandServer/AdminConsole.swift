import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// The channel team's console beyond usage and changes: partners and their tokens, leads, deals with
/// decisions, MDF periods and payments, and the CRM outbox. Every route is in the admin group: a handler
/// runs only with an admin session (whose form token each post must carry) or an admin bearer token.
struct AdminConsole: Sendable {
    let admin: AdminRoutes
    let rules: DealRules

    var project: Project { admin.project }
    var database: any Store { admin.database }

    func add(to router: Router<ServerContext>) {
        let group = admin.group(router)
        group.get("partners") { request, context in try await partnersPage(request, context) }
        group.post("partners/{id}/token") { request, context in
            let id = try partner(context)
            try checkForm(try await request.urlEncodedForm(), context)
            var random = admin.random.generator
            let token = try await database.issueToken(role: .partner, partner: id, now: admin.now(), using: &random)
            return try await partnersPage(request, context, notice: ["issued": ["partner": id, "token": token]])
        }
        group.post("partners/{id}/revoke") { request, context in
            let id = try partner(context)
            try checkForm(try await request.urlEncodedForm(), context)
            let count = try await database.revokeTokens(role: .partner, partner: id, now: admin.now())
            return try await partnersPage(request, context, notice: ["revoked": ["partner": id, "count": count]])
        }
        group.get("leads") { request, context in
            let partner = request.uri.queryParameters.get("partner").flatMap { $0.isEmpty ? nil : $0 }
            let leads = try await database.leads(partner: partner).map { lead -> [String: Any] in
                [
                    "id": lead.id, "partner": lead.partner, "email": lead.email, "name": [lead.firstName, lead.lastName].compactMap { $0 }.joined(separator: " "),
                    "company": lead.company ?? "", "campaign": lead.campaign, "source": lead.source, "locale": lead.locale,
                    "consent": lead.consent ? "yes" : "no", "created": AdminPage.time(lead.createdAt),
                    "crm": [lead.qualification?.rawValue, lead.crmId.map { "CRM id \($0)" }].compactMap { $0 }.joined(separator: ", "),
                ]
            }
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "partner", value: partner)]
            return try render(AdminTemplates.leads, context, ["partner": partner ?? "", "has_partner": partner != nil, "partner_query": query.percentEncodedQuery ?? "",
                                                              "leads": leads, "count": leads.count])
        }
        group.get("leads.csv") { request, _ in
            let partner = request.uri.queryParameters.get("partner").flatMap { $0.isEmpty ? nil : $0 }
            return await PortalPages.csv([AppDatabase.leadColumns] + (try database.leads(partner: partner)).map(\.fields), name: "leads.csv")
        }
        group.get("deals") { request, context in try await dealsPage(request, context) }
        group.post("deals/{id}/{action}") { request, context in
            let form = try await request.urlEncodedForm()
            try checkForm(form, context)
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw ServerError(.notFound) }
            let action: AppDatabase.Action
            switch context.parameters.get("action") {
            case "approve": action = .approve
            case "reject": action = .reject
            case "extend":
                let range = DealLifecycle.extensionDays
                guard let days = form["days"].flatMap(Int.init), range.contains(days) else {
                    return try await dealsPage(request, context, error: "Extend by \(range.lowerBound) to \(range.upperBound) days.", status: .badRequest)
                }
                action = .extend(days: days)
            default: throw ServerError(.notFound)
            }
            let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String($0.prefix(500)) }
            do {
                let deal = try await database.decide(id, action, note: note, rules: rules, now: admin.now())
                return Response(status: .seeOther, headers: [.location: "/admin/deals?decided=\(deal.id)#deal-\(deal.id)"])
            } catch AppDatabase.DealError.notFound {
                return try await dealsPage(request, context, error: "There is no deal \(id). Pick one from the list.", status: .notFound)
            } catch let error as AppDatabase.DealError {
                return try await dealsPage(request, context, error: error.description, status: .conflict)
            }
        }
        group.get("mdf") { request, context in
            let text = request.uri.queryParameters.get("period") ?? ""
            guard !text.isEmpty else { return try await mdfPage(context, period: nil, error: nil) }
            guard let period = Period(text) else {
                return try await mdfPage(context, period: nil, error: "'\(text)' is not a period; write it such as 2026-Q4, 2026-11 or 2026-10-01..2026-12-31.",
                                   status: .badRequest)
            }
            return try await mdfPage(context, period: period, error: nil)
        }
        group.post("mdf/claims/{id}/pay") { request, context in
            let form = try await request.urlEncodedForm()
            try checkForm(form, context)
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw ServerError(.notFound) }
            // The period the page came from, else the claim's own: an answer always shows the period in question.
            let claim: AppDatabase.Claim
            do { claim = try await database.claim(id) } catch AppDatabase.ClaimError.notFound {
                return try await mdfPage(context, period: Period(form["period"] ?? ""), error: "There is no claim \(id).", status: .notFound)
            }
            guard let period = Period(form["period"] ?? "") ?? Period(claim.period) else { throw ServerError(.notFound) }
            let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !reference.isEmpty else { return try await mdfPage(context, period: period, error: "Give the payment's reference.", status: .badRequest) }
            do {
                _ = try await database.markPaid(claim: id, reference: String(reference.prefix(200)), actor: "admin", now: admin.now())
            } catch let error as AppDatabase.ClaimError {
                return try await mdfPage(context, period: period, error: error.description, status: .conflict)
            }
            return Response(status: .seeOther, headers: [.location: "/admin/mdf?period=\(period.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"])
        }
        group.get("outbox") { request, context in try await outboxPage(request, context, retried: nil) }
        group.post("outbox/retry") { request, context in
            let form = try await request.urlEncodedForm()
            try checkForm(form, context)
            let ids = form["id"].flatMap(Int64.init).map { [$0] }
            let count = try await database.retryDead(ids: ids, now: admin.now())
            return try await outboxPage(request, context, retried: count)
        }
    }

    /// A roster partner named by the path; any other id is 404.
    func partner(_ context: AdminContext) throws -> String {
        guard let id = context.parameters.get("id"), project.partners.contains(where: { $0.id == id }) else { throw ServerError(.notFound) }
        return id
    }

    func csrf(_ context: AdminContext) -> String { admin.csrf(session: context.session) }

    /// A post from an admin session carries that session's form token; a bearer client sends no cookie to borrow.
    func checkForm(_ form: [String: String], _ context: AdminContext) throws { try admin.checkForm(form, session: context.session) }

    func render(_ template: String, _ context: AdminContext, _ model: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        try AdminPage.render(template, project: project, csrf: csrf(context), model: model, status: status)
    }

    func partnersPage(_ request: Request, _ context: AdminContext, notice: [String: Any] = [:]) async throws -> Response {
        let search = request.uri.queryParameters.get("q").flatMap { $0.isEmpty ? nil : $0 }
        let partners = try await database.partnerOverview(search: search).map { row -> [String: Any] in
            ["id": row.id, "name": row.name, "kits": row.kits, "last_event": AdminPage.time(row.lastEvent), "last_visit": AdminPage.time(row.lastVisit),
             "tokens": row.liveTokens, "has_tokens": row.liveTokens > 0]
        }
        return try render(AdminTemplates.partners, context, notice.merging(["q": search ?? "", "partners": partners]) { $1 })
    }

    func dealsPage(_ request: Request, _ context: AdminContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let query = request.uri.queryParameters
        let chosen = query.get("status").flatMap(DealStatus.init(rawValue:))
        let partner = query.get("partner").flatMap { $0.isEmpty ? nil : $0 }
        let now = admin.now()
        let deals = try await database.deals(partner: partner, status: chosen).sorted { $0.id > $1.id }.map { deal -> [String: Any] in
            func allows(_ action: DealLifecycle.Action) -> Bool { DealLifecycle.allows(action, status: deal.status, expiresAt: deal.expiresAt, now: now) }
            return [
                "id": deal.id, "partner": deal.partner, "account": deal.accountName, "domain": deal.domain,
                "lead": deal.leadID.map { $0 as Any } ?? false, "products": deal.products.joined(separator: ", "), "close": deal.expectedClose,
                "value": "\(deal.value.majorText) \(deal.value.currency)", "status": deal.status.rawValue,
                "explanation": deal.rule.explanation, "note": deal.note.map { $0 as Any } ?? false,
                "expires": AdminPage.time(deal.expiresAt), "crm": deal.outcome.map { $0.summary as Any } ?? false,
                "can_approve": allows(.approve), "can_reject": allows(.reject), "can_extend": allows(.extend),
            ]
        }
        var decided: AppDatabase.Deal?
        if let id = query.get("decided").flatMap(Int64.init) { decided = try await database.deal(id) }
        return try render(AdminTemplates.deals, context, [
            "deals": deals, "partner": partner ?? "", "error": error.map { $0 as Any } ?? false,
            "statuses": DealStatus.allCases.map { ["name": $0.rawValue, "selected": $0 == chosen] },
            "decided": decided.map { ["id": $0.id, "status": $0.status.rawValue] as Any } ?? false,
        ], status: status)
    }

    func mdfPage(_ context: AdminContext, period: Period?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        var model: [String: Any] = ["periods": try await database.periods(), "period": period?.id ?? "", "has_period": period != nil,
                                    "error": error.map { $0 as Any } ?? false]
        if let period {
            model["balances"] = try await database.balances(period: period.id).map { balance -> [String: Any] in
                ["partner": balance.partner, "currency": balance.currency, "allocated": balance.allocated, "claimed": balance.claimed,
                 "approved": balance.approved, "paid": balance.paid, "remaining": balance.remaining, "deadline": balance.deadline]
            }
            model["payable"] = try await database.claims(period: period.id).filter { $0.status == .approved || $0.status == .partial }.map { claim -> [String: Any] in
                [
                    "id": claim.id, "partner": claim.partner, "status": claim.status.rawValue,
                    "approved": claim.approvedMinor.map { "\(Money(amountMinor: $0, currency: claim.currency).majorText) \(claim.currency)" } ?? "",
                    "paid": claim.paidAt != nil, "paid_at": AdminPage.time(claim.paidAt), "reference": claim.paymentReference ?? "",
                ]
            }
        }
        return try render(AdminTemplates.mdf, context, model, status: status)
    }

    func outboxPage(_ request: Request, _ context: AdminContext, retried: Int?) async throws -> Response {
        let chosen = request.uri.queryParameters.get("status").flatMap(AppDatabase.OutboxRow.Status.init(rawValue:))
        let counts = try await database.outboxCounts()
        let rows = try await database.outbox(status: chosen, newest: 500).map { row -> [String: Any] in
            [
                "id": row.id, "type": row.type, "status": row.status.rawValue, "attempts": row.attempts,
                "next": row.status == .pending ? AdminPage.time(row.nextAttemptAt) : "", "error": row.lastError ?? "",
                "created": AdminPage.time(row.createdAt), "delivered": AdminPage.time(row.deliveredAt), "dead": row.status == .dead,
            ]
        }
        return try render(AdminTemplates.outbox, context, [
            "counts": [AppDatabase.OutboxRow.Status.pending, .delivered, .dead].map { ["name": $0.rawValue, "count": counts[$0] ?? 0] },
            "rows": rows, "has_dead": (counts[.dead] ?? 0) > 0, "webhook": project.config.crm.webhookURL != nil, "retried": retried.map { ["count": $0] as Any } ?? false,
        ])
    }
}
