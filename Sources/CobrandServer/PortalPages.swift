import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore

/// The signed-in partner's leads, deals, performance and suppression list. Every route is in the partner
/// group: the partner comes from the session (`PartnerContext`), and every query is scoped to them, so
/// another partner's lead or deal id answers 404 like a missing one.
struct PortalPages: Sendable {
    let portal: PortalRoutes
    let rules: DealRules

    func add(to router: Router<ServerContext>) {
        let group = portal.group(router)
        group.get("leads") { _, context in try await leadsPage(context) }
        group.get("leads.csv") { _, context in
            let assets = try await portal.database.leadAssets(partner: context.partner)
            let rows = try await portal.database.leads(partner: context.partner).map { $0.partnerFields(asset: assets[$0.id]) }
            return Self.csv([AppDatabase.partnerLeadColumns] + rows, name: "leads.csv")
        }
        group.get("suppression.csv") { _, context in
            let rows = try await portal.database.suppressions(partner: context.partner).map(\.fields)
            return Self.csv([Suppression.columns] + rows, name: "suppression.csv")
        }
        group.get("deals") { request, context in
            let query = request.uri.queryParameters
            var form = DealForm()
            if let lead = query.get("lead").flatMap(Int64.init) {
                // Only the partner's own lead prefills the form; any other id is as unknown as a missing one.
                guard let stored = try await portal.database.leads(partner: context.partner).first(where: { $0.id == lead }) else { throw ServerError(.notFound) }
                form.fields = ["lead_id": String(lead), "account_domain": stored.companyDomain ?? "", "account_name": stored.company ?? ""]
            }
            return try await dealsPage(context, form: form, registered: query.get("registered").flatMap(Int64.init))
        }
        group.post("deals") { request, context in
            let fields = try await request.urlEncodedForm()
            try portal.checkFormToken(fields[FormToken.field], session: context.session)
            var form = DealForm(fields: fields)
            let visitor = portal.visitors.hash(portal.proxies.client(peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.forwardedFor]) ?? "unknown")
            do {
                let lead = try form.leadID()
                var domain = form.given("account_domain")
                if domain == nil, let lead { domain = try await portal.database.leadDomain(lead, partner: context.partner) }
                let deal = try DealRequest.validated(partner: context.partner, domain: domain, accountName: form.given("account_name"),
                                                     value: form.given("value"), currency: form.given("currency")?.uppercased(),
                                                     products: form.given("products")?.split(separator: ",").map(String.init),
                                                     expectedClose: form.given("expected_close"), leadID: lead)
                let registration = try await portal.database.register(deal, rules: rules, idempotencyKey: form.given("idempotency_key").map { "portal:\($0)" },
                                                                visitor: visitor, now: portal.now())
                return Response(status: .seeOther, headers: [.location: "/portal/deals?registered=\(registration.deal.id)"])
            } catch let error as FieldError {
                form.errors[error.field] = error.message
            } catch let error as AppDatabase.DealError {
                form.errors["lead_id"] = error.description
            }
            var response = try await dealsPage(context, form: form, registered: nil)
            response.status = .badRequest
            return response
        }
        group.get("performance") { request, context in
            let range = try? DayRange(request.uri.queryParameters, today: portal.now())
            return try await performancePage(context, range: range ?? DayRange(today: portal.now()), invalid: range == nil)
        }
        group.get("performance.csv") { request, context in
            let range = try download(request)
            let rows = try await performance(context.partner, range)
            return Self.csv([Performance.Row.columns] + rows.map(\.fields), name: "performance-\(range.fromDay)-\(range.toDay).csv")
        }
        group.get("funnel.csv") { request, context in
            let range = try download(request)
            return FunnelRoutes.csv(try await funnel(context.partner, range), name: "funnel-\(range.fromDay)-\(range.toDay).csv")
        }
        group.get("funnel.json") { request, context in try FunnelRoutes.json(try await funnel(context.partner, try download(request))) }
    }

    /// A download's days: as the page asks them, or a `400` (a page falls back to the last 30 days instead).
    func download(_ request: Request) throws -> DayRange {
        guard let range = try? DayRange(request.uri.queryParameters, today: portal.now()) else {
            throw ServerError(.badRequest, message: "from and to must be days such as 2027-03-01, from not after to")
        }
        return range
    }

    /// The partner's own funnel rows over `range`.
    func funnel(_ partner: String, _ range: DayRange) async throws -> [Funnel.Row] {
        try await FunnelReport.rows(portal.database, partner: partner, range: Funnel.Range(from: range.from, until: range.until))
    }

    /// A CSV download; cells a spreadsheet would run as formulas are neutralised by `CSV.line`.
    static func csv(_ rows: [[String]], name: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                        .cacheControl: "private, no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: rows.map(CSV.line).joined())))
    }

    func leadsPage(_ context: PartnerContext) async throws -> Response {
        let (name, locale) = try await portal.profile(of: context.partner)
        let strings = portal.project.strings(for: locale)
        let titles = portal.campaignTitles(locale)
        let assets = try await portal.database.leadAssets(partner: context.partner)
        let dates = portal.dateStyle(partner: context.partner, locale: locale, time: false)
        let leads = try await portal.database.leads(partner: context.partner).map { lead -> [String: Any] in
            [
                "id": lead.id, "email": lead.email, "name": [lead.firstName, lead.lastName].compactMap { $0 }.joined(separator: " "),
                "company": lead.company ?? "", "campaign": titles[lead.campaign] ?? lead.campaign, "asset": assets[lead.id] ?? lead.source,
                "locale": lead.locale, "consent": strings.lookup(lead.consent ? "portal.yes" : "portal.no")?.text ?? (lead.consent ? "yes" : "no"),
                "date": lead.createdAt.formatted(dates), "register": lead.companyDomain != nil,
            ]
        }
        let suppressed = try await portal.database.suppressions(partner: context.partner).count
        return try portal.page(PortalTemplates.leads, locale: locale, model: [
            "partner": ["id": context.partner, "name": name], "csrf": portal.formToken.token(session: context.session),
            "leads": leads, "empty": leads.isEmpty, "suppressed": suppressed,
        ])
    }

    /// What the partner typed into the deal form, and the message for each field that needs fixing.
    struct DealForm {
        var fields: [String: String] = [:]
        var errors: [String: String] = [:]

        func given(_ name: String) -> String? { fields[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }

        func leadID() throws(FieldError) -> Int64? {
            guard let text = given("lead_id") else { return nil }
            guard let id = Int64(text) else { throw FieldError(field: "lead_id", code: "invalid", message: "lead_id must be a lead's number") }
            return id
        }
    }

    func dealsPage(_ context: PartnerContext, form: DealForm, registered: Int64?) async throws -> Response {
        let (name, locale) = try await portal.profile(of: context.partner)
        let strings = portal.project.strings(for: locale)
        let language = Locale(identifier: locale.identifier)
        let dates = portal.dateStyle(partner: context.partner, locale: locale, time: false)
        let now = portal.now()
        let leads = try await portal.database.leads(partner: context.partner)
        let deals = try await portal.database.deals(partner: context.partner).sorted { $0.id > $1.id }.map { deal -> [String: Any] in
            // Days left only mean something for protection still running.
            let daysLeft = deal.expiresAt.flatMap { deal.status == .approved && deal.isActive(at: now) ? PortalHome.daysLeft(until: $0, now: now) : nil }
            return [
                "id": deal.id, "account": deal.accountName, "domain": deal.domain, "value": deal.value.formatted(language),
                "status": deal.status.rawValue, "status_label": strings.lookup(PortalTemplates.dealStatusKey(deal.status.rawValue))?.text ?? deal.status.rawValue,
                "explanation": strings.lookup(PortalTemplates.ruleKey(deal.rule.rawValue))?.text ?? deal.rule.explanation,
                "note": deal.note.map { $0 as Any } ?? false, "expires": deal.expiresAt.map { $0.formatted(dates) as Any } ?? false,
                "days_left": daysLeft.map { $0 as Any } ?? false, "registered": deal.id == registered,
            ]
        }
        let currencies = rules.formCurrencies
        let chosen = form.given("currency")?.uppercased() ?? "USD"
        return try portal.page(PortalTemplates.deals, locale: locale, model: [
            "partner": ["id": context.partner, "name": name], "csrf": portal.formToken.token(session: context.session),
            "deals": deals, "empty": deals.isEmpty,
            "notice": deals.first { $0["registered"] as? Bool == true } ?? false,
            "form": [
                "lead_id": form.fields["lead_id"] ?? "", "from_lead": form.given("lead_id") != nil,
                // A malformed lead id is reported beside its field; it names no lead here.
                "lead_email": ((try? form.leadID()) ?? nil).flatMap { id in leads.first { $0.id == id }?.email }.map { $0 as Any } ?? false,
                "account_domain": form.fields["account_domain"] ?? "", "account_name": form.fields["account_name"] ?? "",
                "value": form.fields["value"] ?? "", "products": form.fields["products"] ?? "", "expected_close": form.fields["expected_close"] ?? "",
                "currencies": currencies.map { ["code": $0, "selected": $0 == chosen] },
                "idempotency_key": form.fields["idempotency_key"] ?? portal.random.token(bytes: 16),
                "errors": form.errors, "error": !form.errors.isEmpty,
            ],
        ])
    }

    func performance(_ partner: String, _ range: DayRange) async throws -> [Performance.Row] {
        let activity = try await portal.database.usage(from: range.from, until: range.until, partner: partner).map {
            Performance.Activity(campaign: $0.campaign, locale: $0.locale, downloads: $0.downloads, opens: $0.opens, clicks: $0.clicks, views: $0.views)
        }
        let facts = try await portal.database.performanceFacts(partner: partner, from: range.from, until: range.until)
        return Performance.rows(activity: activity, leads: facts.leads, deals: facts.deals)
    }

    func performancePage(_ context: PartnerContext, range: DayRange, invalid: Bool) async throws -> Response {
        let (name, locale) = try await portal.profile(of: context.partner)
        let strings = portal.project.strings(for: locale)
        let language = Locale(identifier: locale.identifier)
        func text(_ key: String) -> String { strings.lookup("portal.\(key)")?.text ?? key }
        let titles = portal.campaignTitles(locale)
        let rows = try await performance(context.partner, range)
        func model(_ row: Performance.Row, label: String) -> [String: Any] {
            [
                "label": label, "downloads": row.downloads, "opens": row.opens, "clicks": row.clicks, "views": row.views, "leads": row.leads,
                "deals": row.deals, "pipeline": row.pipeline.map { $0.formatted(language) }.joined(separator: ", "),
            ]
        }
        func label(_ row: Performance.Row) -> String {
            row.campaign.isEmpty ? text("registered_by_hand") : "\(titles[row.campaign] ?? row.campaign) · \(row.locale)"
        }
        let chart = BarChart(
            title: text("performance_title"),
            series: [("downloads", "#5B6B8C"), ("opens", "#9DB4E0"), ("clicks", "#0B5FFF"), ("views", "#0A6E4F"), ("leads", "#C77700"), ("deals", "#A4161A")]
                .map { BarChart.Series(label: text($0.0), color: $0.1) },
            groups: rows.map { (label($0), [$0.downloads, $0.opens, $0.clicks, $0.views, $0.leads, $0.deals]) })
        let funnelRows = try await funnel(context.partner, range)
        func money(_ minor: [String: Int64]) -> String {
            minor.sorted { $0.key < $1.key }.map { Money(amountMinor: $1, currency: $0).formatted(language) }.joined(separator: ", ")
        }
        let funnelLabels = Dictionary(uniqueKeysWithValues: Funnel.englishLabels.keys.map { ($0, text("funnel_\($0)")) })
        let campaigns = funnelRows.filter(\.isTotal).map { row -> [String: Any] in
            [
                "label": row.key.campaign.isEmpty ? text("registered_by_hand") : titles[row.key.campaign] ?? row.key.campaign,
                "impressions": row.impressions, "opens": row.opens, "proxy_opens": row.proxyOpens, "proxied": row.proxyOpens > 0, "clicks": row.clicks, "leads": row.leads,
                "qualified": row.qualified, "registered": row.registered, "won": row.won, "lost": row.lost, "revenue": money(row.revenue),
                "influenced": money(row.influenced), "mdf": money(row.mdfSpent), "per_mdf": row.revenuePerMDF,
            ]
        }
        return try portal.page(PortalTemplates.performance, locale: locale, model: [
            "partner": ["id": context.partner, "name": name], "csrf": portal.formToken.token(session: context.session),
            "from": range.fromDay, "to": range.toDay, "invalid": invalid,
            "csv": "/portal/performance.csv?from=\(range.fromDay)&to=\(range.toDay)",
            "rows": rows.map { model($0, label: label($0)) }, "empty": rows.isEmpty, "total": model(Performance.total(rows), label: text("total")),
            "chart": rows.isEmpty ? "" : chart.svg,
            "funnel": campaigns.isEmpty ? false as Any : [
                "chart": Funnel.svg(Funnel.total(funnelRows), title: text("funnel_title"), labels: funnelLabels, money: money), "campaigns": campaigns,
                "csv": "/portal/funnel.csv?from=\(range.fromDay)&to=\(range.toDay)",
            ],
        ])
    }
}

