import Foundation

/// Builds the Mustache models of one kit. Partner values go in as data, so Mustache escapes them
/// in `{{x}}`; templates never see them as template text.
struct KitContext {
    let project: Project
    let campaign: Campaign
    let partner: Partner
    let locale: LocaleTag
    let tracking: TrackingSigner?
    let forms: LeadFormSigner?
    /// This partner's and campaign's unsubscribe link.
    let unsubscribe: UnsubscribeLink
    let strings: LocalizedStrings
    let brand: PartnerBrand
    /// Values for `{name}` placeholders in catalog messages.
    let placeholders: [String: String]
    /// The catalog as nested dictionaries, placeholders filled.
    let messages: [String: Any]
    /// Identifies the consent text this partner and locale show next to lead forms; stored with each lead.
    let consentVersion: String

    /// - Parameter messages: the locale's messages (`KitRenderer` keeps one tree per locale).
    init(project: Project, campaign: Campaign, partner: Partner, locale: LocaleTag, tracking: TrackingSigner? = nil, forms: LeadFormSigner? = nil,
         unsubscribe: UnsubscribeSigner? = nil, messages tree: MessageTree) {
        self.unsubscribe = UnsubscribeLink(partner: partner.id, campaign: campaign.id, locale: locale, signer: unsubscribe)
        self.project = project
        self.forms = forms
        self.campaign = campaign
        self.partner = partner
        self.locale = locale
        self.tracking = tracking
        strings = project.strings(for: locale)
        brand = PartnerBrand(partner: partner, colors: project.config.colors)
        var values = Self.placeholderValues(partner: partner, vendor: project.config.vendor)
        for (name, price) in campaign.prices { values["price.\(name)"] = price.formatted(Locale(identifier: locale.identifier)) }
        values["campaign.title"] = strings.lookup(campaign.title).map { Catalog.format($0.text, values) } ?? ""
        placeholders = values
        messages = tree.filled(values)
        consentVersion = String(Checksum.sha256(Data((locale.identifier + "\n" + Catalog.format(tree.flat["form.consent"] ?? "", values)).utf8)).prefix(12))
    }

    /// The placeholder names catalogs may use; `validate` reports any other.
    static let placeholderNames: Set<String> = Set(placeholderValues(partner: Partner(id: "", name: "", locales: []), vendor: .init()).keys)
        .union(["campaign.title"])

    static func placeholderValues(partner: Partner, vendor: ProjectConfig.Vendor) -> [String: String] {
        [
            "partner.name": partner.name,
            "partner.contact_name": partner.contactName ?? partner.name,
            "partner.contact_email": partner.contactEmail ?? "",
            "partner.phone": partner.phone ?? "",
            "partner.website": partner.website ?? "",
            "vendor.name": vendor.name,
            "vendor.legal_name": vendor.legalName ?? vendor.name,
        ]
    }

    /// A date in the kit's locale and `zone`; accented in the pseudo-locale so nothing reads as unlocalized.
    func format(_ date: Date, _ style: Date.FormatStyle, in zone: TimeZone) -> String {
        var style = style.locale(Locale(identifier: locale.identifier))
        style.timeZone = zone
        let text = date.formatted(style)
        return locale == PseudoLocale.tag ? PseudoLocale.accented(text) : text
    }

    /// A time range (`10:00–11:00`, `10:00 AM – 11:00 AM`) the way the kit's locale writes intervals.
    func format(_ range: Range<Date>, in zone: TimeZone) -> String {
        let style = Date.IntervalFormatStyle(date: .omitted, time: .shortened, locale: Locale(identifier: locale.identifier), timeZone: zone)
        let text = range.formatted(style)
        return locale == PseudoLocale.tag ? PseudoLocale.accented(text) : text
    }

    /// The partner's time zone (UTC when the roster has none).
    var timeZone: TimeZone {
        partner.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current
    }

    /// A slot's value (partner's, else the manifest default), or nil when the campaign declares no such field
    /// or the value is empty.
    func slot(_ name: String) -> String? {
        guard let field = campaign.fields[name] else { return nil }
        let value = (project.slots[partner.id]?[campaign.id] ?? SlotValues()).value(name, locale: locale)
            ?? field.defaultKey.map { message($0) } ?? field.defaultValue ?? ""
        return value.isEmpty ? nil : value
    }

