import Foundation
import Mustache

/// Reads a `ProjectFiles` into a `Project`, collecting every problem instead of stopping at the first.
struct Loader: Sendable {
    let input: ProjectFiles
    var diagnostics: [Diagnostic] = []

    init(input: ProjectFiles) {
        self.input = input
    }

    func text(_ path: String) -> String? {
        input[path].map { String(decoding: $0, as: UTF8.self) }
    }

    /// `work` on a copy of this loader, on another core; `joined` takes its result and the diagnostics it added.
    func inBackground<T: Sendable>(_ work: @escaping @Sendable (inout Loader) -> T) -> Background<(T, [Diagnostic])> {
        Background { [self] in
            var loader = self
            loader.diagnostics = []
            let value = work(&loader)
            return (value, loader.diagnostics)
        }
    }

    mutating func joined<T>(_ job: Background<(T, [Diagnostic])>) -> T {
        let (value, added) = job.value
        diagnostics += added
        return value
    }

    mutating func attempt<T>(_ body: () throws(ProjectError) -> T) -> T? {
        do { return try body() } catch { diagnostics += error.diagnostics; return nil }
    }

    mutating func load() -> Project? {
        var config = ProjectConfig()
        if let source = text(Project.configPath), let (decoded, unknown) = attempt({ () throws(ProjectError) in
            (try YAMLInput.decode(ProjectConfig.self, from: source, file: Project.configPath),
             KnownKeys.unknown(in: try YAMLInput.load(source, file: Project.configPath), schema: KnownKeys.config, file: Project.configPath))
        }) {
            config = decoded
            diagnostics += unknown
        }
        checkURLs(config)
        // Loading is a third of an incremental build, so it uses both cores: the catalogs' YAML and the email
        // check run beside the campaigns, the roster and its logos, then both cores parse the templates.
        let catalogsJob = inBackground { [config] loader in loader.loadCatalogs(config: config) }
        // Each template file's path, name and text, decoded once for the campaigns, the email check and the parse.
        let templateFiles = input.files.filter { $0.key.hasPrefix("Templates/") && $0.key.hasSuffix(".mustache") }.sorted { $0.key < $1.key }
            .map { (path: $0.key, name: Self.templateName(path: $0.key), source: String(decoding: $0.value, as: UTF8.self)) }
        let templateSources = Dictionary(templateFiles.map { ($0.name, $0.source) }, uniquingKeysWith: { _, last in last })
        let articleSources = input.files.filter { $0.key.hasPrefix("Templates/") && $0.key.hasSuffix(".md") }
            .reduce(into: [String: String]()) { $0[String($1.key.dropFirst("Templates/".count))] = String(decoding: $1.value, as: UTF8.self) }
        let campaigns = loadCampaigns(templates: templateSources, articles: articleSources, config: config)
        let emailJob = inBackground { [config, campaigns, templateSources] loader in
            loader.checkEmailClients(config: config, campaigns: campaigns, templates: templateSources)
        }
        let turns = Turns(templateFiles)
        let templatesJob = inBackground { loader in loader.parseTemplates(turns) }

        let partnerLogos = input.files.filter {
            $0.key.hasPrefix("Assets/partners/") && !$0.key.dropFirst(16).contains("/")
                && Roster.logoExtensions.contains(($0.key as NSString).pathExtension.lowercased())
        }
            .reduce(into: [String: Data]()) { $0[String($1.key.dropFirst(16))] = $1.value }
        let assets = input.files.filter { $0.key.hasPrefix("Assets/") && !$0.key.hasPrefix("Assets/partners/") && !$0.key.hasPrefix("Assets/slots/") }
            .reduce(into: [String: Data]()) { $0[String($1.key.dropFirst(7))] = $1.value }
        checkAssets(config: config, campaigns: campaigns, assets: assets)
        // Sent emails and feeds link the pages the portal hosts: a local address there is a link nobody can open.
        if !config.portalURL.lowercased().hasPrefix("https://"),
           campaigns.contains(where: { $0.components.contains { $0.kind == .webinar || $0.kind == .syndication } }) {
            diagnostics.append(.warning(Project.configPath, field: "portal_url", "is \(config.portalURL): webinar emails link their registration page "
                + "and calendar file there, and feeds name it as their own address; set it to the portal's public https address"))
        }

        var roster = Roster(partners: [])
        if let csv = text(input.rosterPath) {
            roster = Roster(csv: csv, file: input.rosterPath, locales: catalogLocales(config: config),
                            logoFiles: Set(partnerLogos.keys))
            diagnostics += roster.diagnostics
        } else {
            diagnostics.append(.error(input.rosterPath, "the partner roster is missing; create it with the header id,name,locales"))
        }
        if campaigns.contains(where: { $0.sendsEmail }) {
            // CAN-SPAM: every commercial email carries the sender's postal address; the From needs an address too.
            for partner in roster.partners {
                for (column, value) in [("address", partner.address), ("contact_email", partner.contactEmail)] where value == nil {
                    diagnostics.append(.error(input.rosterPath, line: partner.line, field: column,
                        "is required because campaigns send email (CAN-SPAM needs the partner's postal address and a reply address); \(partner.id) is not built until it is filled"))
                }
            }
            let complete = roster.partners.filter { $0.address != nil && $0.contactEmail != nil }
            if complete.count != roster.partners.count { roster = Roster(partners: complete, diagnostics: roster.diagnostics) }
        }
        if campaigns.contains(where: { $0.collectsLeads }) {
            // GDPR and its peers: consent is informed only when the privacy notice it cites is one click away.
            let uninformed = roster.partners.filter { $0.privacyURL == nil && $0.requiresConsent(optInCountries: config.leads.optInCountries) }
            for partner in uninformed {
                diagnostics.append(.error(input.rosterPath, line: partner.line, field: "privacy_url",
                    "is required because \(partner.country ?? "") is in leads.opt_in_countries and campaigns collect leads: the consent box links the partner's privacy notice; \(partner.id) is not built until it is filled"))
            }
            let unbuilt = Set(uninformed.map(\.id))
            if !unbuilt.isEmpty { roster = Roster(partners: roster.partners.filter { !unbuilt.contains($0.id) }, diagnostics: roster.diagnostics) }
        }
        var (slots, badPartners) = loadSlots(campaigns: campaigns, partnerIDs: Set(roster.partners.map(\.id)))
        // Logos are checked by content: a partner whose logo is not what its name says, or carries script, is not built.
        for partner in roster.partners {
            guard let logo = partner.logo, let data = partnerLogos[logo], let problem = LogoCheck.problem(name: logo, data: data) else { continue }
            diagnostics.append(.error("Assets/partners/\(logo)", problem))
            badPartners.insert(partner.id)
        }
        if !badPartners.isEmpty {
            roster = Roster(partners: roster.partners.filter { !badPartners.contains($0.id) }, diagnostics: roster.diagnostics)
        }

        // Done here, while the other core finishes: the translators' review states and notes (the default locale's comments).
        var reviewStates: [LocaleTag: [String: XLIFF.State]] = [:]
        var notes: [String: String] = [:]
        var reviewWarnings: [Diagnostic] = []
        for (path, data) in input.files where path.hasPrefix("Locales/") && path.hasSuffix("/" + Project.reviewStatesFile) {
            guard let tag = LocaleTag(String(path.split(separator: "/")[1])) else { continue }
            let rows: [CSV.Record]
            do { rows = try CSV.parse(String(decoding: data, as: UTF8.self), file: path) } catch {
                reviewWarnings.append(.warning(path, "\(error.reasonOnly); review states are ignored until it is fixed"))
                continue
            }
            for row in rows.dropFirst() where row.fields.count == 2 {
                reviewStates[tag, default: [:]][row.fields[0]] = XLIFF.State(rawValue: row.fields[1])
            }
        }
        for (path, data) in input.files where path.hasPrefix("Locales/\(config.defaultLocale)/") && path.hasSuffix(".yaml") {
            notes.merge(CatalogComments.notes(in: String(decoding: data, as: UTF8.self))) { first, _ in first }
        }
        let digests = input.files.mapValues(Checksum.sha256)
        let templates = parseTemplates(turns) + joined(templatesJob)
        var library = MustacheLibrary()
        for (name, template) in templates { library.register(template, named: Project.templateName(name)) }
        let emailFindings = joined(emailJob)
        // Joined last: the roster needs only the catalogs' locales. (`Project.load` sorts the diagnostics.)
        let catalogs = joined(catalogsJob)
        assert(Set(catalogs.keys) == catalogLocales(config: config), "catalogLocales must name the catalogs loadCatalogs makes")
        guard !hasSharedErrors else { return nil }
        var project = Project(config: config, campaigns: campaigns, templateSources: templateSources, library: library, articleSources: articleSources,
                       catalogs: catalogs, roster: roster, partnerLogos: partnerLogos, assets: assets, slots: slots,
                       digests: digests, rosterPath: input.rosterPath)
        project.emailFindings = emailFindings
        project.emailSupportDigest = input.emailSupport.map(Checksum.sha256) ?? ""
        project.reviewStates = reviewStates
        diagnostics += reviewWarnings
        project.notes = notes
        return project
    }

