import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// The admin pages: plain server-rendered HTML for the vendor's own staff, usable without JavaScript.
/// Every value from the database is escaped.
enum AdminPage {
    struct Range {
        let from: Date
        /// The last day included.
        let to: Date
        let partner: String?

        /// The query string of this range in `format`.
        func query(_ format: String) -> String {
            var items = [URLQueryItem(name: "from", value: Self.day(from)), URLQueryItem(name: "to", value: Self.day(to))]
            if let partner { items.append(URLQueryItem(name: "partner", value: partner)) }
            items.append(URLQueryItem(name: "format", value: format))
            var components = URLComponents()
            components.queryItems = items
            return components.percentEncodedQuery ?? ""
        }

        static func day(_ date: Date) -> String {
            let parts = Calendar.utcGregorian.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
    }

    static func signIn(error: String?, csrf: String) -> Response {
        html(title: "Admin sign-in", body: """
            <main class="narrow">
            <h1>Admin sign-in</h1>
            \(error.map { #"<p class="error" role="alert">\#($0.htmlEscaped)</p>"# } ?? "")
            <form method="post" action="/admin/sign-in">
            <input type="hidden" name="csrf" value="\(csrf.htmlEscaped)">
            <label for="token">Admin token</label>
            <input type="password" id="token" name="token" required autocomplete="off">
            <button type="submit">Sign in</button>
            </form>
            <p>An admin token comes from <code>cobrand admin token</code> on the server.</p>
            </main>
            """)
    }

    /// The bar above every signed-in page: where to go, and signing out (with the form token).
    static func header(csrf: String) -> String {
        """
        <header><strong>Cobrand admin</strong>
        <nav><a href="/admin/usage?format=html">Usage</a> <a href="/admin/changes">Partner changes</a></nav>
        <form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="\(csrf.htmlEscaped)"><button type="submit">Sign out</button></form></header>
        """
    }