    /// A plural message for `count`: the form CLDR's rules pick for the kit's locale, with `{count}`
    /// written as a localized number. Falls back to a plain message of the same key.
    func message(_ key: String, count: Int) -> String {
        guard let (forms, locale) = strings.plural(key) else { return message(key) }
        // The forms belong to the language they are written in (the fallback's, if the kit's has none);
        // the number is written the kit's way.
        let category = PluralRules.forLocale(locale)?.category(for: Double(count)) ?? .other
        var values = placeholders
        values["count"] = count.formatted(.number.locale(Locale(identifier: self.locale.identifier)))
        return Catalog.format(forms[category] ?? forms[.other] ?? "", values)
    }

    func message(_ key: String?) -> String {
        guard let key, let found = strings.lookup(key) else { return "" }
        return Catalog.format(found.text, placeholders)
    }

    static func medium(for kind: Component.Kind) -> String {
        switch kind {
        case .emailSequence: return "email"
        case .landingPage: return "landing-page"
        case .social: return "social"
        case .webinar: return "webinar"
        case .syndication: return "syndication"
        case .document: return "document"
        }
    }

    var partnerLogoPath: String? {
        partner.logo.map { "assets/partner-logo.\(($0 as NSString).pathExtension.lowercased())" }
    }

    var vendorLogoPath: String? {
        project.config.vendor.logo.map { "assets/vendor-logo.\(($0 as NSString).pathExtension.lowercased())" }
    }

    /// The partner logo, the vendor logo and the campaign's vendor assets, under `assets/`.
    func assetFiles() -> [KitFile] {
        var files: [KitFile] = []
        if let logo = partner.logo, let path = partnerLogoPath, let data = project.partnerLogos[logo] {
            files.append(KitFile(path: path, data: data))
        }
        if let logo = project.config.vendor.logo, let path = vendorLogoPath, let data = project.assets[logo] {
            files.append(KitFile(path: path, data: data))
        }
        for asset in campaign.assets {
            if let data = project.assets[asset] {
                files.append(KitFile(path: "assets/\((asset as NSString).lastPathComponent)", data: data))
            }
        }
        return files
    }

    /// The model for one output file. `asset` is the UTM content and lead-form asset id.
    func model(forFileAt path: String, component: Component, asset: String, extra: [String: Any] = [:]) -> [String: Any] {
        let root = String(repeating: "../", count: path.split(separator: "/").count - 1)
        func tag(_ url: String) -> String { link(url, component: component, asset: asset) }
        var model = common(root: root)
        model["links"] = campaign.links.mapValues(tag)
        var partnerModel = model["partner"] as? [String: Any] ?? [:]
        partnerModel["website_url"] = partner.website.map(tag)
        // UTM-tagged like every outbound link, but never a click redirect: no tracking of a visitor who has not consented.
        partnerModel["privacy_url"] = partner.privacyURL.map {
            TrackedLink.tagged($0, source: partner.id, medium: Self.medium(for: component.kind), campaign: campaign.id, content: asset)
        }
        model["partner"] = partnerModel
        var vendorModel = model["vendor"] as? [String: Any] ?? [:]
        vendorModel["website_url"] = project.config.vendor.website.map(tag)
        model["vendor"] = vendorModel
        var assetModel: [String: Any] = ["id": asset, "component": component.id, "kind": component.kind.rawValue, "path": path]
        // Page-view beacon for pages, open pixel for emails; absent without a tracking base URL.
        assetModel["view_pixel"] = tracking.map { $0.viewURL(claims(.view, asset: asset)) }
        assetModel["open_pixel"] = tracking.map { $0.openPixelURL(claims(.open, asset: asset)) }
        model["asset"] = assetModel
        model["lead_form"] = [
            "action": project.config.portalAddress("/api/leads"),
            "partner": partner.id, "campaign": campaign.id, "asset": asset, "locale": locale.identifier,
            "source": component.kind == .webinar ? "webinar" : "landing",
            "consent_version": consentVersion,
            "signature": forms?.signature(partner: partner.id, campaign: campaign.id, asset: asset, locale: locale.identifier) ?? "",
        ]
        for (key, value) in extra { model[key] = value }
        return model
    }

