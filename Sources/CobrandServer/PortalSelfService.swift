import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Partner self-service in the portal: change the profile fields and campaign texts the vendor opened,
/// upload a logo, preview the kits through the real renderer, and publish (rebuild) them.
///
/// Every form works without JavaScript and carries the session's form token. Changes are checked by the
/// roster's and manifests' own rules before anything is stored; a logo is stored by content only.
struct PortalSelfServiceRoutes: Sendable {
    let portal: PortalRoutes
    let publisher: Publisher

    var project: Project { portal.project }
    var database: any Store { portal.database }
    var settings: SelfServiceConfig { project.config.selfService }
    /// Partners' uploaded logos, by content.
    var logos: BlobStore { BlobStore(folder: publisher.logoFolder) }

    init(portal: PortalRoutes, publisher: Publisher) {
        self.portal = portal
        self.publisher = publisher
    }

    func add(to router: Router<ServerContext>) {
        let group = portal.group(router)
        group.get("customise") { request, context in
            let (partner, session) = (context.partner, context.session)
            return try await customisePage(partner: partner, session: session, submitted: [:], errors: [:])
        }
        group.post("customise") { request, context in
            let (partner, session) = (context.partner, context.session)
            return try await portal.uploads.run(partner) {
                let form = try await request.multipartForm(MultipartLimits(bytes: settings.logoMaxBytes + (1 << 20), parts: 1_000)) { name, value in
                    if name == FormToken.field { try portal.checkFormToken(value, session: session) }
                }
                try portal.checkFormToken(form.fields[FormToken.field], session: session)
                return try await save(partner: partner, session: session, form: form)
            }
        }
        group.get("preview") { request, context in
            let (partner, session) = (context.partner, context.session)
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
            return try await previewPage(partner: partner, session: session, query: query)
        }
        group.get("preview/{mode}/{campaign}/{locale}/**") { request, context in
            let partner = context.partner
            let mode = context.parameters.get("mode") ?? ""
            guard mode == "current" || mode == "pending", let campaign = context.parameters.get("campaign"),
                  let locale = context.parameters.get("locale").flatMap(LocaleTag.init)
            else { throw ServerError(.notFound) }
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return try await previewFile(partner: partner, campaign: campaign, locale: locale, path: path.isEmpty ? "index.html" : path,
                                   pending: mode == "pending")
        }
        group.post("publish") { request, context in
            let (partner, session) = (context.partner, context.session)
            try portal.checkFormToken(try await request.urlEncodedForm()[FormToken.field], session: session)
            guard try await database.allow("publish:\(partner)", limit: settings.publishesPerHour, period: 3600, now: portal.now()) else {
                return try await previewPage(partner: partner, session: session, query: [:], notice: .limited, status: .tooManyRequests)
            }
            do {
                let report = try await publisher.publish(partner: partner, now: portal.now())
                return Response(status: .seeOther, headers: [.location: "/portal?published=\(report.rendered)&kits=\(report.kits)"])
            } catch {
                // A template or asset problem is the vendor's to fix; the partner's kits stay as they were.
                context.logger.error("publish failed", metadata: ["partner": "\(partner)", "error": "\(error)"])
                return try await previewPage(partner: partner, session: session, query: [:], notice: .failed, status: .internalServerError)
            }
        }
        group.get("logo") { request, context in
            let partner = context.partner
            let pending = request.uri.queryParameters.get("pending") == "1"
            let (applied, _) = try await PartnerChanges.applied(to: project, database: database, logos: logos, partner: partner, pending: pending)
            guard let name = applied.partners.first(where: { $0.id == partner })?.logo, let data = applied.partnerLogos[name] else {
                throw ServerError(.notFound)
            }
            return Self.file(data, type: MediaType.of(name))
        }
    }