    static func usage(_ rows: [AppDatabase.UsageRow], range: Range, csrf: String) -> Response {
        let cells = rows.map { "<tr>" + $0.fields.map { "<td>\($0.htmlIsolated)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        let totals = [rows.map(\.opens), rows.map(\.clicks), rows.map(\.views), rows.map(\.downloads)].map { String($0.reduce(0, +)) }
        return html(title: "Usage", body: """
            \(header(csrf: csrf))
            <main>
            <h1>Usage</h1>
            <form class="filters" method="get" action="/admin/usage">
            <input type="hidden" name="format" value="html">
            <label>From <input type="date" name="from" value="\(Range.day(range.from))"></label>
            <label>To <input type="date" name="to" value="\(Range.day(range.to))"></label>
            <label>Partner <input type="text" name="partner" value="\((range.partner ?? "").htmlEscaped)" placeholder="all"></label>
            <button type="submit">Show</button>
            </form>
            <p>Download: <a href="/admin/usage?\(range.query("csv").htmlEscaped)">CSV</a> · <a href="/admin/usage?\(range.query("json").htmlEscaped)">JSON</a></p>
            <table>
            <thead><tr>\(AppDatabase.usageColumns.map { "<th>\($0)</th>" }.joined())</tr></thead>
            <tbody>
            \(cells)
            </tbody>
            <tfoot><tr><th colspan="4">Total (\(rows.count) rows)</th>\(totals.map { "<th>\($0)</th>" }.joined())<th></th></tr></tfoot>
            </table>
            </main>
            """)
    }

    /// A period's claims with their decisions and reasons, and a button that reconciles the period again.
    static func claims(_ claims: [AppDatabase.Claim], proofs: [Int64: [AppDatabase.Proof]], period: String, csrf: String) -> Response {
        let rows = claims.map { claim -> String in
            let reasons = (claim.reasons.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? [])
                .map { "<li>\($0.htmlIsolated)</li>" }.joined()
            let approved = claim.approvedMinor.map { Money(amountMinor: $0, currency: claim.currency).majorText } ?? ""
            let cells = [String(claim.id), claim.partner, claim.campaign, claim.activity, "\(claim.activityStart)..\(claim.activityEnd)",
                         "\(claim.amount.majorText) \(claim.currency)", claim.status.rawValue, approved].map { "<td>\($0.htmlIsolated)</td>" }.joined()
            let files = (proofs[claim.id] ?? []).map { #"<a href="/admin/mdf/proofs/\#($0.sha256)">\#($0.name.htmlIsolated)</a>"# }.joined(separator: "<br>")
            return "<tr>\(cells)<td><ul>\(reasons)</ul></td><td>\(files)</td></tr>"
        }.joined(separator: "\n")
        return html(title: "MDF claims", body: """
            \(header(csrf: csrf))
            <main>
            <h1>MDF claims \(period.htmlEscaped)</h1>
            <form method="post" action="/admin/mdf/reconcile"><input type="hidden" name="period" value="\(period.htmlEscaped)">
            <input type="hidden" name="csrf" value="\(csrf.htmlEscaped)">
            <button type="submit">Reconcile \(period.htmlEscaped)</button></form>
            <p><a href="/admin/mdf/report?period=\(period.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")">Report</a></p>
            <table>
            <thead><tr><th>claim</th><th>partner</th><th>campaign</th><th>activity</th><th>window</th><th>claimed</th><th>decision</th><th>approved</th><th>reasons</th><th>proofs</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            </main>
            """)
    }

    /// Partners' changes waiting for approval, each with approve and reject buttons, and the latest decisions.
    static func changes(pending: [AppDatabase.FieldChange], recent: [AppDatabase.FieldChange], csrf: String) -> Response {
        func cells(_ change: AppDatabase.FieldChange) -> String {
            // A logo is shown, so it can be judged before it is approved.
            func value(_ text: String?) -> String {
                guard let text else { return "" }
                let image = change.field == "logo" && change.campaign.isEmpty && text.wholeMatch(of: /[0-9a-f]{64}\.(png|jpg|svg)/) != nil
                return image ? #"<img src="/admin/logos/\#(text)" alt="logo \#(text.prefix(12))" style="max-height:48px;max-width:200px"><br><small>\#(text.prefix(12))</small>"#
                    : text.htmlIsolated
            }
            let plain = [String(change.id), change.partner, change.subject].map { "<td>\($0.htmlIsolated)</td>" }.joined()
            return plain + "<td>\(value(change.oldValue))</td><td>\(value(change.newValue))</td>"
                + [change.actor, Timestamp.iso8601(change.createdAt)].map { "<td>\($0.htmlIsolated)</td>" }.joined()
        }
        let token = #"<input type="hidden" name="csrf" value="\#(csrf.htmlEscaped)">"#
        let waiting = pending.map { change in
            """
            <tr>\(cells(change))<td><form method="post" action="/admin/changes/\(change.id)/approve">\(token)<button type="submit">Approve</button></form>
            <form method="post" action="/admin/changes/\(change.id)/reject">\(token)<input type="text" name="note" placeholder="Why (the partner sees it)" aria-label="Reason for #\(change.id)">
            <button type="submit">Reject</button></form></td></tr>
            """
        }.joined(separator: "\n")
        let decided = recent.map { change in
            "<tr>\(cells(change))<td>\(change.status.rawValue)\(change.decidedBy.map { " by \($0.htmlIsolated)" } ?? "")\(change.note.map { ": \($0.htmlIsolated)" } ?? "")</td></tr>"
        }.joined(separator: "\n")
        let head = "<thead><tr><th>#</th><th>partner</th><th>field</th><th>old</th><th>new</th><th>by</th><th>at</th><th></th></tr></thead>"
        return html(title: "Partner changes", body: """
            \(header(csrf: csrf))
            <main>
            <h1>Partner changes</h1>
            <h2>Waiting for approval</h2>
            \(pending.isEmpty ? "<p>Nothing is waiting.</p>" : "<table class=\"pending\">\(head)<tbody>\n\(waiting)\n</tbody></table>")
            <p>An approved change takes effect at the partner's next publish or the next <code>cobrand build</code>.</p>
            <h2>Latest</h2>
            <table class="recent">\(head)<tbody>
            \(decided)
            </tbody></table>
            </main>
            """)
    }

    static func html(title: String, body: String) -> Response {
        let page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) | Cobrand admin</title>
            <style>
            body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#1A1A1A;background:#F3F5F8}
            header{display:flex;justify-content:space-between;align-items:center;background:#1A1A1A;color:#FFFFFF;padding:12px 24px}
            header nav a{color:#FFFFFF;margin-inline-end:16px}
            td form{display:inline}
            header form{margin:0}
            main{max-width:1100px;margin:0 auto;padding:16px 24px}
            main.narrow{max-width:420px;margin:10vh auto;background:#FFFFFF;border-radius:6px}
            table{border-collapse:collapse;width:100%;background:#FFFFFF}
            th,td{text-align:start;padding:6px 8px;border-bottom:1px solid #E1E4E8}
            .filters label{margin-inline-end:12px}
            .error{color:#B00020}
            a{color:#0A58CA}
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