    /// Every email template, with the layouts and partials it pulls in, against caniemail for the configured
    /// clients (`email.clients`). Each file is checked once, however many emails share it.
    /// Returns the findings by email template, for the kit previews' compatibility tables.
    mutating func checkEmailClients(config: ProjectConfig, campaigns: [Campaign], templates: [String: String]) -> [String: [EmailCompatibility.Finding]] {
        guard let data = input.emailSupport else {
            if input.emailSupportExpected && campaigns.contains(where: \.sendsEmail) {
                diagnostics.append(.warning("caniemail/features.json", "not found beside the cobrand binary, so emails are not checked against email clients; "
                    + "install cobrand with its Cobrand_CobrandFiles.resources folder, or name a copy with COBRAND_CANIEMAIL"))
            }
            return [:]
        }
        let clients = config.email.clients
        let chains = EmailCompatibility.emailTemplates(campaigns: campaigns).map { ($0, EmailCompatibility.chain($0, templates: templates)) }
        let scans = Set(chains.flatMap(\.1)).reduce(into: [String: EmailCompatibility.Scan]()) { $0[$1] = EmailCompatibility.Scan(templates[$1] ?? "") }
        let support: EmailSupport
        do {
            support = try EmailSupport(json: data, clients: clients, features: scans.values.reduce(into: Set()) { $0.formUnion($1.features) })
        } catch {
            diagnostics.append(.warning("caniemail/features.json", "\(error); the email-client check is skipped"))
            return [:]
        }
        var byFile: [String: [EmailCompatibility.Finding]] = [:]
        var byEmail: [String: [EmailCompatibility.Finding]] = [:]
        for (email, chain) in chains {
            for path in chain {
                if byFile[path] == nil, let scan = scans[path] {
                    byFile[path] = EmailCompatibility.check(scan, support: support, clients: clients)
                    for finding in byFile[path] ?? [] {
                        diagnostics.append(Diagnostic(finding.severity == .error ? .error : .warning, file: "Templates/\(path).mustache",
                                                      line: finding.line, finding.message))
                    }
                }
                byEmail[email, default: []] += byFile[path] ?? []
            }
        }
        return byEmail
    }

