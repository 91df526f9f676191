import CobrandCore
import Foundation

/// A small, complete project in memory: one campaign with an email and a landing page, two locales,
/// two partners. Tests change one file and check what follows.
public enum Fixture {
    public static let rosterHeader = "id,name,locales,website,logo,primary_color,accent_color,contact_name,contact_email,phone,address,country,timezone"

    public static let roster = """
        \(rosterHeader),privacy_url
        alpha,Alpha Partners,en-US;de-DE,https://alpha.example,,#1F3A93,#C0392B,Ada Alpha,ada@alpha.example,+1 555 0100,"1 Alpha Road
        Springfield",US,America/New_York,
        beta,Beta GmbH,de-DE,https://beta.example,beta-logo.svg,#00594F,,Bernd Beta,bernd@beta.example,+49 30 1234,Beta-Str. 2,DE,Europe/Berlin,https://beta.example/datenschutz

        """

    public static let files: [String: String] = [
        "cobrand.yaml": """
            vendor:
              name: Vendorco
              legal_name: Vendorco Corporation
              website: https://vendor.example
              logo: brand/logo.svg
            default_locale: en-US
            portal_url: https://portal.example

            """,
        "Assets/partners.csv": roster,
        "Assets/partners/alpha.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 4 4\"><rect width=\"4\" height=\"4\"/></svg>\n",
        "Assets/partners/beta-logo.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 8 8\"><circle r=\"4\"/></svg>\n",
        "Assets/brand/logo.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 40 20\"><text y=\"16\">V</text></svg>\n",
        "Locales/en-US/messages.yaml": """
            legal:
              notice: "{partner.name} is a {vendor.name} partner."
            preview:
              title: "Preview"
            launch:
              title: "Launch"
              subject: "News from {partner.name}"
              body: "Hello from {partner.contact_name}."
              intro: "Default intro."
              cta: "Read more"

            """,
        "Locales/de-DE/messages.yaml": """
            legal:
              notice: "{partner.name} ist Partner von {vendor.name}."
            launch:
              title: "Start"
              subject: "Neuigkeiten für Sie von {partner.name}"
              body: "Hallo von {partner.contact_name}."
              intro: "Standard-Intro."
              cta: "Mehr lesen"

            """,
        "Templates/_shared/layouts/page.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{campaign.title}} | {{partner.name}}</title></head>
            <body><header data-cobrand-locked="header" style="background:{{brand.primary}};color:{{brand.on_primary}}">{{#partner.logo}}<img src="{{partner.logo}}" alt="{{partner.name}}">{{/partner.logo}}<a href="{{vendor.website_url}}">{{vendor.name}}</a></header>
            <main data-cobrand-slot="main">{{$main}}{{/main}}</main>
            <footer data-cobrand-locked="legal"><p>{{t.legal.notice}}</p><p>{{#partner.address_lines}}{{line}} {{/partner.address_lines}}{{#email.unsubscribe_url}}<a href="{{email.unsubscribe_url}}">unsubscribe</a>{{/email.unsubscribe_url}}</p><p><a style="color:{{brand.accent}}" href="{{partner.website_url}}">{{partner.name}}</a></p></footer>
            </body></html>

            """,
        "Templates/_shared/preview.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}"><head><meta charset="utf-8"><title>{{t.preview.title}} {{partner.name}}</title></head><body>
            {{#files}}<section><a href="{{path}}">{{path}}</a>{{#is_html}}<iframe src="{{path}}" sandbox></iframe>{{/is_html}}{{#is_image}}<img src="{{path}}" alt="">{{/is_image}}{{#text}}<pre>{{text}}</pre>{{/text}}</section>
            {{/files}}</body></html>

            """,
        "Templates/launch/campaign.yaml": """
            id: launch
            title: launch.title
            links:
              more: https://vendor.example/more?ref=kit#top
            fields:
              intro:
                max_length: 80
                default_key: launch.intro
              offer:
                allowed: [demo, trial]
                default: demo
            components:
              - id: emails
                kind: email-sequence
                emails:
                  - id: hello
                    day: 0
                    template: hello
                    subject: launch.subject
              - id: landing
                kind: landing-page
                template: landing

            """,
        "Templates/launch/hello.html.mustache": """
            {{<_shared.layouts.page.html}}{{$main}}<p class="intro">{{slots.intro}}</p><p>{{t.launch.body}}</p><a href="{{links.more}}">{{t.launch.cta}}</a>{{/main}}{{/_shared.layouts.page.html}}

            """,
        "Templates/launch/hello.txt.mustache": """
            {{email.subject}}
            {{slots.intro}}
            {{t.launch.body}} {{partner.name}}
            {{links.more}}
            {{partner.address}}
            {{email.unsubscribe_url}}

            """,
        "Templates/launch/landing.html.mustache": """
            {{<_shared.layouts.page.html}}{{$main}}<h1>{{campaign.title}}</h1><p class="intro">{{slots.intro}}</p><form method="post" action="{{lead_form.action}}"><input type="hidden" name="partner" value="{{lead_form.partner}}"><input type="hidden" name="offer" value="{{slots.offer}}"></form>{{/main}}{{/_shared.layouts.page.html}}

            """,
    ]

    /// A webinar campaign, `meetup`, to merge into the fixture with `project(Fixture.webinar)`.
    public static let webinar: [String: String?] = [
        "Templates/meetup/campaign.yaml": """
            id: meetup
            title: meetup.title
            fields:
              join_url:
                type: url
            components:
              - id: live
                kind: webinar
                template: register
                webinar:
                  title: meetup.title
                  description: meetup.description
                  date: 2027-04-15
                  time: "10:00"
                  duration_minutes: 45
                  join_url: https://meet.example/room?id=7
                  sequence: 2
                  slides:
                    - title: meetup.slide_one
                      points: [meetup.point]
                      notes: meetup.notes
                    - title: meetup.slide_two
                  run_of_show:
                    - {at: 30, task: meetup.questions}
                    - {at: -15, task: meetup.open}
                emails:
                  - {id: invite, day: -14, template: mail, subject: meetup.title, body: meetup.description}
                  - {id: thanks, day: 1, template: mail, subject: meetup.title}

            """,
        "Templates/meetup/register.html.mustache": """
            <!DOCTYPE html><html lang="{{locale.tag}}"><head><meta charset="utf-8"><title>{{webinar.title}}</title></head><body>
            <h1>{{webinar.title}}</h1><p class="when">{{webinar.date}} {{webinar.time}} {{webinar.time_zone}}</p><a href="{{webinar.ics}}">ics</a> <a href="{{webinar.join_url}}">join</a>
            </body></html>

            """,
        "Templates/meetup/mail.html.mustache": """
            <!DOCTYPE html><html><body><p>{{email.body}}</p><p>{{webinar.date}}</p><a href="{{webinar.join_url}}">join</a><p>{{partner.address}} {{email.unsubscribe_url}}</p></body></html>

            """,
        "Templates/meetup/mail.txt.mustache": "{{email.body}} {{webinar.join_url}}\n{{partner.address}}\n{{email.unsubscribe_url}}\n",
        "Templates/_shared/webinar/slides.html.mustache": """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>{{webinar.title}}</title><style>@page{size:297mm 167mm}.slide{break-after:page}</style></head><body>
            {{#webinar.slides}}<section class="slide"><h2>{{title}}</h2><ul>{{#points}}<li>{{text}}</li>{{/points}}</ul></section>{{/webinar.slides}}
            <img src="{{webinar.partner_logo_data}}" alt="logo"></body></html>

            """,
        "Templates/_shared/webinar/speaker-notes.html.mustache": "<!DOCTYPE html><html><body>{{#webinar.slides}}<p>{{number}} {{notes}}</p>{{/webinar.slides}}</body></html>\n",
        "Templates/_shared/webinar/run-of-show.html.mustache": "<!DOCTYPE html><html><body><ul>{{#webinar.run_of_show}}<li>{{time}} {{task}}</li>{{/webinar.run_of_show}}</ul></body></html>\n",
        "Locales/en-US/meetup.yaml": """
            meetup:
              title: "Meetup with {partner.name}"
              description: "Live, with questions."
              slide_one: "Hello"
              slide_two: "Goodbye"
              point: "We are {partner.name}"
              notes: "Smile."
              questions: "Questions"
              open: "Open the room"

            """,
    ]

    /// An always-on campaign, `always`, with syndication, social and a document, to merge into the fixture.
    public static let alwaysOn: [String: String?] = [
        "Templates/always/campaign.yaml": """
            id: always
            title: always.title
            links:
              guide: https://vendor.example/guide
            components:
              - id: news
                kind: syndication
                template: article
                articles: [first, second]
              - id: social
                kind: social
                posts:
                  - {id: hello, text: always.post, link: guide, image: brand/logo.svg, image_alt: always.alt}
                  - {id: short, text: always.short, networks: [x]}
              - id: sheet
                kind: document
                template: sheet

            """,
        "Templates/always/article.html.mustache": """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>{{article.title}}</title><link rel="canonical" href="{{article.canonical}}"></head>
            <body><h1>{{article.title}}</h1><p class="date">{{article.published}}</p>{{{article.html}}}</body></html>

            """,
        "Templates/always/articles/first.md": """
            ---
            canonical: https://vendor.example/blog/first
            published: 2027-02-10
            updated: 2027-02-12
            author: Mira Chen
            summary: First summary.
            ---
            # First article
            Hello from {partner.name}. Read the [guide](https://vendor.example/guide?x=1#part) or [mail us](mailto:a@b.example).

            """,
        "Templates/always/articles/first.de-DE.md": """
            ---
            canonical: https://vendor.example/de/blog/first
            published: 2027-02-10
            summary: Erste Zusammenfassung.
            ---
            # Erster Artikel
            Hallo von {partner.name}.

            """,
        "Templates/always/articles/second.md": """
            ---
            canonical: https://vendor.example/blog/second
            published: 2027-03-01
            ---
            # Second article
            Two.

            """,
        "Templates/_shared/syndication/embed.html.mustache": """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>{{campaign.title}}</title></head><body><ul>{{#articles}}<li><a href="{{url}}" target="_top">{{title}}</a> {{date}}</li>{{/articles}}</ul></body></html>

            """,
        "Templates/_shared/syndication/snippet.html.mustache": "<ul>{{#articles}}<li><a href=\"{{url}}\">{{title}}</a></li>{{/articles}}</ul>\n",
        "Templates/always/sheet.html.mustache": """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>{{page.label}}</title><style>@page{size:{{page.size}};margin:14mm}</style></head><body><h1>{{partner.name}}</h1></body></html>

            """,
        "Locales/en-US/always.yaml": """
            always:
              title: "Always on"
              post: "News from {partner.name}: read our guide."
              short: "Short."
              alt: "Vendor logo"

            """,
    ]

    /// The fixture with some files replaced (a nil value removes the file).
    public static func project(_ changes: [String: String?] = [:]) -> ProjectFiles {
        var all = files
        for (path, text) in changes {
            all[path] = text
        }
        return ProjectFiles(files: all.mapValues { Data($0.utf8) })
    }

    /// The repository's own portal and admin templates and en-US portal messages, by project path, to add to
    /// the fixture where a test renders the real pages.
    public static func serverPages() throws -> [String: String?] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var pages: [String: String?] = ["Locales/en-US/portal.yaml": try String(contentsOf: root.appendingPathComponent("Locales/en-US/portal.yaml"), encoding: .utf8)]
        for template in PortalTemplates.all + AdminTemplates.all + ["_shared/portal/header.html", "_shared/portal/styles.html"] {
            let path = "Templates/\(template).mustache"
            pages[path] = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        return pages
    }

    /// The loaded fixture; fails loudly when the changed fixture does not load.
    public static func loaded(_ changes: [String: String?] = [:]) throws -> Project {
        let (project, diagnostics) = Project.load(project(changes))
        guard let project else { throw FixtureError(diagnostics: diagnostics) }
        return project
    }

    /// Writes the fixture (with changes) into `folder` as a project on disk.
    public static func write(to folder: URL, _ changes: [String: String?] = [:]) throws {
        for (path, data) in project(changes).files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let diagnostics: [Diagnostic]
        public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }
}
