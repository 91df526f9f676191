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
        for (path, text) in files {
            let url = staging.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
        try fm.moveItem(at: staging, to: folder)
        return files.count
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
        "Locales/en-US/portal.yaml": """
            portal:
              title: "Partner portal"
              bad_token: "That access token is not valid."
              token: "Access token"
              sign_in: "Sign in"
              token_help: "Your channel manager sends you a personal access token."
              sign_out: "Sign out"
              your_kits: "Your kits"
              locale: "Language"
              files: "Files"
              size: "Size"
              built: "Built"
              download: "Download"
              empty: "No kits have been built for you yet."
              thanks_title: "Thank you"
              thanks_text: "We have received your details and will be in touch shortly."
              check_entry: "Please check your entry"
              rate_limited: "Too many submissions from your connection. Please try again in a minute."
              mdf_title: "Marketing funds"
              claim_submitted: "Your claim was received:"
              mdf_balances: "Your funds"
              no_allocation: "No marketing funds have been allocated to you yet."
              period: "Period"
              allocated: "Allocated"
              claimed: "Claimed"
              approved: "Approved"
              paid: "Paid"
              remaining: "Remaining"
              deadline: "Claim by"
              closed: "closed"
              your_claims: "Your claims"
              no_claims: "You have not claimed any funds yet."
              campaign: "Campaign"
              activity: "Activity"
              window: "Dates"
              amount: "Amount"
              status: "Status"
              reasons: "Reasons"
              new_claim: "Claim funds"
              activity_start: "First day of the activity"
              activity_end: "Last day of the activity"
              currency: "Currency"
              invoice: "Invoice reference"
              results: "Results you achieved"
              proofs: "Proof (invoice, screenshots)"
              proofs_help: "PDF or images, up to 10 MB each."
              submit_claim: "Submit claim"
              status_submitted: "Submitted"
              status_approved: "Approved"
              status_partial: "Partly approved"
              status_review: "In review"
              status_rejected: "Rejected"
              activity_email: "Email"
              activity_webinar: "Webinar"
              activity_event: "Event"
              activity_syndication: "Syndication"
              activity_paid_social: "Paid social"
              activity_other: "Other"
              result_emails_sent: "Emails sent"
              result_opens: "Opens"
              result_clicks: "Clicks"
              result_attendees: "Attendees"
              result_registrations: "Registrations"
              result_page_views: "Page views"
              result_leads: "Leads"
              result_impressions: "Impressions"
              form_expired: "This form has expired. Please sign in again."
              publish_failed: "Publishing did not work; your kits are unchanged. Please try again later or contact your channel manager."
              customise_title: "Customise"
              customise_help: "Change your details, logo and campaign texts. Saving shows a preview; publishing rebuilds your kits."
              nothing_to_customise: "There is nothing you can customise yet."
              profile_section: "Your details"
              needs_approval: "Changes to this field are checked by our team first."
              waiting_approval: "Waiting for approval:"
              field_contact_name: "Contact name"
              field_contact_email: "Contact email"
              field_phone: "Phone"
              field_address: "Postal address"
              field_website: "Website"
              field_primary_color: "Primary colour (#RRGGBB)"
              field_accent_color: "Accent colour (#RRGGBB)"
              field_timezone: "Time zone (such as Europe/Berlin)"
              field_logo: "Logo"
              logo_current: "Your current logo"
              logo_pending: "Your new logo"
              logo_help: "PNG, JPEG or SVG. SVG files are cleaned of scripts and links."
              default_choice: "Default"
              save_preview: "Save and preview"
              history: "Your changes"
              changed: "Changed"
              old_value: "Before"
              new_value: "After"
              when: "When"
              status_applied: "Applied"
              status_pending: "Waiting for approval"
              status_withdrawn: "Replaced"
              preview_title: "Preview and publish"
              saved: "Your changes are saved."
              waiting_count: "Waiting for approval:"
              logo_cleaned: "We removed scripts or links from your SVG logo."
              too_many: "Too many uploads or rebuilds. Please try again later."
              preview_kits: "Your kits with your changes"
              preview_with_pending: "This preview includes changes that are still waiting for approval."
              preview_without_pending: "Show only the changes in effect"
              preview_help: "The preview shows your changes in effect, exactly as publishing will build them."
              preview_show_pending: "Include changes waiting for approval"
              publish_title: "Publish"
              publish_help: "Publishing rebuilds all your kits with your changes in effect. It takes a few seconds."
              publish: "Publish my kits"
              back_to_customise: "Back to Customise"
              published: "Your kits are rebuilt with your changes."

            """,
        "Templates/_shared/portal/sign-in.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{t.portal.title}} | {{vendor.name}}</title></head>
            <body><main><h1>{{t.portal.title}}</h1>{{#error}}<p role="alert">{{t.portal.bad_token}}</p>{{/error}}{{#expired}}<p role="alert">{{t.portal.form_expired}}</p>{{/expired}}
            <form method="post" action="/portal/sign-in"><input type="hidden" name="csrf" value="{{csrf}}"><label for="token">{{t.portal.token}}</label>
            <input type="password" id="token" name="token" required autocomplete="off"><button type="submit">{{t.portal.sign_in}}</button></form>
            <p>{{t.portal.token_help}}</p></main></body></html>

            """,
        "Templates/_shared/portal/header.html.mustache": """
            <header><strong><bdi>{{partner.name}}</bdi></strong>
            <nav><a href="/portal">{{t.portal.your_kits}}</a> <a href="/portal/customise">{{t.portal.customise_title}}</a> <a href="/portal/mdf">{{t.portal.mdf_title}}</a></nav>
            <form method="post" action="/portal/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{t.portal.sign_out}}</button></form></header>

            """,
        "Templates/_shared/portal/kits.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{t.portal.your_kits}} | {{partner.name}}</title></head>
            <body>{{> _shared.portal.header.html}}
            <main><h1>{{t.portal.your_kits}}</h1>{{#published}}<p role="status">{{t.portal.published}}</p>{{/published}}{{#empty}}<p>{{t.portal.empty}}</p>{{/empty}}
            {{#campaigns}}<h2>{{title}}</h2><table><tr><th>{{t.portal.locale}}</th><th>{{t.portal.files}}</th><th>{{t.portal.size}}</th><th>{{t.portal.built}}</th><th></th></tr>
            {{#kits}}<tr><td>{{locale}}</td><td>{{files}}</td><td>{{size}}</td><td>{{built}}</td><td><a class="download" href="{{href}}">{{t.portal.download}}</a></td></tr>
            {{/kits}}</table>{{/campaigns}}</main></body></html>

            """,
        "Templates/_shared/portal/mdf.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{t.portal.mdf_title}} | {{partner.name}}</title></head>
            <body>{{> _shared.portal.header.html}}
            <main><h1>{{t.portal.mdf_title}}</h1>{{#notice}}<p role="status">{{t.portal.claim_submitted}} #{{id}}</p>{{/notice}}
            <h2>{{t.portal.mdf_balances}}</h2>{{#no_allocation}}<p>{{t.portal.no_allocation}}</p>{{/no_allocation}}
            {{^no_allocation}}<table><tr><th>{{t.portal.period}}</th><th>{{t.portal.allocated}}</th><th>{{t.portal.claimed}}</th><th>{{t.portal.approved}}</th><th>{{t.portal.paid}}</th><th>{{t.portal.remaining}}</th><th>{{t.portal.deadline}}</th></tr>
            {{#allocations}}<tr><td>{{period}}</td><td>{{allocated}}</td><td>{{claimed}}</td><td>{{approved}}</td><td>{{paid}}</td><td>{{remaining}}</td><td>{{deadline}}</td></tr>{{/allocations}}</table>{{/no_allocation}}
            <h2>{{t.portal.your_claims}}</h2>{{#no_claims}}<p>{{t.portal.no_claims}}</p>{{/no_claims}}
            {{^no_claims}}<table><tr><th>#</th><th>{{t.portal.campaign}}</th><th>{{t.portal.activity}}</th><th>{{t.portal.window}}</th><th>{{t.portal.amount}}</th><th>{{t.portal.status}}</th><th>{{t.portal.reasons}}</th></tr>
            {{#claims}}<tr id="claim-{{id}}"><td>{{id}}</td><td>{{campaign}}</td><td>{{activity}}</td><td>{{start}} – {{end}}</td><td>{{amount}}</td><td data-status="{{status}}">{{status_label}} {{approved}}</td>
            <td>{{#reasons}}<p>{{.}}</p>{{/reasons}}</td></tr>{{/claims}}</table>{{/no_claims}}
            {{^no_allocation}}{{#form}}<h2>{{t.portal.new_claim}}</h2>{{#error}}<p role="alert">{{t.portal.check_entry}}</p>{{/error}}
            <form method="post" action="/portal/mdf/claims" enctype="multipart/form-data">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="idempotency_key" value="{{idempotency_key}}">
            <label>{{t.portal.campaign}} <select name="campaign">{{#campaigns}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/campaigns}}</select></label>{{#errors.campaign}}<p>{{.}}</p>{{/errors.campaign}}
            <label>{{t.portal.activity}} <select name="activity">{{#activities}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/activities}}</select></label>{{#errors.activity}}<p>{{.}}</p>{{/errors.activity}}
            <label>{{t.portal.activity_start}} <input type="date" name="activity_start" value="{{activity_start}}"></label>{{#errors.activity_start}}<p>{{.}}</p>{{/errors.activity_start}}
            <label>{{t.portal.activity_end}} <input type="date" name="activity_end" value="{{activity_end}}"></label>{{#errors.activity_end}}<p>{{.}}</p>{{/errors.activity_end}}
            <label>{{t.portal.amount}} <input name="amount" value="{{amount}}"></label> <select name="currency" aria-label="{{t.portal.currency}}">{{#currencies}}<option{{#selected}} selected{{/selected}}>{{code}}</option>{{/currencies}}</select>{{#errors.amount}}<p>{{.}}</p>{{/errors.amount}}
            <label>{{t.portal.invoice}} <input name="invoice" value="{{invoice}}"></label>{{#errors.invoice}}<p>{{.}}</p>{{/errors.invoice}}
            <fieldset><legend>{{t.portal.results}}</legend>{{#results}}<label>{{label}} <input type="number" min="0" name="results.{{name}}" value="{{value}}"></label> {{/results}}{{#errors.results}}<p>{{.}}</p>{{/errors.results}}</fieldset>
            <label>{{t.portal.proofs}} <input type="file" name="proofs" multiple></label>{{#errors.proofs}}<p>{{.}}</p>{{/errors.proofs}}
            <button type="submit">{{t.portal.submit_claim}}</button></form>{{/form}}{{/no_allocation}}</main></body></html>

            """,
        "Templates/_shared/portal/customise.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{t.portal.customise_title}} | {{partner.name}}</title></head>
            <body>{{> _shared.portal.header.html}}
            <main><h1>{{t.portal.customise_title}}</h1>{{#error}}<p role="alert">{{t.portal.check_entry}}</p>{{/error}}{{#nothing}}<p>{{t.portal.nothing_to_customise}}</p>{{/nothing}}
            {{^nothing}}<form method="post" action="/portal/customise" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{csrf}}">
            <h2>{{t.portal.profile_section}}</h2>{{#profile}}<label>{{label}} {{#textarea}}<textarea name="{{name}}">{{value}}</textarea>{{/textarea}}{{#input}}<input type="{{type}}" name="{{name}}" value="{{value}}">{{/input}}</label>
            {{#pending}}<p>{{t.portal.waiting_approval}} {{.}}</p>{{/pending}}{{#note}}<p>{{.}}</p>{{/note}}{{#error}}<p>{{.}}</p>{{/error}}{{/profile}}
            {{#logo}}<label>{{t.portal.field_logo}} <input type="file" name="logo" accept="image/png,image/jpeg,image/svg+xml"></label>{{#error}}<p>{{.}}</p>{{/error}}{{/logo}}
            {{#campaigns}}<h2>{{title}}</h2>{{#fields}}<label>{{label}} {{#select}}<select name="{{name}}"><option value="">{{t.portal.default_choice}}</option>{{#choices}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/choices}}</select>{{/select}}{{#textarea}}<textarea name="{{name}}" placeholder="{{placeholder}}">{{value}}</textarea>{{/textarea}}{{#input}}<input type="{{type}}" name="{{name}}" value="{{value}}" placeholder="{{placeholder}}">{{/input}}</label>
            {{#pending}}<p>{{t.portal.waiting_approval}} {{.}}</p>{{/pending}}{{#error}}<p>{{.}}</p>{{/error}}{{/fields}}{{/campaigns}}
            <button type="submit">{{t.portal.save_preview}}</button></form>{{/nothing}}
            {{#has_history}}<h2>{{t.portal.history}}</h2><table>{{#history}}<tr><td>{{subject}}</td><td>{{old}}</td><td>{{new}}</td><td data-status="{{status}}">{{status_label}}</td><td>{{at}}</td></tr>{{/history}}</table>{{/has_history}}</main></body></html>

            """,
        "Templates/_shared/portal/preview.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8"><title>{{t.portal.preview_title}} | {{partner.name}}</title></head>
            <body>{{> _shared.portal.header.html}}
            <main><h1>{{t.portal.preview_title}}</h1>{{#saved}}<p role="status">{{t.portal.saved}}</p>{{/saved}}{{#limited}}<p role="alert">{{t.portal.too_many}}</p>{{/limited}}{{#failed}}<p role="alert">{{t.portal.publish_failed}}</p>{{/failed}}
            <p>{{t.portal.preview_help}}{{#has_pending}} <a href="/portal/preview?pending=1">{{t.portal.preview_show_pending}}</a>{{/has_pending}}</p>
            <ul>{{#kits}}<li><a class="preview" href="{{href}}">{{title}} · {{locale}}</a></li>{{/kits}}</ul>
            <form method="post" action="/portal/publish"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{t.portal.publish}}</button></form></main></body></html>

            """,
        "Templates/_shared/portal/lead.html.mustache": """
            <!DOCTYPE html>
            <html lang="{{locale.tag}}" dir="{{locale.dir}}"><head><meta charset="utf-8">
            <title>{{#error}}{{t.portal.check_entry}}{{/error}}{{^error}}{{t.portal.thanks_title}}{{/error}}</title></head>
            <body><main>{{#error}}<h1>{{t.portal.check_entry}}</h1><p role="alert">{{message}}</p>{{/error}}
            {{^error}}<h1>{{t.portal.thanks_title}}</h1><p>{{t.portal.thanks_text}}</p>{{#partner.name}}<p><bdi>{{partner.name}}</bdi></p>{{/partner.name}}{{/error}}</main></body></html>

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
            {{#is_html}}<iframe {{#srcdoc}}srcdoc="{{srcdoc}}"{{/srcdoc}}{{^srcdoc}}src="{{path}}"{{/srcdoc}} title="{{path}}" sandbox="allow-same-origin" style="width:100%;height:400px"></iframe>{{/is_html}}{{#is_image}}<img src="{{path}}" alt="{{path}}">{{/is_image}}{{#text}}<pre>{{text}}</pre>{{/text}}</section>
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