    /// An outbound link: UTM-tagged, and through a signed click redirect when tracking is configured.
    func link(_ url: String, component: Component, asset: String) -> String {
        let tagged = TrackedLink.tagged(url, source: partner.id, medium: Self.medium(for: component.kind), campaign: campaign.id, content: asset)
        return tracking.map { $0.clickURL(claims(.click, asset: asset, target: tagged)) } ?? tagged
    }

    /// The logos as data: URIs, for files that must open on their own (slide decks).
    func logoDataURIs() -> (partner: String?, vendor: String?) {
        func uri(_ data: Data?, _ name: String?) -> String? {
            guard let data, let name else { return nil }
            return "data:\(MediaType.of(name));base64,\(data.base64EncodedString())"
        }
        return (uri(partner.logo.flatMap { project.partnerLogos[$0] }, partner.logo),
                uri(project.config.vendor.logo.flatMap { project.assets[$0] }, project.config.vendor.logo))
    }

    func claims(_ kind: TrackingSigner.Kind, asset: String, target: String? = nil) -> TrackingSigner.Claims {
        TrackingSigner.Claims(kind: kind, partner: partner.id, campaign: campaign.id, asset: asset, locale: locale.identifier, target: target)
    }

    /// A transparent 1x1 GIF, in place of the open pixel where an email is only looked at.
    static let blankGIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

    func emailModel(_ step: EmailStep) -> [String: Any] {
        var model: [String: Any] = [
            "id": step.id, "day": step.day, "subject": message(step.subject), "preheader": message(step.preheader),
            "body": message(step.body),
            "unsubscribe_url": project.config.unsubscribeURL(unsubscribe, recipient: true),
        ]
        model["open_pixel"] = tracking.map { $0.openPixelURL(claims(.open, asset: step.id)) }
        return model
    }

    /// What every template sees: locale, vendor, partner, brand colours, campaign, messages and slots.
    func common(root: String) -> [String: Any] {
        let vendor = project.config.vendor
        var partnerModel: [String: Any] = [
            "id": partner.id, "name": partner.name, "contact_name": partner.contactName ?? partner.name,
        ]
        partnerModel["logo"] = partnerLogoPath.map { root + $0 }
        partnerModel["website"] = partner.website
        partnerModel["contact_email"] = partner.contactEmail
        partnerModel["phone"] = partner.phone
        partnerModel["address"] = partner.address
        partnerModel["address_lines"] = partner.address.map { $0.split(separator: "\n").map { ["line": String($0)] } }
        partnerModel["country"] = partner.country
        partnerModel["timezone"] = partner.timezone
        partnerModel["tier"] = partner.tier
        partnerModel["region"] = partner.region

        var vendorModel: [String: Any] = ["name": vendor.name, "legal_name": vendor.legalName ?? vendor.name]
        vendorModel["logo"] = vendorLogoPath.map { root + $0 }
        vendorModel["website"] = vendor.website
        vendorModel["address"] = vendor.address

        var slots: [String: String] = [:]
        for name in campaign.fields.keys { slots[name] = slot(name) ?? "" }
        return [
            "root": root,
            // `start`/`end` as physical sides: Outlook for Windows ignores `text-align: start` (caniemail css-text-align).
            "locale": ["tag": locale.identifier, "language": locale.language, "dir": locale.isRightToLeft ? "rtl" : "ltr",
                       "start": locale.isRightToLeft ? "right" : "left", "end": locale.isRightToLeft ? "left" : "right"],
            "vendor": vendorModel,
            "partner": partnerModel,
            "brand": [
                "primary": brand.primary.description, "accent": brand.accent.description,
                "on_primary": brand.onPrimary.description, "text": brand.text.description,
                "background": brand.background.description,
            ],
            "campaign": ["id": campaign.id, "title": placeholders["campaign.title"] ?? ""],
            "t": messages,
            "slots": slots,
        ]
    }

