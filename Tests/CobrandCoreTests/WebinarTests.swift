import CobrandCore
import CobrandTesting
import Foundation
import Testing

/// Content lines of an iCalendar file, unfolded, read by code independent of the writer.
struct ParsedCalendar {
    let lines: [String]

    init(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF in iCalendar")
        lines = text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75, "line longer than 75 octets: \(line)") }
    }

    /// Values of a property (name before `;` or `:`) inside the given component.
    func values(_ name: String, in component: String = "VEVENT") -> [String] {
        var inside = false
        var result: [String] = []
        for line in lines {
            if line == "BEGIN:\(component)" { inside = true } else if line == "END:\(component)" { inside = false }
            if inside, line.hasPrefix(name + ":") || line.hasPrefix(name + ";") { result.append(line) }
        }
        return result
    }
}

@Suite("Webinar-in-a-box")
struct WebinarTests {
    func kit(_ partner: String, _ locale: String, _ changes: [String: String?] = [:]) throws -> RenderedKit {
        let project = try Fixture.loaded(Fixture.webinar.merging(changes) { $1 })
        return try KitRenderer(project: project).render(KitID(campaign: "meetup", partner: partner, locale: LocaleTag(locale)!))
    }

    func text(_ kit: RenderedKit, _ path: String) throws -> String {
        String(decoding: try #require(kit.files.first { $0.path == path }).data, as: UTF8.self)
    }

    @Test("the kit has the registration page, emails, calendar, slides, notes and run of show")
    func files() throws {
        let kit = try kit("alpha", "en-US")
        #expect(kit.files.map(\.path).filter { $0.hasPrefix("live/") } == [
            "live/event.ics", "live/index.html", "live/invite.eml", "live/invite.html", "live/invite.txt", "live/run-of-show.html",
            "live/sequence.csv", "live/slides.html", "live/speaker-notes.html", "live/thanks.eml", "live/thanks.html", "live/thanks.txt",
        ])
    }

    @Test("event.ics is published in the partner's time zone with a VTIMEZONE that has Berlin's real 2027 changes")
    func calendarBerlin() throws {
        let ics = ParsedCalendar(Data(try text(try kit("beta", "de-DE"), "live/event.ics").utf8))
        #expect(ics.lines.prefix(5) == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Cobrand//cobrand 0.1.0//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"])
        #expect(ics.values("DTSTART") == ["DTSTART;TZID=Europe/Berlin:20270415T100000"])
        #expect(ics.values("DTEND") == ["DTEND;TZID=Europe/Berlin:20270415T104500"])
        #expect(ics.values("TZID", in: "VTIMEZONE") == ["TZID:Europe/Berlin"])
        // EU rules: summer time from the last Sunday of March 01:00 UTC to the last Sunday of October.
        let daylight = ics.lines.firstIndex(of: "DTSTART:20270328T020000")
        #expect(daylight.map { Array(ics.lines[$0 + 1...$0 + 2]) } == ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200"])
        let standard = ics.lines.firstIndex(of: "DTSTART:20271031T030000")
        #expect(standard.map { Array(ics.lines[$0 + 1...$0 + 2]) } == ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"])
        #expect(ics.values("UID") == ["UID:meetup.live.beta@cobrand"])
        #expect(ics.values("SEQUENCE") == ["SEQUENCE:2"])
        #expect(ics.values("ORGANIZER") == ["ORGANIZER;CN=\"Bernd Beta, Beta GmbH\":mailto:bernd@beta.example"])
        #expect(ics.values("URL") == ["URL:https://meet.example/room?id=7&utm_source=beta&utm_medium=webinar&utm_campaign=meetup&utm_content=live"])
    }

    @Test("a zone without daylight saving gets one STANDARD observance; the UID is the same in every locale")
    func calendarTokyo() throws {
        let roster = Fixture.rosterHeader + "\nalpha,Alpha,en-US;de-DE,,,,,,a@alpha.example,,1 Road,JP,Asia/Tokyo\n"
        let english = ParsedCalendar(Data(try text(try kit("alpha", "en-US", ["Assets/partners.csv": roster]), "live/event.ics").utf8))
        #expect(english.values("DTSTART") == ["DTSTART;TZID=Asia/Tokyo:20270415T100000"])
        #expect(english.values("TZOFFSETTO", in: "STANDARD") == ["TZOFFSETTO:+0900"])
        #expect(english.values("BEGIN", in: "VTIMEZONE") == ["BEGIN:VTIMEZONE", "BEGIN:STANDARD"])
        let german = ParsedCalendar(Data(try text(try kit("alpha", "de-DE", ["Assets/partners.csv": roster]), "live/event.ics").utf8))
        #expect(german.values("UID") == english.values("UID"))
    }

    @Test("hostile names are escaped in ICS text and parameters")
    func calendarEscaping() throws {
        let roster = Fixture.rosterHeader + "\nalpha,\"Evil; Corp, \"\"Ltd\"\"\",en-US,,,,,\"Ann, \"\"A\"\"\",a@alpha.example,,1 Road,,\n"
        let ics = ParsedCalendar(Data(try text(try kit("alpha", "en-US", ["Assets/partners.csv": roster]), "live/event.ics").utf8))
        #expect(ics.values("SUMMARY") == ["SUMMARY:Meetup with Evil\\; Corp\\, \"Ltd\""])
        #expect(ics.values("ORGANIZER") == ["ORGANIZER;CN=\"Ann, A, Evil; Corp, Ltd\":mailto:a@alpha.example"])
    }

    @Test("emails are scheduled relative to the webinar date; pages show the local date and time")
    func scheduleAndPages() throws {
        let kit = try kit("beta", "de-DE")
        let csv = try CSV.parse(try text(kit, "live/sequence.csv"), file: "sequence.csv")
        #expect(csv.dropFirst().map { Array($0.fields[1...2]) } == [["-14", "2027-04-01 09:00"], ["1", "2027-04-16 09:00"]])
        #expect(try text(kit, "live/index.html").contains("<p class=\"when\">Donnerstag, 15. April 2027 10:00–10:45 Uhr Europe/Berlin</p>"))
        #expect(try text(kit, "live/run-of-show.html").contains("<li>9:45 Open the room</li><li>10:30 Questions</li>"))
    }

    @Test("slides are one section per slide with print page breaks and an embedded logo; notes follow the slides")
    func slides() throws {
        let kit = try kit("alpha", "en-US")
        let slides = try text(kit, "live/slides.html")
        #expect(slides.components(separatedBy: "<section class=\"slide\">").count == 3)
        #expect(slides.contains("<h2>Hello</h2><ul><li>We are Alpha Partners</li></ul>"))
        #expect(slides.contains("<img src=\"data:image/svg+xml;base64,"))
        #expect(!slides.contains("src=\"../") && !slides.contains("src=\"assets"))
        #expect(try text(kit, "live/speaker-notes.html").contains("<p>1 Smile.</p><p>2 </p>"))
    }

    @Test("emails link the hosted registration page and .ics, tagged per email; attach_calendar puts event.ics into the .eml")
    func sequenceLinks() throws {
        let mail = "<!DOCTYPE html><html><body><a href=\"{{webinar.registration_url}}\">r</a><a href=\"{{webinar.ics_url}}\">c</a><a href=\"{{webinar.join_url}}\">j</a><p>{{partner.address}} {{email.unsubscribe_url}}</p></body></html>\n"
        let manifest = try #require(Fixture.webinar["Templates/meetup/campaign.yaml"] ?? nil)
            .replacingOccurrences(of: "{id: thanks, day: 1, template: mail, subject: meetup.title}", with: "{id: thanks, day: 1, template: mail, subject: meetup.title, attach_calendar: true}")
        let kit = try kit("alpha", "en-US", ["Templates/meetup/mail.html.mustache": mail, "Templates/meetup/campaign.yaml": manifest])
        let links = try text(kit, "live/invite.html").matches(of: /href="([^"]+)"/).map { String($0.output.1) }
        #expect(links.prefix(3) == [
            "https://portal.example/p/meetup/alpha/en-US/live/?utm_source=alpha&amp;utm_medium=webinar&amp;utm_campaign=meetup&amp;utm_content=invite",
            "https://portal.example/p/meetup/alpha/en-US/live/event.ics?utm_source=alpha&amp;utm_medium=webinar&amp;utm_campaign=meetup&amp;utm_content=invite",
            "https://meet.example/room?id=7&amp;utm_source=alpha&amp;utm_medium=webinar&amp;utm_campaign=meetup&amp;utm_content=invite",
        ])
        #expect(try text(kit, "live/thanks.html").contains("utm_content=thanks\">j</a>"))

        // The invitation stays multipart/alternative; the thank-you is multipart/mixed with the calendar after it.
        #expect(try ParsedMessage(try #require(kit.files.first { $0.path == "live/invite.eml" }).data).header("Content-Type")?.hasPrefix("multipart/alternative") == true)
        let eml = try text(kit, "live/thanks.eml")
        let mixed = try #require(eml.firstMatch(of: /Content-Type: multipart\/mixed; boundary="([^"]+)"/)).output.1
        let parts = eml.components(separatedBy: "--\(mixed)")
        #expect(parts.count == 4 && parts[3] == "--\r\n")
        #expect(parts[1].hasPrefix("\r\nContent-Type: multipart/alternative; boundary=\""))
        let attachment = parts[2].components(separatedBy: "\r\n\r\n")
        #expect(attachment[0] == "\r\nContent-Type: text/calendar; charset=UTF-8; method=PUBLISH; name=\"event.ics\"\r\n"
            + "Content-Disposition: attachment; filename=\"event.ics\"\r\nContent-Transfer-Encoding: base64")
        let ics = try #require(Data(base64Encoded: attachment[1].replacingOccurrences(of: "\r\n", with: "")))
        #expect(ics == (try #require(kit.files.first { $0.path == "live/event.ics" }).data))
    }

    @Test("a partner's join_url slot replaces the default everywhere")
    func joinOverride() throws {
        let kit = try kit("alpha", "en-US", ["Assets/slots/alpha.yaml": "meetup:\n  join_url: https://teams.example/alpha\n"])
        #expect(try text(kit, "live/event.ics").contains("URL:https://teams.example/alpha?utm_source=alpha"))
        #expect(try text(kit, "live/index.html").contains("<a href=\"https://teams.example/alpha?utm_source=alpha&amp;utm_medium=webinar"))
    }

    @Test("manifest problems name the field", arguments: [
        ("date: 2027-04-15", "date: 15.04.2027", "components[0].webinar.date", "'15.04.2027' is not a date; write YYYY-MM-DD"),
        ("join_url: https://meet.example/room?id=7", "join_url: http://meet.example", "components[0].webinar.join_url", "'http://meet.example' is not an https:// address"),
        ("duration_minutes: 45", "duration_minutes: 0", "components[0].webinar.duration_minutes", "is 0; a webinar lasts 5 to 1440 minutes"),
    ])
    func manifest(find: String, replace: String, field: String, message: String) throws {
        let manifest = try #require(Fixture.webinar["Templates/meetup/campaign.yaml"] ?? nil).replacingOccurrences(of: find, with: replace)
        let (_, diagnostics) = Project.load(Fixture.project(Fixture.webinar.merging(["Templates/meetup/campaign.yaml": manifest]) { $1 }))
        #expect(diagnostics.errors == [.error("Templates/meetup/campaign.yaml", field: field, message)])
    }
}