    /// Errors outside the roster, partner logos and slot files stop every kit.
    var hasSharedErrors: Bool {
        diagnostics.errors.contains {
            $0.file != input.rosterPath && !$0.file.hasPrefix("Assets/slots/") && !$0.file.hasPrefix("Assets/partners/")
        }
    }

    /// The name a template file is known by: its path under `Templates/` without `.mustache`.
    static func templateName(path: String) -> String {
        String(path.dropFirst("Templates/".count).dropLast(".mustache".count))
    }

    /// Each template file this thread takes in turn, parsed, by name; one that cannot be parsed is a diagnostic instead.
    mutating func parseTemplates(_ files: Turns<(path: String, name: String, source: String)>) -> [(name: String, template: MustacheTemplate)] {
        var templates: [(name: String, template: MustacheTemplate)] = []
        while let (path, name, source) = files.next() {
            let prefix = TemplateEscaping.prefix(forTemplateNamed: name)
            do {
                templates.append((name, try MustacheTemplate(string: prefix.text + source)))
            } catch let error as MustacheTemplate.ParserError {
                // Where the author wrote it: the lines the prefix adds, or on the first line its length, taken off.
                let line = error.context.lineNumber - prefix.lines
                let sharesLine = line == 1 && prefix.lines == 0 && error.context.line.hasPrefix(prefix.text)
                let text = sharesLine ? String(error.context.line.dropFirst(prefix.text.count)) : error.context.line
                let column = sharesLine ? max(1, error.context.columnNumber - prefix.text.count) : error.context.columnNumber
                let near = text.trimmingCharacters(in: .whitespaces)
                diagnostics.append(.error(path, line: line,
                    "template syntax error at column \(column): \(Self.explain(error.error))"
                        + (near.isEmpty ? "" : " (near `\(near)`)")))
            } catch {
                diagnostics.append(.error(path, "template cannot be parsed: \(error)"))
            }
        }
        return templates
    }