    /// The kit's emails against the checked clients: ✓, ! (a warning: plainer) or ✗ (an error: content lost),
    /// with the features in the cell's title. Nil without caniemail data or emails.
    func compatibilityModel() -> [String: Any]? {
        let emails = campaign.components.filter(\.sendsEmail).flatMap { component in
            component.emails.map { ("\(component.id)/\($0.id).html", "\(campaign.id)/\($0.template).html") }
        }
        guard !emails.isEmpty, !project.emailFindings.isEmpty else { return nil }
        let clients = project.emailClients
        return [
            "clients": clients.map { ["name": $0.description] },
            "emails": emails.map { path, template -> [String: Any] in
                let findings = project.emailFindings[template] ?? []
                return ["path": path, "cells": clients.map { client -> [String: String] in
                    let failing = findings.filter { $0.unsupported.contains(client) || $0.partial.contains(client) }
                    let lost = failing.contains { $0.severity == .error && $0.unsupported.contains(client) }
                    let titles = Array(Set(failing.map(\.title))).sorted().joined(separator: ", ")
                    return ["mark": lost ? "✗" : failing.isEmpty ? "✓" : "!", "title": titles.isEmpty ? client.description : "\(client): \(titles)"]
                }]
            },
        ]
    }

    /// The media types the preview shows as they are (with `snippet.html`); HTML also goes in a frame, CSV in a table.
    static let previewPlainTypes: Set = ["text/plain", "text/calendar", "application/xml", "application/atom+xml"]

    /// The offline preview lists every file; HTML in a sandboxed frame, images inline, text inline.
    func previewModel(files: [KitFile]) -> [String: Any] {
        var model = common(root: "")
        let numbers = Locale(identifier: locale.identifier)
        // Emails load their images from the asset base; offline, the preview shows the kit's copies instead.
        let base = project.config.assetBaseURL + "/a/"
        var served: [(url: String, path: String)] = []
        for file in files {
            if file.path.hasPrefix("assets/"), let format = Raster.format(of: file.data), format != .svg {
                served.append((EmailImages.url(base: project.config.assetBaseURL, sha256: file.sha256, format: format), file.path))
            }
        }
        model["compatibility"] = compatibilityModel()
        // Looking at a kit is no open: the preview's copy of an email has no open pixel.
        let pixel = tracking.map { $0.baseURL + "/t/o/" }
        model["files"] = files.sorted { $0.path < $1.path }.map { file -> [String: Any] in
            let type = file.mediaType
            var entry: [String: Any] = [
                "path": file.path, "media_type": type,
                "is_html": type == "text/html" && file.path != "index.html", "is_image": type.hasPrefix("image/"),
            ]
            if file.path != "manifest.json" {
                entry["size"] = file.data.count.formatted(.number.locale(numbers))
            }
            // Images and zips are not shown as text: decoding (and repairing) their bytes was a twentieth of a build.
            guard type == "text/html" || type == "text/csv" || Self.previewPlainTypes.contains(type) else { return entry }
            let text = String(decoding: file.data, as: UTF8.self)
            if type == "text/html", HTMLText.contains(base, in: text) || pixel.map({ HTMLText.contains($0, in: text) }) == true {
                // Each open pixel, up to its attribute's closing quote, becomes a blank GIF; served images, the kit's copies.
                let untracked = pixel.map { HTMLText.replacingRuns(from: $0, through: UInt8(ascii: "\""), with: Self.blankGIF, in: text) } ?? text
                let srcdoc = served.reduce(untracked) { HTMLText.replacing($1.url, with: $1.path, in: $0) }
                entry["srcdoc"] = srcdoc
                entry["srcdoc_escaped"] = HTMLText.escaped(srcdoc)
            }
            if type == "text/csv", let records = try? CSV.parse(text, file: file.path), let header = records.first {
                // Tables for CSV (sequence, social posts), so each text can be copied on its own.
                entry["table"] = [
                    "header": header.fields.map { ["cell": $0] },
                    "rows": records.dropFirst().map { ["cells": $0.fields.map { ["cell": $0, "copy": $0.count > 30] }] },
                ]
            } else if Self.previewPlainTypes.contains(type) || file.path.hasSuffix("snippet.html") {
                entry["text"] = text
                entry["text_escaped"] = HTMLText.escaped(text)
            }
            return entry
        }
        return model
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
