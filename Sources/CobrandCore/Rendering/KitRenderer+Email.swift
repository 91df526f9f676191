import Foundation

extension KitRenderer {
    /// An email sequence: per step an HTML file for ESP import, its plain-text alternative and a ready
    /// `.eml`; plus `sequence.csv` with the schedule.
    /// - Parameter start: day 0 of the schedule (`YYYY-MM-DD`): a sequence's start date or a webinar's date.
    /// - Parameter extra: more of the model for each step (a webinar's details, its links tagged per email).
    /// - Parameter attachments: files each step's `.eml` carries after its text and HTML.
    func renderEmails(_ component: Component, context: KitContext, id: KitID, start: String?,
                      extra: (EmailStep) -> [String: Any] = { _ in [:] },
                      attachments: (EmailStep) -> [EmailMessage.Attachment] = { _ in [] }) throws(RenderError) -> [KitFile] {
        let partner = context.partner
        let campaign = context.campaign
        let timeZone = context.timeZone
        // ESP files link the page with the ESP's address merge tag; the .eml, sent as is, without it.
        let placeholder = project.config.unsubscribeURL(context.unsubscribe, recipient: true)
        let unsubscribe = project.config.unsubscribeURL(context.unsubscribe, recipient: false)
        let host = partner.website.flatMap { URLComponents(string: $0)?.host } ?? "cobrand.invalid"
        let images = EmailImages(assetBase: project.config.assetBaseURL,
                                 files: Dictionary(context.assetFiles().map { ($0.path, $0.data) }, uniquingKeysWith: { first, _ in first }),
                                 cache: rasters)
        var files: [KitFile] = []
        var rows = [["step", "send_day", "send_at", "subject", "preheader", "html", "text", "eml"]]

        for (index, step) in component.emails.enumerated() {
            let email = context.emailModel(step)
            let base = "\(component.id)/\(step.id)"
            var extra = extra(step)
            extra["email"] = email
            let rendered = try render("\(campaign.id)/\(step.template).html",
                                      context.model(forFileAt: base + ".html", component: component, asset: step.id, extra: extra), id)
            let inbox = images.apply(rendered, path: base + ".html")
            let html = inbox.html
            files += inbox.files
            let text = try render("\(campaign.id)/\(step.template).txt",
                                  context.model(forFileAt: base + ".txt", component: component, asset: step.id, extra: extra), id)
            let lines = partner.address.map { $0.split(separator: "\n").map(String.init) } ?? []
            // An image the build could not place is still relative, which the rules would report again.
            guard inbox.problems.isEmpty else { throw .contentRule(kit: id.description, file: base + ".html", problems: inbox.problems) }
            let problems = ContentRules.emailProblems(html, tracking: tracking, unsubscribe: unsubscribe)
                + ContentRules.complianceProblems(html, addressLines: lines.map { HTMLText.escaped($0) }, unsubscribe: HTMLText.escaped(placeholder))
            guard problems.isEmpty else { throw .contentRule(kit: id.description, file: base + ".html", problems: problems) }
            let textProblems = ContentRules.complianceProblems(text, addressLines: lines, unsubscribe: placeholder)
            guard textProblems.isEmpty else { throw .contentRule(kit: id.description, file: base + ".txt", problems: textProblems) }

            let subject = email["subject"] as? String ?? ""
            let sendAt = start.flatMap {
                SendSchedule.date(start: $0, day: step.day, time: component.sendTime, timeZone: timeZone)
            } ?? KitBundle.timestamp
            // The .eml is sent as is, so no merge tag may stay in it.
            var message = EmailMessage(
                from: .init(name: partner.contactName.map { "\($0), \(partner.name)" } ?? partner.name, email: partner.contactEmail ?? ""),
                subject: subject, date: sendAt, timeZone: timeZone,
                messageID: "\(id.slug).\(step.id)@\(host)",
                listUnsubscribe: [unsubscribe, "mailto:\(partner.contactEmail ?? "")?subject=unsubscribe"],
                text: HTMLText.replacing(placeholder, with: unsubscribe, in: text),
                html: HTMLText.replacing(HTMLText.escaped(placeholder), with: HTMLText.escaped(unsubscribe), in: html))
            message.attachments = attachments(step)
            files += [
                KitFile(path: base + ".html", text: html),
                KitFile(path: base + ".txt", text: text),
                KitFile(path: base + ".eml", data: message.encoded()),
            ]
            rows.append([String(index + 1), String(step.day), SendSchedule.local(sendAt, timeZone), subject,
                         email["preheader"] as? String ?? "", base + ".html", base + ".txt", base + ".eml"])
        }
        if rows.count > 1 { files.append(KitFile(path: "\(component.id)/sequence.csv", text: rows.map(CSV.line).joined())) }
        return files
    }
}

extension String {
    /// Escaped for HTML text and double-quoted attributes (`&`, `<`, `>`, `"`); unlike Mustache's `{{x}}`, `'` stays.
    public var htmlEscaped: String { HTMLText.escaped(self, apostrophe: false) }

    /// Escaped and in `<bdi>`: right-to-left text and bidi controls (an RLO in a partner's value) stay
    /// inside it and cannot reorder the rest of the line.
    public var htmlIsolated: String { "<bdi>\(htmlEscaped)</bdi>" }
}