/// Whole UTC days `from`...`to`, from a query (`YYYY-MM-DD`) or the last 30 days.
struct DayRange {
    let from: Date
    /// The start of the day after `to`.
    let until: Date

    /// The 30 days up to and including today.
    init(today now: Date) {
        until = Calendar.utcGregorian.startOfDay(for: now).addingTimeInterval(86_400)
        from = until.addingTimeInterval(-30 * 86_400)
    }

    /// The query's `from` and `to`, each defaulting as above; throws on a malformed day or `from` after `to`.
    init(_ query: FlatDictionary<Substring, Substring>, today now: Date) throws {
        let calendar = Calendar.utcGregorian
        func day(_ name: String) throws -> Date? {
            guard let text = query.get(name), !text.isEmpty else { return nil }
            guard let components = SendSchedule.day(text), let date = calendar.date(from: components) else { throw ServerError(.badRequest) }
            return date
        }
        let fallback = DayRange(today: now)
        until = try day("to")?.addingTimeInterval(86_400) ?? fallback.until
        from = try day("from") ?? until.addingTimeInterval(-30 * 86_400)
        // At most a year and a day: a range is one pass over the partner's events.
        guard from < until, until.timeIntervalSince(from) <= 367 * 86_400 else { throw ServerError(.badRequest) }
    }

