import Foundation

/// The starter project `cobrand init` writes: small, valid, and built without edits.
public enum Scaffold {
    public struct ScaffoldError: Error, CustomStringConvertible, Equatable {
        public let path: String
        public init(path: String) { self.path = path }
        public var description: String { "\(path) exists and is not empty; choose a new folder name" }
    }

    /// Writes the starter files into `folder`, which must not exist or be empty. Returns the number of files.
    public static func write(to folder: URL) throws -> Int {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            throw ScaffoldError(path: folder.path)
        }
        // Write beside, then rename: an interrupted init leaves no half project.
        let staging = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).cobrand-init-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        let pages = try serverPages()
        for (path, data) in files.mapValues({ Data($0.utf8) }).merging(pages, uniquingKeysWith: { first, _ in first }) {
            let url = staging.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
        try fm.moveItem(at: staging, to: folder)
        return files.count + pages.count
    }

    public struct MissingResources: Error, CustomStringConvertible {
        public var description: String {
            "the portal and admin templates are not beside the cobrand binary (Cobrand_CobrandFiles.resources/scaffold); run cobrand from its build folder or copy that folder next to it"
        }
    }

    /// The portal and admin pages and their en-US messages, by project path: the same files as the demo
    /// project's (`scripts/sync-scaffold` copies them into the resources beside the binary).
    public static func serverPages() throws -> [String: Data] {
        guard let binary = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() else { throw MissingResources() }
        let root = binary.appendingPathComponent("Cobrand_CobrandFiles.resources/scaffold", isDirectory: true)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { throw MissingResources() }
        var pages: [String: Data] = [:]
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            pages[String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))] = try Data(contentsOf: url)
        }
        guard !pages.isEmpty else { throw MissingResources() }
        return pages
    }

    static let files: [String: String] = [
        ".gitignore": "Output/*\n!Output/.gitkeep\n*.sqlite*\n",
        "Output/.gitkeep": "",
        "cobrand.yaml": """
            vendor:
              name: Example Vendor
              legal_name: Example Vendor Ltd.
              website: https://vendor.example
            default_locale: en-US
            portal_url: https://partners.vendor.example

            """,
        "Assets/partners.csv": """
            id,name,locales,website,primary_color,contact_name,contact_email,address,country,timezone
            first-partner,First Partner Ltd,en-US,https://first-partner.example,#204080,Alex Doe,alex@first-partner.example,"1 Main Street
            Springfield",US,America/New_York

            """,
        "Assets/partners/first-partner.svg": """
            <svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="40" height="40" rx="8" fill="#204080"/><text x="48" y="26" font-family="Arial" font-size="14" fill="#204080">First</text></svg>

            """,
        "Locales/en-US/messages.yaml": """
            legal:
              footer: "{partner.name} is an authorized {vendor.name} partner."
            preview:
              title: "Kit preview"
            welcome:
              title: "Welcome"
              subject: "Hello from {partner.name}"
              body: "{partner.name} and {vendor.name} are here to help."
              cta: "Learn more"
            form:
              email: "Work email"
              consent: "I agree that {partner.name} may contact me about this offer."
              submit: "Send"

            """,
        "Templates/_shared/layouts/page.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}">
            <head><meta charset="utf-8"><title>{{campaign.title}} | {{partner.name}}</title></head>
            <body style="font-family:sans-serif;color:{{brand.text}}">
            <header data-cobrand-locked="header" style="background:{{brand.primary}};color:{{brand.on_primary}};padding:12px">{{#partner.logo}}<img src="{{partner.logo}}" alt="{{partner.name}}" height="40"> {{/partner.logo}}<bdi>{{partner.name}}</bdi></header>
            <main data-cobrand-slot="main">{{$main}}{{/main}}</main>
            <footer data-cobrand-locked="legal"><p>{{t.legal.footer}}</p><p>{{#partner.address_lines}}{{line}}<br>{{/partner.address_lines}}{{#email.unsubscribe_url}}<a href="{{email.unsubscribe_url}}">Unsubscribe</a>{{/email.unsubscribe_url}}</p></footer>
            </body>
            </html>

            """,
        "Templates/_shared/layouts/email.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{email.subject}}</title></head>
            <body style="margin:0;font-family:Arial,Helvetica,sans-serif;color:{{brand.text}}">
            <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" dir="{{locale.dir}}" align="center">
            <tr><td data-cobrand-locked="header" bgcolor="{{brand.primary}}" style="padding:12px;background:{{brand.primary}};color:{{brand.on_primary}}">{{#partner.logo}}<img src="{{partner.logo}}" alt="{{partner.name}}" height="40">{{/partner.logo}}{{^partner.logo}}{{partner.name}}{{/partner.logo}}</td></tr>
            <tr><td data-cobrand-slot="main" align="{{locale.start}}" style="padding:12px">{{$main}}{{/main}}</td></tr>
            <tr><td data-cobrand-locked="legal" align="{{locale.start}}" style="padding:12px;font-size:12px"><p>{{t.legal.footer}}</p><p>{{#partner.address_lines}}{{line}}<br>{{/partner.address_lines}}{{#email.unsubscribe_url}}<a href="{{email.unsubscribe_url}}">Unsubscribe</a>{{/email.unsubscribe_url}}</p></td></tr>
            </table>
            </body>
            </html>

            """,
        "Templates/_shared/preview.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}">
            <head><meta charset="utf-8"><title>{{t.preview.title}}: {{campaign.title}} | {{partner.name}}</title></head>
            <body style="font-family:sans-serif">
            <h1>{{t.preview.title}}: {{campaign.title}}, <bdi>{{partner.name}}</bdi></h1>
            {{#files}}<section><h2><a href="{{path}}">{{path}}</a></h2><p>{{media_type}} {{size}}</p>
            {{#is_html}}<iframe {{#srcdoc}}srcdoc="{{{srcdoc_escaped}}}"{{/srcdoc}}{{^srcdoc}}src="{{path}}"{{/srcdoc}} title="{{path}}" sandbox="allow-same-origin" style="width:100%;height:400px"></iframe>{{/is_html}}{{#is_image}}<img src="{{path}}" alt="{{path}}">{{/is_image}}{{#text}}<pre>{{{text_escaped}}}</pre>{{/text}}</section>
            {{/files}}
            </body>
            </html>

            """,
        "Templates/welcome/campaign.yaml": """
            id: welcome
            title: welcome.title
            links:
              learn: https://vendor.example/learn
            fields:
              intro:
                max_length: 200
                default: "We would love to show you what is new."
            components:
              - id: emails
                kind: email-sequence
                emails:
                  - id: hello
                    day: 0
                    template: hello
                    subject: welcome.subject
              - id: landing
                kind: landing-page
                template: landing

            """,
        "Templates/welcome/hello.html.mustache": """
            {{<_shared.layouts.email.html}}{{$main}}<p>{{slots.intro}}</p><p>{{t.welcome.body}}</p><p><a href="{{links.learn}}">{{t.welcome.cta}}</a></p>{{/main}}{{/_shared.layouts.email.html}}

            """,
        "Templates/welcome/hello.txt.mustache": """
            {{email.subject}}

            {{slots.intro}}
            {{t.welcome.body}}
            {{t.welcome.cta}}: {{links.learn}}

            {{t.legal.footer}}
            {{partner.address}}
            Unsubscribe: {{email.unsubscribe_url}}

            """,
        "Templates/welcome/landing.html.mustache": """
            {{<_shared.layouts.page.html}}{{$main}}<h1>{{campaign.title}}</h1><p>{{slots.intro}}</p><p><a href="{{links.learn}}">{{t.welcome.cta}}</a></p>
            <form method="post" action="{{lead_form.action}}">
            <input type="hidden" name="partner" value="{{lead_form.partner}}"><input type="hidden" name="campaign" value="{{lead_form.campaign}}">
            <input type="hidden" name="asset" value="{{lead_form.asset}}"><input type="hidden" name="locale" value="{{lead_form.locale}}">
            <input type="hidden" name="source" value="{{lead_form.source}}"><input type="hidden" name="consent_version" value="{{lead_form.consent_version}}"><input type="hidden" name="form_signature" value="{{lead_form.signature}}">
            <label for="email">{{t.form.email}}</label><input type="email" id="email" name="email" required>
            <div hidden><input type="text" name="website_url" tabindex="-1" autocomplete="off"></div>
            <label><input type="checkbox" name="consent" value="yes" required> {{t.form.consent}}</label>
            <button type="submit">{{t.form.submit}}</button>
            </form>{{/main}}{{/_shared.layouts.page.html}}

            """,
    ]
}