    /// A file of ours for the browser: never sniffed. A kit page may run the preview's copy buttons; anything
    /// else (an SVG opened directly, say) may run nothing at all.
    static func file(_ data: Data, type: String) -> Response {
        let policy = type == "text/html"
            ? "default-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
            : "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
        return Response(status: .ok, headers: [
            .contentType: type.hasPrefix("text/") ? type + "; charset=utf-8" : type, .cacheControl: "private, no-store",
            .init("X-Content-Type-Options")!: "nosniff", .contentSecurityPolicy: policy,
        ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Saving

    /// The project as the partner's changes in effect make it, the form over it, and the partner's change log.
    func state(partner: String) async throws -> (project: Project, form: SelfServiceForm, changes: [AppDatabase.FieldChange]) {
        let (applied, _) = try await PartnerChanges.applied(to: project, database: database, logos: logos, partner: partner)
        let changes = try await database.changes(partner: partner)
        let byName = Dictionary(changes.filter { $0.status == .pending }.map {
            (SelfServiceForm.name(campaign: $0.campaign, locale: $0.locale, field: $0.field), $0.newValue)
        }, uniquingKeysWith: { _, last in last })
        return (applied, SelfServiceForm(project: applied, partnerID: partner, pending: byName), changes)
    }

    func save(partner: String, session: String, form: MultipartForm) async throws -> Response {
        let (applied, selfForm, _) = try await state(partner: partner)
        guard let current = applied.partners.first(where: { $0.id == partner }) else { throw ServerError(.notFound) }
        let outcome = selfForm.check(form.fields, partner: current, project: applied)
        var errors = outcome.errors
        var changes = outcome.changes.map { change in
            AppDatabase.ChangeRequest(campaign: change.field.campaign, locale: change.field.locale, field: change.field.field,
                                      oldValue: change.field.current, newValue: change.value, needsApproval: change.field.needsApproval)
        }
        var logo: LogoUpload?
        if settings.fields["logo"] != nil, let file = form.files.first(where: { $0.field == "logo" && $0.size > 0 }) {
            if try await !database.allow("upload:\(partner)", limit: settings.uploadsPerHour, period: 3600, now: portal.now()) {
                errors["profile.logo"] = project.strings(for: try await portal.locale(of: partner)).lookup("portal.too_many")?.text ?? "too many uploads; try again later"
            } else {
                let data = try file.data
                do {
                    let upload = try LogoUpload(filename: file.filename, data: data, maxBytes: settings.logoMaxBytes, maxPixels: settings.logoMaxPixels)
                    logo = upload
                    changes.append(.init(field: "logo", oldValue: current.logo, newValue: upload.storedName, needsApproval: settings.fields["logo"] == .required))
                } catch {
                    errors["profile.logo"] = error.message
                }
            }
        }
        guard errors.isEmpty else {
            var response = try await customisePage(partner: partner, session: session, submitted: form.fields, errors: errors)
            response.status = .badRequest
            return response
        }
        if let logo { try logos.put(logo.data, as: logo.storedName) }
        let saved = try await database.saveChanges(partner: partner, changes, actor: "partner:\(partner)", now: portal.now())
        let waiting = saved.filter { $0.status == .pending }.count
        var location = "/portal/preview?saved=\(saved.count - waiting)&waiting=\(waiting)"
        if let removed = logo?.removed, !removed.isEmpty { location += "&cleaned=\(removed.count)" }
        return Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: Pages

    func customisePage(partner: String, session: String, submitted: [String: String], errors: [String: String]) async throws -> Response {
        let (applied, form, changes) = try await state(partner: partner)
        guard let current = applied.partners.first(where: { $0.id == partner }) else { throw ServerError(.notFound) }
        let locale = try await portal.locale(of: partner)
        let strings = project.strings(for: locale)
        let notes = SelfServiceForm.colorNotes(partner: current, project: applied)
        func model(_ field: SelfServiceForm.Field, label: String) -> [String: Any] {
            let value = submitted[field.name] ?? field.pending ?? field.current
            return [
                "name": field.name, "id": field.name.replacingOccurrences(of: ".", with: "-"), "label": label, "value": value,
                "placeholder": field.placeholder, "pending": field.pending.map { $0 as Any } ?? false, "needs_approval": field.needsApproval,
                "error": errors[field.name].map { $0 as Any } ?? false, "note": notes[field.name].map { $0 as Any } ?? false,
                "select": field.choices != nil, "textarea": field.choices == nil && field.multiline, "input": field.choices == nil && !field.multiline,
                "type": Self.inputType(field), "max_length": field.maxLength.map { $0 as Any } ?? false,
                "choices": (field.choices ?? []).map { ["value": $0, "selected": $0 == value] },
            ]
        }
        let profile = form.fields.filter { $0.campaign.isEmpty }.map { model($0, label: strings.lookup(PortalTemplates.fieldKey($0.field))?.text ?? $0.field) }
        let campaigns = applied.campaigns.compactMap { campaign -> [String: Any]? in
            let fields = form.fields.filter { $0.campaign == campaign.id }
            guard !fields.isEmpty else { return nil }
            return [
                "title": strings.lookup(campaign.title)?.text ?? campaign.id,
                "fields": fields.map { field in
                    let name = campaign.fields[field.field]?.label.flatMap { strings.lookup($0)?.text } ?? field.field
                    return model(field, label: field.locale.isEmpty ? name : "\(name) (\(field.locale))")
                },
            ]
        }
        let history = changes.suffix(20).reversed().map { change -> [String: Any] in
            [
                "subject": change.subject, "old": change.oldValue ?? "", "new": change.newValue, "status": change.status.rawValue,
                "status_label": strings.lookup(PortalTemplates.statusKey(change.status.rawValue))?.text ?? change.status.rawValue,
                "at": Timestamp.iso8601(change.createdAt), "note": change.note.map { $0 as Any } ?? false,
            ]
        }
        let editsLogo = settings.fields["logo"] != nil
        let model: [String: Any] = [
            "partner": ["id": partner, "name": current.name], "csrf": portal.formToken.token(session: session),
            "profile": profile, "campaigns": campaigns, "nothing": profile.isEmpty && campaigns.isEmpty && !editsLogo,
            "logo": editsLogo ? [
                "current": current.logo != nil, "pending": changes.contains { $0.status == .pending && $0.field == "logo" && $0.campaign.isEmpty },
                "needs_approval": settings.fields["logo"] == .required, "error": errors["profile.logo"].map { $0 as Any } ?? false,
                "max_kb": settings.logoMaxBytes / 1024,
            ] as [String: Any] : false,
            "error": !errors.isEmpty, "history": history, "has_history": !history.isEmpty,
        ]
        return try portal.page(PortalTemplates.customise, locale: locale, model: model)
    }

    static func inputType(_ field: SelfServiceForm.Field) -> String {
        if field.isURL { return "url" }
        switch field.field {
        case "contact_email": return "email"
        case "phone": return "tel"
        default: return "text"
        }
    }

    /// Why a publish did not happen.
    enum PublishNotice { case limited, failed }

    func previewPage(partner: String, session: String, query: [String: String], notice: PublishNotice? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = try await portal.locale(of: partner)
        let strings = project.strings(for: locale)
        let pendingCount = try await database.changes(partner: partner, status: .pending).count
        let withPending = query["pending"] == "1" && pendingCount > 0
        let mode = withPending ? "pending" : "current"
        guard let current = project.partners.first(where: { $0.id == partner }) else { throw ServerError(.notFound) }
        let kits = project.campaigns.flatMap { campaign in
            current.locales.map { tag -> [String: Any] in
                ["title": strings.lookup(campaign.title)?.text ?? campaign.id, "locale": tag.identifier,
                 "href": "/portal/preview/\(mode)/\(campaign.id)/\(tag.identifier)/index.html"]
            }
        }
        func number(_ name: String) -> Int { query[name].flatMap(Int.init) ?? 0 }
        let model: [String: Any] = [
            "partner": ["id": partner, "name": current.name], "csrf": portal.formToken.token(session: session), "kits": kits,
            "saved": query["saved"] != nil ? ["applied": number("saved"), "waiting": number("waiting")] as [String: Any] : false,
            "cleaned": number("cleaned") > 0, "pending_count": pendingCount, "has_pending": pendingCount > 0, "with_pending": withPending,
            "limited": notice == .limited, "failed": notice == .failed,
        ]
        var response = try portal.page(PortalTemplates.preview, locale: locale, model: model)
        response.status = status
        return response
    }

    /// One file of a kit rendered now for this partner, with their changes (and with `pending`, the waiting
    /// ones), untracked so previews count as no use. Only paths the kit has are answered.
    func previewFile(partner: String, campaign: String, locale: LocaleTag, path: String, pending: Bool) async throws -> Response {
        guard project.partners.first(where: { $0.id == partner })?.locales.contains(locale) == true,
              project.campaigns.contains(where: { $0.id == campaign })
        else { throw ServerError(.notFound) }
        let (applied, _) = try await PartnerChanges.applied(to: project, database: database, logos: logos, partner: partner, pending: pending)
        let kit = try KitRenderer(project: applied).render(KitID(campaign: campaign, partner: partner, locale: locale))
        guard let file = kit.files.first(where: { $0.path == path }) else { throw ServerError(.notFound) }
        return Self.file(file.data, type: MediaType.of(path))
    }
}
