import Foundation

/// The checks `cobrand validate` adds to loading: catalog keys and placeholders, required templates,
/// and brand guardrails (contrast).
public enum Validator {
    public static func check(_ project: Project) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if project.templateSources[KitRenderer.previewTemplate] == nil {
            diagnostics.append(.error("Templates/\(KitRenderer.previewTemplate).mustache", "the kit preview template is missing; create it (cobrand init writes one)"))
        }
        // A project with portal or admin pages must have them all (one from before a page was added lacks it).
        let pages = PortalTemplates.all + AdminTemplates.all
        if pages.contains(where: { project.templateSources[$0] != nil }) { diagnostics += missingServerTemplates(project) }
        diagnostics += checkMessages(project)
        diagnostics += checkBrand(project)
        diagnostics += checkRendering(project)
        let link = UnsubscribeLink(partner: "p", campaign: "c", signer: nil)
        let unsubscribe = URLComponents(string: project.config.unsubscribeURL(link, recipient: false))
        // A local trial (`cobrand serve` on this machine) is the one place plain http is expected.
        if project.campaigns.contains(where: \.sendsEmail), unsubscribe?.scheme?.lowercased() != "https",
           !["127.0.0.1", "localhost", "::1"].contains(unsubscribe?.host ?? "") {
            diagnostics.append(.warning(Project.configPath, field: "email.unsubscribe_url",
                "the unsubscribe address is not https, so Gmail and Yahoo bulk-sender rules (one-click unsubscribe, RFC 8058) fail; set an https portal_url or email.unsubscribe_url"))
        }
        if project.config.email.unsubscribePlaceholder != nil {
            diagnostics.append(.warning(Project.configPath, field: "email.unsubscribe_placeholder",
                "is no longer used: ESP files link cobrand serve's unsubscribe page with the recipient's address; remove it and set email.address_merge_tag to your ESP's address merge tag"))
        }
        return diagnostics.sorted()
    }

    /// The portal and admin templates `cobrand serve` renders that the project lacks: serve refuses to start without them.
    public static func missingServerTemplates(_ project: Project) -> [Diagnostic] {
        (PortalTemplates.all + AdminTemplates.all).filter { project.templateSources[$0] == nil }.map {
            .error("Templates/\($0).mustache", "is missing; cobrand serve renders a page from it. Copy it from a new `cobrand init` project")
        }
    }

    /// Catalog keys a template or manifest uses must exist in the default locale (error) and should exist
    /// in every locale (warning: the fallback's text is used). Placeholders must be known names.
    static func checkMessages(_ project: Project) -> [Diagnostic] { checkMessages(project, uses: messageUses(project)) }

    /// A catalog key a template, manifest or component uses, and where.
    public typealias MessageUse = (key: String, file: String, line: Int?)

    /// Every catalog key the project uses: `{{t.KEY}}` in templates, keys in manifests, and keys components
    /// fill themselves (`webinar.duration`).
    public static func messageUses(_ project: Project) -> [MessageUse] {
        var uses: [MessageUse] = []
        for (name, source) in project.templateSources.sorted(by: { $0.key < $1.key }) {
            for (key, line) in catalogReferences(in: source) {
                uses.append((key, "Templates/\(name).mustache", line))
            }
        }
        for campaign in project.campaigns {
            let file = "Templates/\(campaign.id)/campaign.yaml"
            uses.append((campaign.title, file, nil))
            for component in campaign.components {
                for step in component.emails {
                    for key in [step.subject, step.preheader, step.body].compactMap({ $0 }) { uses.append((key, file, nil)) }
                }
                for key in component.webinar?.messageKeys ?? [] { uses.append((key, file, nil)) }
                if component.kind == .webinar { uses.append(("webinar.duration", file, nil)) }
                for post in component.posts {
                    for key in [post.text, post.imageAlt].compactMap({ $0 }) { uses.append((key, file, nil)) }
                }
            }
            for field in campaign.fields.values {
                for key in [field.defaultKey, field.label].compactMap({ $0 }) { uses.append((key, file, nil)) }
            }
        }
        for (template, key) in PortalTemplates.messageKeys where project.templateSources[template] != nil {
            uses.append((key, "Templates/\(template).mustache", nil))
        }
        return uses
    }

    static func checkMessages(_ project: Project, uses: [MessageUse]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let defaultLocale = project.config.defaultLocale
        let locales = project.catalogs.filter { !$0.value.isGenerated }.keys.sorted()
        var reported = Set<String>()
        for use in uses {
            if project.catalogs[defaultLocale]?.allKeys.contains(use.key) != true {
                if reported.insert("\(use.file)|\(use.key)").inserted {
                    diagnostics.append(.error(use.file, line: use.line, field: use.key,
                        "message key is missing in the default locale; add it to Locales/\(defaultLocale)/"))
                }
                continue
            }
            for locale in locales where locale != defaultLocale {
                if project.strings(for: locale).chain.first(where: { $0.allKeys.contains(use.key) })?.locale != locale,
                   reported.insert("\(locale)|\(use.key)").inserted {
                    diagnostics.append(.warning("Locales/\(locale)", field: use.key,
                        "not translated; kits fall back to \(project.strings(for: locale).lookup(use.key)?.locale.identifier ?? "?")"))
                }
            }
        }
        for locale in locales {
            guard let catalog = project.catalogs[locale] else { continue }
            let texts = catalog.messages.map { ($0.key, $0.value, false) }
                + catalog.plurals.flatMap { key, forms in forms.values.map { (key, $0, true) } }
            for (key, text, isPlural) in texts.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
                let prices = Set(project.campaigns.flatMap { $0.prices.keys.map { "price.\($0)" } })
                let known = KitContext.placeholderNames.union(prices).union(isPlural ? ["count"] : [])
                for name in Catalog.placeholders(in: text) where !known.contains(name) {
                    diagnostics.append(.error(catalog.origins[key] ?? "Locales/\(locale)", field: key,
                        "unknown placeholder {\(name)}; use one of: \(known.sorted().map { "{\($0)}" }.joined(separator: ", "))"))
                }
            }
            // Every category the locale's CLDR rules use needs a form, or some counts read wrongly.
            let needed = PluralRules.forLocale(locale)?.categories ?? [.other]
            for (key, forms) in catalog.plurals.sorted(by: { $0.key < $1.key }) {
                let missing = needed.filter { forms[$0] == nil }
                if !missing.isEmpty {
                    diagnostics.append(.warning(catalog.origins[key] ?? "Locales/\(locale)", field: key,
                        "\(locale) needs the plural forms \(missing.map(\.rawValue).joined(separator: ", ")) (CLDR); those counts use 'other'"))
                }
            }
        }
        return diagnostics
    }

    /// `{{t.key}}`, `{{{t.key}}}`, `{{#t.key}}` and `{{^t.key}}` references with their lines.
    static func catalogReferences(in source: String) -> [(String, Int)] {
        var result: [(String, Int)] = []
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let open = rest.range(of: "{{") {
                var after = rest[open.upperBound...]
                while let first = after.first, "{#^&/ ".contains(first) { after = after.dropFirst() }
                if after.hasPrefix("t.") {
                    let key = after.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
                    if !key.isEmpty, !line[open.lowerBound...].hasPrefix("{{/") { result.append((String(key), index + 1)) }
                }
                rest = after
            }
        }
        return result
    }

    /// Renders each campaign once per locale in use, for the first partner with that locale, so content
    /// rules (email size, alt texts, UTM tags, postal address, social lengths) fail here, not mid-build.
    static func checkRendering(_ project: Project) -> [Diagnostic] {
        guard project.templateSources[KitRenderer.previewTemplate] != nil else { return [] }
        let renderer = KitRenderer(project: project)
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        for kit in renderer.allKits where seen.insert("\(kit.campaign)|\(kit.locale)").inserted {
            do {
                _ = try renderer.render(kit)
            } catch let .contentRule(name, file, problems) {
                // Once per problem, not once per locale.
                for problem in problems where seen.insert("\(kit.campaign)|\(file)|\(problem)").inserted {
                    diagnostics.append(.error("Templates/\(kit.campaign)", field: file, "\(problem) (seen in kit \(name))"))
                }
            } catch {
                diagnostics.append(.error("Templates/\(kit.campaign)", "\(error)"))
            }
        }
        return diagnostics
    }

    static func checkBrand(_ project: Project) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let colors = project.config.colors
        if colors.text.contrast(with: colors.background) < Color.minimumContrast {
            diagnostics.append(.error(Project.configPath, field: "colors.text",
                "\(colors.text) on \(colors.background) fails WCAG AA (4.5:1); choose a darker text or lighter background"))
        }
        for partner in project.partners {
            for adjustment in PartnerBrand(partner: partner, colors: colors).adjustments {
                diagnostics.append(.warning(project.rosterPath, line: partner.line, field: adjustment.column, adjustment.message))
            }
        }
        return diagnostics
    }
}