    var fromDay: String { Timestamp.day(from) }
    var toDay: String { Timestamp.day(until.addingTimeInterval(-86_400)) }
}

/// The home page's call-outs for one partner: leads since the last visit, deals waiting for review or
/// expiring soon, and MDF balances still open.
struct HomeSummary {
    let newLeads: [AppDatabase.StoredLead]
    let pending: [AppDatabase.Deal]
    let expiring: [AppDatabase.Deal]
    let balances: [AppDatabase.Balance]
    let now: Date

    init(database: any Store, partner: String, since: Date?, now: Date) async throws {
        newLeads = try await database.leads(partner: partner).filter { lead in since.map { lead.createdAt > $0 } ?? true }
        let deals = try await database.deals(partner: partner)
        pending = deals.filter { $0.status == .pending }
        expiring = deals.filter { PortalHome.isExpiringSoon(status: $0.status, expiresAt: $0.expiresAt, now: now) }
        let today = Timestamp.day(now)
        balances = try await database.balances(partner: partner).filter { ClaimState.isOpen(today: today, deadline: $0.deadline) }
        self.now = now
    }

    func model(locale: LocaleTag, dates: Date.FormatStyle) -> [String: Any] {
        let language = Locale(identifier: locale.identifier)
        func deal(_ deal: AppDatabase.Deal) -> [String: Any] {
            ["id": deal.id, "account": deal.accountName, "value": deal.value.formatted(language),
             "expires": deal.expiresAt.map { $0.formatted(dates) } ?? "", "days_left": deal.expiresAt.map { PortalHome.daysLeft(until: $0, now: now) } ?? 0]
        }
        return [
            "new_leads": newLeads.count, "leads": newLeads.prefix(5).map { ["email": $0.email, "company": $0.company.map { $0 as Any } ?? false, "date": $0.createdAt.formatted(dates)] },
            "pending": pending.map(deal), "has_pending": !pending.isEmpty, "expiring": expiring.map(deal), "has_expiring": !expiring.isEmpty,
            "balances": balances.map { balance -> [String: Any] in
                ["period": balance.period, "remaining": balance.money.remaining.formatted(language),
                 "deadline": balance.deadline]
            },
            "has_balances": !balances.isEmpty,
        ]
    }
}
