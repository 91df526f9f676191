import Foundation

/// Checks a campaign manifest against the rules each component kind needs, naming the field at fault.
struct CampaignCheck {
    let campaign: Campaign
    let file: String
    let folder: String
    let templates: [String: String]
    let articles: [String: String]
    private var found: [Diagnostic] = []

    /// Shared templates a webinar renders besides its own.
    static let webinarTemplates = ["_shared/webinar/slides.html", "_shared/webinar/speaker-notes.html", "_shared/webinar/run-of-show.html"]

    /// Shared templates syndication renders besides the article page.
    static let syndicationTemplates = ["_shared/syndication/embed.html", "_shared/syndication/snippet.html"]

    init(campaign: Campaign, file: String, folder: String, templates: [String: String], articles: [String: String] = [:]) {
        self.campaign = campaign
        self.file = file
        self.folder = folder
        self.templates = templates
        self.articles = articles
    }

    func problems() -> [Diagnostic] {
        var check = self
        check.run()
        return check.found
    }

    private mutating func error(_ field: String, _ message: String) {
        found.append(.error(file, field: field, message))
    }

    private mutating func warning(_ field: String, _ message: String) {
        found.append(.warning(file, field: field, message))
    }

    private mutating func need(_ template: String, _ field: String) {
        if templates["\(campaign.id)/\(template)"] == nil {
            error(field, "template Templates/\(campaign.id)/\(template).mustache does not exist; create it or correct the name")
        }
    }

    private mutating func run() {
        if campaign.id != folder { error("id", "'\(campaign.id)' differs from the folder name '\(folder)'; make them equal") }
        if !Partner.isValidID(campaign.id) { error("id", "'\(campaign.id)' is not a slug; use lower-case letters, digits and hyphens") }
        if campaign.components.isEmpty { error("components", "is empty; add an email-sequence or landing-page component") }
        var seen = Set<String>()
        for (index, component) in campaign.components.enumerated() {
            let field = "components[\(index)]"
            if !Partner.isValidID(component.id) {
                error("\(field).id", "'\(component.id)' is not a slug; use lower-case letters, digits and hyphens")
            }
            if !seen.insert(component.id).inserted { error("\(field).id", "'\(component.id)' is used twice; give each component its own id") }
            switch component.kind {
            case .emailSequence:
                if let start = component.startDate, SendSchedule.day(start) == nil {
                    error("\(field).start_date", "'\(start)' is not a date; write YYYY-MM-DD")
                }
                emails(component, field: field, allowNegativeDays: false)
            case .landingPage:
                page(component, field: field)
            case .webinar:
                page(component, field: field)
                emails(component, field: field, allowNegativeDays: true)
                webinar(component, field: field)
            case .syndication:
                page(component, field: field)
                syndication(component, field: field)
            case .social:
                social(component, field: field)
            case .document:
                page(component, field: field)
            }
        }
        for (name, url) in campaign.links.sorted(by: { $0.key < $1.key }) where !Self.isWebAddress(url) {
            error("links.\(name)", "'\(url)' is not a web address; write https://...")
        }
        for (name, field) in campaign.fields.sorted(by: { $0.key < $1.key }) {
            if name == SlotValues.localesKey { error("fields.\(name)", "'\(name)' is reserved for per-locale slot values; rename the field") }
            if let value = field.defaultValue, let problem = field.problem(with: value) { error("fields.\(name).default", problem) }
        }
    }

    private mutating func page(_ component: Component, field: String) {
        if let template = component.template {
            need("\(template).html", "\(field).template")
        } else {
            error("\(field).template", "is required for a \(component.kind.rawValue) page; name the template")
        }
    }

    private mutating func emails(_ component: Component, field: String, allowNegativeDays: Bool) {
        if let time = component.sendTime, SendSchedule.time(time) == nil {
            error("\(field).send_time", "'\(time)' is not a time; write HH:MM such as 09:30")
        }
        if component.emails.isEmpty, component.kind == .emailSequence { error("\(field).emails", "is empty; list the emails of the sequence") }
        var steps = Set<String>()
        for (index, step) in component.emails.enumerated() {
            let stepField = "\(field).emails[\(index)]"
            if !Partner.isValidID(step.id) || !steps.insert(step.id).inserted {
                error("\(stepField).id", "'\(step.id)' must be a slug unique in the sequence")
            }
            if step.day < 0, !allowNegativeDays { error("\(stepField).day", "is \(step.day); a send day is 0 or later") }
            need("\(step.template).html", "\(stepField).template")
            need("\(step.template).txt", "\(stepField).template")
        }
    }