/// Content checks for the roster's logo files: the type by content (as `LogoUpload` reads it), not by name;
/// SVGs without scripts.
public enum LogoCheck {
    public static let maxBytes = 512 * 1024

    public static func problem(name: String, data: Data) -> String? {
        if data.count > maxBytes { return "is \(data.count) bytes; keep logos under \(maxBytes / 1024) KB" }
        switch (name as NSString).pathExtension.lowercased() {
        case "png":
            return LogoUpload.sniff(data) == .png ? nil : "is not a PNG file; export it as PNG or rename it"
        case "jpg", "jpeg":
            return LogoUpload.sniff(data) == .jpg ? nil : "is not a JPEG file; export it as JPEG or rename it"
        default:
            let text = String(decoding: data, as: UTF8.self).lowercased()
            guard text.contains("<svg") else { return "is not an SVG file; export it as SVG or rename it" }
            for danger in ["<script", "javascript:", "<foreignobject", " onload=", " onclick=", " onerror="] where text.contains(danger) {
                return "contains `\(danger.trimmingCharacters(in: .whitespaces))`; logos may not carry scripts, remove it"
            }
            return rasterProblem(data)
        }
    }

    /// Emails and social images carry SVGs as PNG (see `EmailImages`), so an SVG must have a size and draw.
    public static func rasterProblem(_ svg: Data) -> String? {
        do throws(Raster.Failure) {
            try Raster.draw(svg: svg, longest: 64)
            return nil
        } catch {
            return "cannot be drawn as PNG for emails and social images (\(error.reason)); give its <svg> a viewBox, or export it again"
        }
    }
}
