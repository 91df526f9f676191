import Foundation

extension KitRenderer {
    /// Webinar-in-a-box: registration page, invite/reminder/follow-up emails, `event.ics`, a self-contained
    /// slide deck, speaker notes and a run-of-show checklist, all at the partner's local date and time.
    func renderWebinar(_ component: Component, context: KitContext, id: KitID) throws(RenderError) -> [KitFile] {
        guard let settings = component.webinar else { return [] }
        let partner = context.partner
        let zone = context.timeZone
        let date = context.slot("webinar_date") ?? settings.date
        let time = context.slot("webinar_time") ?? settings.time
        let joinURL = context.slot("join_url") ?? settings.joinURL
        let start = SendSchedule.date(start: date, day: 0, time: time, timeZone: zone) ?? KitBundle.timestamp
        let end = start.addingTimeInterval(TimeInterval(settings.durationMinutes * 60))
        func format(_ date: Date, _ style: Date.FormatStyle) -> String { context.format(date, style, in: zone) }
        let taggedJoin = TrackedLink.tagged(joinURL, source: partner.id, medium: KitContext.medium(for: .webinar),
                                            campaign: context.campaign.id, content: component.id)
        let title = context.message(settings.title)
        let description = context.message(settings.description)
        let logos = context.logoDataURIs()
        var webinar: [String: Any] = [
            "title": title, "description": description,
            "date": format(start, .init(date: .complete, time: .omitted)),
            "time": context.format(start..<end, in: zone),
            "time_zone": zone.identifier, "duration_minutes": settings.durationMinutes,
            "duration": context.message("webinar.duration", count: settings.durationMinutes),
            "ics": CalendarEvent.fileName,
            "partner_logo_data": logos.partner ?? "", "vendor_logo_data": logos.vendor ?? "",
        ]
        webinar["slides"] = settings.slides.enumerated().map { index, slide -> [String: Any] in
            ["number": index + 1, "title": context.message(slide.title),
             "points": slide.points.map { ["text": context.message($0)] }, "notes": context.message(slide.notes)]
        }
        webinar["run_of_show"] = settings.runOfShow.sorted { $0.at < $1.at }.map { item -> [String: Any] in
            let at = start.addingTimeInterval(TimeInterval(item.at * 60))
            return ["time": format(at, .init(date: .omitted, time: .shortened)), "offset": item.at, "task": context.message(item.task)]
        }

        func pageModel(_ path: String) -> [String: Any] {
            var model = context.model(forFileAt: path, component: component, asset: component.id)
            var entry = webinar
            // Pages link through the tracked, tagged join URL like every other link.
            entry["join_url"] = context.link(joinURL, component: component, asset: component.id)
            model["webinar"] = entry
            return model
        }
        var files: [KitFile] = []
        let base = component.id
        files.append(try checkedPage("\(base)/index.html", try render("\(context.campaign.id)/\(component.template ?? "").html", pageModel("\(base)/index.html"), id), id))
        for (name, template) in [("slides.html", "slides.html"), ("speaker-notes.html", "speaker-notes.html"), ("run-of-show.html", "run-of-show.html")] {
            let path = "\(base)/\(name)"
            files.append(try checkedPage(path, try render("_shared/webinar/\(template)", pageModel(path), id), id))
        }
        let event = CalendarEvent(
            uid: "\(context.campaign.id).\(component.id).\(partner.id)@cobrand",
            sequence: settings.sequence, stamp: KitBundle.timestamp, start: start, end: end, timeZone: zone,
            summary: title, description: description + "\n\n" + taggedJoin, url: taggedJoin,
            organizerName: partner.contactName.map { "\($0), \(partner.name)" } ?? partner.name,
            organizerEmail: partner.contactEmail ?? "")
        let calendar = event.encoded()
        files.append(KitFile(path: "\(base)/\(CalendarEvent.fileName)", data: calendar))

        // Emails link the pages `cobrand serve` hosts (the registration page, the .ics), each link tagged
        // with the email's own id so clicks on the invitation and the reminder can be told apart.
        files += try renderEmails(component, context: context, id: id, start: date, extra: { step in
            var entry = webinar
            entry["join_url"] = context.link(joinURL, component: component, asset: step.id)
            entry["registration_url"] = context.link(project.config.portalAddress(HostedFiles.path(id, file: "\(base)/")), component: component, asset: step.id)
            entry["ics_url"] = context.link(project.config.portalAddress(HostedFiles.path(id, file: "\(base)/\(CalendarEvent.fileName)")), component: component, asset: step.id)
            return ["webinar": entry]
        }, attachments: { step in
            step.attachCalendar ? [EmailMessage.Attachment(name: CalendarEvent.fileName, contentType: "text/calendar; charset=UTF-8; method=PUBLISH", data: calendar)] : []
        })
        return files
    }
}
