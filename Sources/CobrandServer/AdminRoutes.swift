import CobrandCore
import CobrandStore
import CobrandFiles
import CobrandUseCases
import Foundation
import Hummingbird
import NIOCore

/// The admin API and pages: usage over a day range as JSON, CSV or HTML. The API takes an admin token
/// (`Authorization: Bearer <token>`, from `cobrand admin token`); a browser signs in once at `/admin` with
/// the same token and gets a session cookie, like the portal's, scoped to `/admin`.
public struct AdminRoutes: Sendable {
    public static let cookieName = "cobrand_admin"

    public let project: Project
    public let database: any Store
    public let now: @Sendable () -> Date
    /// Where partners' uploaded logos are, so an admin sees a logo before approving it.
    public let logoFolder: URL?
    let formToken: FormToken
    static let signInToken = SignInFormToken(cookieName: "cobrand_admin_form", path: "/admin")

    /// `formSecret` keys the form tokens of signed-in admins' forms (the server's IP salt serves).
    /// Session ids, tokens the console issues and sign-in form values.
    public let random: RandomSource

    public init(project: Project, database: any Store, formSecret: Data = Data(), logoFolder: URL? = nil, random: RandomSource = .system,
                now: @escaping @Sendable () -> Date) {
        self.random = random
        self.project = project
        self.database = database
        self.logoFolder = logoFolder
        self.formToken = FormToken(secret: formSecret)
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        AdminConsole(admin: self, rules: project.config.deals.rules).add(to: router)
        addFunnel(to: router)
        router.get("/admin") { request, _ in
            guard try await self.isSignedIn(request) else { return try self.signInPage(status: .ok, error: nil) }
            return Response(status: .seeOther, headers: [.location: "/admin/partners"])
        }
        router.post("/admin/sign-in") { request, _ in
            let form = try await request.urlEncodedForm()
            guard Self.signInToken.isValid(request, form: form) else {
                return try self.signInPage(status: .forbidden, error: "This form has expired. Sign in again.")
            }
            guard let token = form["token"], let grant = try await self.database.grant(for: token), grant.role == .admin else {
                return try self.signInPage(status: .unauthorized, error: "That is not a valid admin token.")
            }
            var random = self.random.generator
            let session = try await self.database.startSession(for: grant, now: self.now(), using: &random)
            var response = Response(status: .seeOther, headers: [.location: "/admin/partners"])
            response.setCookie(Self.cookie(session, maxAge: Int(AppDatabase.sessionLifetime)))
            return response
        }
        router.post("/admin/sign-out") { request, _ in
            if let session = request.cookies[Self.cookieName]?.value {
                try self.checkForm(try await request.urlEncodedForm(), session: session)
                try await self.database.endSession(session)
            }
            var response = Response(status: .seeOther, headers: [.location: "/admin"])
            response.setCookie(Self.cookie("", maxAge: 0))
            return response
        }
        group(router, api: true).get("usage") { request, context in
            let query = request.uri.queryParameters
            let format = query.get("format") ?? "json"
            let today = Self.utc.startOfDay(for: self.now())
            func day(_ name: String) throws -> Date? {
                guard let text = query.get(name), !text.isEmpty else { return nil }
                guard let components = SendSchedule.day(text), let date = Self.utc.date(from: components) else {
                    throw ServerError(.badRequest, code: "bad_date", message: "\(name) must be a day such as 2027-03-01", field: name)
                }
                return date
            }
            let until = try (day("to") ?? today).addingTimeInterval(86_400)
            let from = try day("from") ?? until.addingTimeInterval(-30 * 86_400)
            guard from < until else {
                throw ServerError(.badRequest, code: "bad_range", message: "from must not be after to", field: "from")
            }
            let partner = query.get("partner").flatMap { $0.isEmpty ? nil : $0 }
            let rows = try await self.database.usage(from: from, until: until, partner: partner)
            switch format {
            case "csv":
                let text = ([AppDatabase.usageColumns] + rows.map(\.fields)).map(CSV.line).joined()
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"usage.csv\""],
                                body: .init(byteBuffer: ByteBuffer(string: text)))
            case "html":
                let range = AdminPage.Range(from: from, to: until.addingTimeInterval(-86_400), partner: partner)
                let totals = [rows.map(\.opens), rows.map(\.clicks), rows.map(\.views), rows.map(\.downloads)].map { String($0.reduce(0, +)) }
                return try AdminPage.render(AdminTemplates.usage, project: self.project, csrf: self.csrf(session: context.session), model: [
                    "from": Timestamp.day(range.from), "to": Timestamp.day(range.to), "partner": partner ?? "",
                    "csv_query": range.query("csv"), "json_query": range.query("json"), "columns": AppDatabase.usageColumns,
                    "rows": rows.map { ["cells": $0.fields] }, "count": rows.count, "totals": totals,
                ])
            case "json":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(rows))))
            default:
                throw ServerError(.badRequest, code: "bad_format", message: "format must be json, csv or html", field: "format")
            }
        }
    }

    /// The MDF report and claims for a period: `GET /admin/mdf/report?period=P&format=html|csv|json`,
    /// `GET /admin/mdf/claims?period=P` (decisions and reasons), `POST /admin/mdf/reconcile` (form field `period`).
    public func addMDF(to router: Router<ServerContext>, rules: Reconciler.Rules) {
        @Sendable func period(_ request: Request) throws -> Period {
            let text = request.uri.queryParameters.get("period") ?? ""
            guard let period = Period(text) else {
                throw ServerError(.badRequest, code: "bad_period", message: "period must be such as 2026-Q4, 2026-11 or 2026-10-01..2026-12-31", field: "period")
            }
            return period
        }
        let pages = group(router), api = group(router, api: true)
        api.get("mdf/report") { request, context in
            let format = request.uri.queryParameters.get("format") ?? "html"
            // A browser without a period picks one on the MDF page; an API client gets the reason.
            if format == "html", context.session != nil, Period(request.uri.queryParameters.get("period") ?? "") == nil {
                return Response(status: .seeOther, headers: [.location: "/admin/mdf"])
            }
            let period = try period(request)
            let rows = try await self.database.mdfReport(period: period.id)
            switch format {
            case "csv":
                let text = ([MDFReportRow.columns] + rows.map(\.fields)).map(CSV.line).joined()
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
            case "json":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(rows))))
            case "html":
                return try AdminPage.render(AdminTemplates.report, project: self.project, csrf: self.csrf(session: context.session),
                                            model: MDFReportPage.model(rows, period: period.id))
            default:
                throw ServerError(.badRequest, code: "bad_format", message: "format must be html, csv or json", field: "format")
            }
        }
        pages.get("mdf/claims") { request, context in
            guard let period = Period(request.uri.queryParameters.get("period") ?? "") else {
                return Response(status: .seeOther, headers: [.location: "/admin/mdf"])
            }
            let proofs = try await self.database.proofs(period: period.id)
            let claims = try await self.database.claims(period: period.id).map { claim -> [String: Any] in
                let approved = claim.approvedMinor.map { Money(amountMinor: $0, currency: claim.currency).majorText } ?? ""
                return [
                    "cells": [String(claim.id), claim.partner, claim.campaign, claim.activity.rawValue, "\(claim.activityStart)..\(claim.activityEnd)",
                              "\(claim.amount.majorText) \(claim.currency)", claim.status.rawValue, approved],
                    "reasons": claim.reasons ?? [], "proofs": (proofs[claim.id] ?? []).map { ["sha256": $0.sha256, "name": $0.name] },
                ]
            }
            return try AdminPage.render(AdminTemplates.claims, project: self.project, csrf: self.csrf(session: context.session),
                                        model: ["period": period.id, "claims": claims])
        }
        pages.post("mdf/reconcile") { request, context in
            let form = try await request.urlEncodedForm()
            try self.checkForm(form, session: context.session)
            guard let period = Period(form["period"] ?? "") else {
                throw ServerError(.badRequest, code: "bad_period", message: "period must be such as 2026-Q4", field: "period")
            }
            try await self.database.reconcile(period: period.id, rules: rules, actor: "admin", now: self.now())
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "period", value: period.id)]
            return Response(status: .seeOther, headers: [.location: "/admin/mdf/claims?" + (query.percentEncodedQuery ?? "")])
        }
    }

    /// Partners' changes waiting for approval, and the latest decisions: `GET /admin/changes`, and
    /// `POST /admin/changes/<id>/approve` or `/reject` (form field `note`).
    public func addChanges(to router: Router<ServerContext>) {
        let pages = group(router)
        pages.get("changes") { _, context in
            let all = try await self.database.changes()
            func model(_ change: AppDatabase.FieldChange) -> [String: Any] {
                // A logo is shown, so it can be judged before it is approved.
                func logo(_ text: String?) -> Any {
                    guard change.field == "logo", change.campaign.isEmpty, let text, text.wholeMatch(of: /[0-9a-f]{64}\.(png|jpg|svg)/) != nil else { return false }
                    return text
                }
                return [
                    "id": change.id, "partner": change.partner, "subject": change.subject, "old": change.oldValue ?? "", "new": change.newValue,
                    "old_logo": logo(change.oldValue), "new_logo": logo(change.newValue), "new_short": String(change.newValue.prefix(12)),
                    "actor": change.actor, "at": Timestamp.iso8601(change.createdAt), "status": change.status.rawValue,
                    "decided_by": change.decidedBy.map { $0 as Any } ?? false, "note": change.note.map { $0 as Any } ?? false,
                ]
            }
            let pending = all.filter { $0.status == .pending }
            return try AdminPage.render(AdminTemplates.changes, project: self.project, csrf: self.csrf(session: context.session), model: [
                "pending": pending.map(model), "has_pending": !pending.isEmpty,
                "recent": all.filter { $0.status != .pending }.suffix(50).reversed().map(model),
            ])
        }
        pages.get("logos/{name}") { _, context in
            guard let folder = self.logoFolder, let name = context.parameters.get("name"), let data = BlobStore(folder: folder).get(name) else {
                throw ServerError(.notFound)
            }
            return PortalSelfServiceRoutes.file(data, type: MediaType.of(name))
        }
        pages.post("changes/{id}/{decision}") { request, context in
            let form = try await request.urlEncodedForm()
            try self.checkForm(form, session: context.session)
            guard let id = context.parameters.get("id").flatMap(Int64.init), let decision = context.parameters.get("decision"),
                  decision == "approve" || decision == "reject"
            else { throw ServerError(.notFound) }
            let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String($0.prefix(500)) }
            do {
                _ = try await self.database.decide(change: id, approve: decision == "approve", by: "admin", note: note, now: self.now())
            } catch AppDatabase.ChangeError.notFound {
                throw ServerError(.notFound, message: "no such change")
            } catch let error as AppDatabase.ChangeError {
                throw ServerError(.conflict, code: "not_pending", message: error.description)
            }
            return Response(status: .seeOther, headers: [.location: "/admin/changes"])
        }
    }

    /// `GET /admin/mdf/proofs/<sha256>`: any claim's proof, for admins checking a claim.
    func addProofs(to router: Router<ServerContext>, claims: ClaimRoutes) {
        group(router).get("mdf/proofs/{sha256}") { _, context in
            return try await claims.proofDownload(context.parameters.get("sha256") ?? "", partner: nil)
        }
    }

    /// Routes only an admin reaches (`AdminSignIn`). Without one, a page answers with the sign-in page's
    /// address; an `api` route answers 401 with what to send, unless it was asked for HTML (`format=html`).
    func group(_ router: Router<ServerContext>, api: Bool = false) -> RouterGroup<AdminContext> {
        router.group("admin").add(middleware: AdminSignIn(database: database, now: now, api: api)).group(context: AdminContext.self)
    }

    /// The form token for a signed-in admin's pages ("" for an API client, whose pages have no forms to post).
    func csrf(session: String?) -> String { session.flatMap { $0.isEmpty ? nil : formToken.token(session: $0) } ?? "" }

    /// `form` carries `session`'s token (nothing to check without a session).
    func checkForm(_ form: [String: String], session: String?) throws {
        guard let session, !session.isEmpty else { return }
        guard formToken.isValid(form[FormToken.field], session: session) else {
            throw ServerError(.forbidden, message: "This form has expired or did not come from the admin pages. Reload the page and try again.")
        }
    }

    func signInPage(status: HTTPResponse.Status, error: String?) throws -> Response {
        let (value, cookie) = Self.signInToken.issue(random)
        var response = try AdminPage.render(AdminTemplates.signIn, project: project, csrf: value, model: ["error": error.map { $0 as Any } ?? false],
                                             status: status)
        response.setCookie(cookie)
        return response
    }

    /// A live admin session cookie: the sign-in page sends a signed-in admin on to the console.
    func isSignedIn(_ request: Request) async throws -> Bool {
        guard let session = request.cookies[Self.cookieName]?.value, !session.isEmpty else { return false }
        return try await database.session(session, now: now())?.role == .admin
    }

    static func cookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/admin", secure: true, httpOnly: true, sameSite: .strict)
    }

    static var utc: Calendar { .utcGregorian }
}