@Suite("Files cobrand serve hosts publicly")
struct HostedFilesTests {
    @Test("pages, calendars, feeds and kit images are public; emails, previews and anything outside the kit are not", arguments: [
        ("webinar/index.html", true), ("landing/index.html", true), ("webinar/event.ics", true), ("articles/feed.xml", true),
        ("assets/partner-logo-133x40.png", true), ("assets/hero.svg", true),
        ("index.html", false), ("manifest.json", false), ("webinar/invite.html", false), ("webinar/invite.eml", false),
        ("webinar/slides.html", false), ("social/posts.csv", false), ("../webinar/index.html", false), ("assets/../manifest.json", false),
        ("assets/.hidden.png", false), ("Webinar/index.html", false), ("a/b/index.html", false), ("assets/x.html", false),
    ])
    func isPublic(file: String, expected: Bool) {
        #expect(HostedFiles.isPublic(file) == expected)
    }

    @Test("a feed's public name maps to its kit file, and nothing else does", arguments: [
        ("articles.xml", "articles/feed.xml"), ("articles", nil), ("../x.xml", nil), ("a/b.xml", nil), (".xml", nil), ("News.xml", nil),
    ])
    func feedFile(name: String, expected: String?) {
        #expect(HostedFiles.feedFile(name) == expected)
    }
}