    private mutating func webinar(_ component: Component, field: String) {
        guard let webinar = component.webinar else {
            error("\(field).webinar", "is required for a webinar: title, description, date, time, join_url")
            return
        }
        if SendSchedule.day(webinar.date) == nil { error("\(field).webinar.date", "'\(webinar.date)' is not a date; write YYYY-MM-DD") }
        if SendSchedule.time(webinar.time) == nil { error("\(field).webinar.time", "'\(webinar.time)' is not a time; write HH:MM") }
        if !(5...1440).contains(webinar.durationMinutes) {
            error("\(field).webinar.duration_minutes", "is \(webinar.durationMinutes); a webinar lasts 5 to 1440 minutes")
        }
        if !webinar.joinURL.lowercased().hasPrefix("https://") || !Self.isWebAddress(webinar.joinURL) {
            error("\(field).webinar.join_url", "'\(webinar.joinURL)' is not an https:// address")
        }
        for template in Self.webinarTemplates where templates[template] == nil {
            error("\(field).kind", "a webinar needs Templates/\(template).mustache; create it (see README, Webinar)")
        }
    }

    private mutating func syndication(_ component: Component, field: String) {
        if component.articles.isEmpty { error("\(field).articles", "is empty; list article ids (Templates/\(campaign.id)/articles/<id>.md)") }
        for template in Self.syndicationTemplates where templates[template] == nil {
            error("\(field).kind", "syndication needs Templates/\(template).mustache; create it (see README, Syndication)")
        }
        let prefix = "\(campaign.id)/articles/"
        for (index, id) in component.articles.enumerated() {
            guard Partner.isValidID(id) else {
                error("\(field).articles[\(index)]", "'\(id)' is not a slug; name articles with lower-case letters, digits and hyphens")
                continue
            }
            let variants = articles.keys.filter { $0.hasPrefix(prefix + id + ".") && $0.hasSuffix(".md") }.sorted()
            guard articles[prefix + id + ".md"] != nil else {
                error("\(field).articles[\(index)]", "Templates/\(prefix)\(id).md does not exist; write the article in the default locale there")
                continue
            }
            for path in variants {
                do {
                    _ = try Article.parse(id: id, markdown: articles[path] ?? "", file: "Templates/\(path)")
                } catch {
                    found.append(.error("Templates/\(path)", field: Self.field(of: error), Self.fix(of: error)))
                }
            }
        }
    }

    private mutating func social(_ component: Component, field: String) {
        if component.posts.isEmpty { error("\(field).posts", "is empty; add posts with id, text (a catalog key) and link") }
        if component.startDate != nil, let time = component.sendTime, let (_, minute) = SendSchedule.time(time), minute % 5 != 0 {
            warning("\(field).send_time", "'\(time)': Hootsuite's bulk composer takes minutes in steps of 5 only; write such as 10:05")
        }
        var ids = Set<String>()
        for (index, post) in component.posts.enumerated() {
            let postField = "\(field).posts[\(index)]"
            if !Partner.isValidID(post.id) || !ids.insert(post.id).inserted {
                error("\(postField).id", "'\(post.id)' must be a slug unique among the posts")
            }
            if let link = post.link, campaign.links[link] == nil {
                error("\(postField).link", "no link '\(link)' in the campaign's links; use one of: \(campaign.links.keys.sorted().joined(separator: ", "))")
            }
            if post.networks.isEmpty { error("\(postField).networks", "is empty; list linkedin, x and/or facebook") }
        }
    }

    static func field(of error: Article.ArticleError) -> String {
        switch error { case let .missing(_, field, _): return field }
    }

    static func fix(of error: Article.ArticleError) -> String {
        switch error { case let .missing(_, _, fix): return fix }
    }

    static func isWebAddress(_ url: String) -> Bool { WebAddress.isValid(url) }
}