    /// swift-mustache's parser errors in words, with the usual fix.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a closing tag does not match the open section; close sections in reverse order"
        case .unfinishedName: return "a tag is not closed or its name has characters tags cannot have (closing tags cannot contain '/': name templates with dots)"
        case .expectedSectionEnd: return "a section is opened but never closed; add its {{/name}} tag"
        case .invalidSetDelimiter: return "the set-delimiter tag is malformed; write {{=<% %>=}}"
        case .transformAppliedToInheritanceSection: return "transforms cannot be applied to {{<parent}} or {{$block}} tags"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return "only {{$block}}...{{/block}} sections may stand directly inside {{<parent}}...{{/parent}}"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "unknown pragma; only {{% CONTENT_TYPE: TEXT}} or HTML is supported"
        }
    }

    mutating func loadCampaigns(templates: [String: String], articles: [String: String], config: ProjectConfig) -> [Campaign] {
        var campaigns: [Campaign] = []
        let manifests = input.files.keys.filter {
            let parts = $0.split(separator: "/")
            return parts.count == 3 && parts[0] == "Templates" && parts[2] == "campaign.yaml" && parts[1] != "_shared"
        }.sorted()
        if manifests.isEmpty {
            diagnostics.append(.error("Templates", "no campaign found; add Templates/<campaign>/campaign.yaml"))
        }
        for path in manifests {
            let folder = path.split(separator: "/")[1]
            guard let source = text(path),
                  let (campaign, unknown) = attempt({ () throws(ProjectError) in
                      (try YAMLInput.decode(Campaign.self, from: source, file: path),
                       KnownKeys.unknown(in: try YAMLInput.load(source, file: path), schema: KnownKeys.campaign, file: path))
                  })
            else { continue }
            diagnostics += unknown
            let problems = CampaignCheck(campaign: campaign, file: path, folder: String(folder), templates: templates, articles: articles).problems()
            diagnostics += problems
            if problems.errors.isEmpty { campaigns.append(campaign) }
        }
        return campaigns
    }

    /// The locales `loadCatalogs` makes a catalog for, from the files' paths alone (each `Locales/<locale>/*.yaml`,
    /// and the pseudo-locale with the default one), so the roster is checked while the catalogs are read.
    func catalogLocales(config: ProjectConfig) -> Set<LocaleTag> {
        var locales = Set(input.files.keys.compactMap { path -> LocaleTag? in
            if case .locale(let tag)? = Self.catalogPlace(of: path) { return tag }
            return nil
        })
        if locales.contains(config.defaultLocale) { locales.insert(PseudoLocale.tag) }
        return locales
    }

    /// Where a catalog file (`Locales/<locale>/<name>.yaml`) belongs, or why it belongs nowhere.
    enum CatalogPlace {
        case locale(LocaleTag)
        case misplaced(Diagnostic)
    }

    /// Nil for a file that is no catalog.
    static func catalogPlace(of path: String) -> CatalogPlace? {
        guard path.hasPrefix("Locales/") && path.hasSuffix(".yaml") else { return nil }
        let parts = path.split(separator: "/")
        guard parts.count == 3 else { return .misplaced(.error(path, "catalogs live directly in Locales/<locale>/; move this file")) }
        guard let tag = LocaleTag(String(parts[1])), tag.identifier == parts[1] else {
            return .misplaced(.error(path, "'\(parts[1])' is not a locale folder name; name it like en-US"))
        }
        return .locale(tag)
    }

    mutating func loadCatalogs(config: ProjectConfig) -> [LocaleTag: Catalog] {
        var catalogs: [LocaleTag: Catalog] = [:]
        for (path, data) in input.files.sorted(by: { $0.key < $1.key }) {
            let tag: LocaleTag
            switch Self.catalogPlace(of: path) {
            case nil: continue
            case .misplaced(let problem)?:
                diagnostics.append(problem)
                continue
            case .locale(let locale)?: tag = locale
            }
            var catalog = catalogs[tag] ?? Catalog(locale: tag)
            _ = attempt { () throws(ProjectError) in try catalog.add(yaml: String(decoding: data, as: UTF8.self), file: path) }
            catalogs[tag] = catalog
        }
        // en-XA is always available, made from the default locale unless the project ships its own.
        if catalogs[PseudoLocale.tag] == nil, let source = catalogs[config.defaultLocale] {
            catalogs[PseudoLocale.tag] = PseudoLocale.catalog(from: source)
        }
        if catalogs[config.defaultLocale] == nil {
            diagnostics.append(.error("Locales/\(config.defaultLocale)", "the default locale \(config.defaultLocale) has no catalog; add Locales/\(config.defaultLocale)/messages.yaml or change default_locale in cobrand.yaml"))
        }
        return catalogs
    }

    /// Addresses that end up in links and form actions must be http(s).
    mutating func checkURLs(_ config: ProjectConfig) {
        let urls = [("portal_url", config.portalURL), ("vendor.website", config.vendor.website), ("tracking_base_url", config.trackingBaseURL),
                    ("crm.webhook_url", config.crm.webhookURL)]
        for case let (field, url?) in urls {
            guard let parts = URLComponents(string: url), ["http", "https"].contains(parts.scheme?.lowercased() ?? ""), parts.host?.isEmpty == false else {
                diagnostics.append(.error(Project.configPath, field: field, "'\(url)' is not a web address; write https://..."))
                continue
            }
        }
    }

    mutating func checkAssets(config: ProjectConfig, campaigns: [Campaign], assets: [String: Data]) {
        if let logo = config.vendor.logo, assets[logo] == nil {
            diagnostics.append(.error(Project.configPath, field: "vendor.logo", "Assets/\(logo) does not exist; add the file or correct the path"))
        }
        for campaign in campaigns {
            var used = campaign.assets.enumerated().map { ("assets[\($0)]", $1) }
            for (index, component) in campaign.components.enumerated() {
                for (postIndex, post) in component.posts.enumerated() {
                    if let image = post.image { used.append(("components[\(index)].posts[\(postIndex)].image", image)) }
                }
            }
            for (field, asset) in used where assets[asset] == nil {
                diagnostics.append(.error("Templates/\(campaign.id)/campaign.yaml", field: field, "Assets/\(asset) does not exist; add the file or correct the path"))
            }
        }
        // Vendor SVGs that emails or posts show are drawn as PNG; one that cannot be is named here, not mid-build.
        let shown = Set([config.vendor.logo].compactMap { $0 } + campaigns.flatMap(\.usedAssets))
        for asset in shown.sorted() where asset.lowercased().hasSuffix(".svg") {
            if let data = assets[asset], let problem = LogoCheck.rasterProblem(data) {
                diagnostics.append(.error("Assets/\(asset)", problem))
            }
        }
    }

    /// `Assets/slots/<partner>.yaml`: `campaign: {field: value, locales: {tag: {field: value}}}`;
    /// values are checked against the manifest's limits.
    mutating func loadSlots(campaigns: [Campaign], partnerIDs: Set<String>) -> ([String: [String: SlotValues]], Set<String>) {
        var slots: [String: [String: SlotValues]] = [:]
        var bad = Set<String>()
        let byID = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0) })
        for (path, data) in input.files.sorted(by: { $0.key < $1.key }) where path.hasPrefix("Assets/slots/") && path.hasSuffix(".yaml") {
            let partner = String(path.dropFirst("Assets/slots/".count).dropLast(".yaml".count))
            guard partnerIDs.contains(partner) else {
                diagnostics.append(.warning(path, "no partner '\(partner)' in the roster; the file is ignored"))
                continue
            }
            guard let root = attempt({ () throws(ProjectError) in try YAMLInput.load(String(decoding: data, as: UTF8.self), file: path) }) else {
                bad.insert(partner)
                continue
            }
            var problems: [Diagnostic] = []
            var partnerSlots: [String: SlotValues] = [:]
            for (campaignID, node) in (root as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let campaign = byID[campaignID] else {
                    problems.append(.error(path, field: campaignID, "no such campaign; use one of: \(byID.keys.sorted().joined(separator: ", "))"))
                    continue
                }
                guard let mapping = node as? [String: Any] else {
                    problems.append(.error(path, field: campaignID, "must be a mapping of field names to text"))
                    continue
                }
                func fields(_ mapping: [String: Any], prefix: String) -> [String: String] {
                    var values: [String: String] = [:]
                    for (name, value) in mapping.sorted(by: { $0.key < $1.key }) where !(prefix == campaignID && name == SlotValues.localesKey) {
                        let key = "\(prefix).\(name)"
                        guard let field = campaign.fields[name] else {
                            problems.append(.error(path, field: key,
                                "campaign \(campaignID) has no customisable field '\(name)'; declared fields: \(campaign.fields.keys.sorted().joined(separator: ", "))"))
                            continue
                        }
                        guard let text = value as? String else {
                            problems.append(.error(path, field: key, "is not text; write the value in quotes"))
                            continue
                        }
                        if let problem = field.problem(with: text) {
                            problems.append(.error(path, field: key, problem))
                        }
                        values[name] = text
                    }
                    return values
                }
                var result = SlotValues(values: fields(mapping, prefix: campaignID))
                for (tagText, node) in (mapping[SlotValues.localesKey] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    guard let tag = LocaleTag(tagText), let localized = node as? [String: Any] else {
                        problems.append(.error(path, field: "\(campaignID).locales.\(tagText)", "must be a locale tag with a mapping of fields, such as de-DE: {intro: ...}"))
                        continue
                    }
                    result.byLocale[tag] = fields(localized, prefix: "\(campaignID).locales.\(tagText)")
                }
                partnerSlots[campaignID] = result
            }
            diagnostics += problems
            if !problems.errors.isEmpty { bad.insert(partner) }
            slots[partner] = partnerSlots
        }
        return (slots, bad)
    }
}
