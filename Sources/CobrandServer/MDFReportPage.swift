import CobrandCore
import CobrandStore
import Foundation

/// The MDF report as a self-contained HTML page: a bar chart per currency (allocated against approved,
/// server-rendered SVG, no script) and the report table. Every value is escaped.
public enum MDFReportPage {
    public static func html(_ rows: [AppDatabase.MDFReportRow], period: String) -> String {
        let charts = Dictionary(grouping: rows, by: \.currency).keys.sorted().map { currency in
            chart(rows.filter { $0.currency == currency }, currency: currency)
        }.joined(separator: "\n")
        let cells = rows.map { "<tr>" + $0.fields.map { "<td>\($0.htmlIsolated)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>MDF \(period.htmlEscaped) | Cobrand admin</title>
            <style>
            body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#1A1A1A;background:#F3F5F8}
            main{max-width:1100px;margin:0 auto;padding:16px 24px}
            table{border-collapse:collapse;width:100%;background:#FFFFFF}
            th,td{text-align:start;padding:6px 8px;border-bottom:1px solid #E1E4E8}
            figure{background:#FFFFFF;margin:16px 0;padding:12px}
            </style></head>
            <body><main>
            <h1>MDF \(period.htmlEscaped)</h1>
            \(charts)
            <table>
            <thead><tr>\(AppDatabase.mdfReportColumns.map { "<th>\($0)</th>" }.joined())</tr></thead>
            <tbody>
            \(cells)
            </tbody>
            </table>
            </main></body></html>

            """
    }

    /// Horizontal bars, the 25 largest allocations: allocated (light) with approved (dark) over it.
    static func chart(_ rows: [AppDatabase.MDFReportRow], currency: String) -> String {
        func minor(_ text: String) -> Int64 { Money(major: text, currency: currency)?.amountMinor ?? 0 }
        let top = rows.sorted { (minor($0.allocated), $1.partner) > (minor($1.allocated), $0.partner) }.prefix(25)
        let scale = max(1, top.map { minor($0.allocated) }.max() ?? 1)
        let width = 600, label = 180, bar = 18, gap = 8
        let height = top.count * (bar + gap) + 30
        let bars = top.enumerated().map { index, row -> String in
            let y = 24 + index * (bar + gap)
            let allocated = Int(minor(row.allocated) * Int64(width) / scale), approved = Int(min(minor(row.approved), scale) * Int64(width) / scale)
            return """
                <text x="\(label - 6)" y="\(y + 13)" text-anchor="end" font-size="12">\(row.partner.htmlEscaped)</text>\
                <rect x="\(label)" y="\(y)" width="\(allocated)" height="\(bar)" fill="#BFD4FF"><title>allocated \(row.allocated.htmlEscaped) \(currency)</title></rect>\
                <rect x="\(label)" y="\(y)" width="\(approved)" height="\(bar)" fill="#0B5FFF"><title>approved \(row.approved.htmlEscaped) \(currency)</title></rect>
                """
        }.joined(separator: "\n")
        return """
            <figure><svg xmlns="http://www.w3.org/2000/svg" width="\(label + width + 20)" height="\(height)" role="img" aria-label="Allocated and approved MDF in \(currency)">
            <text x="0" y="14" font-size="13" font-weight="bold">\(currency): allocated (light) and approved (dark)</text>
            \(bars)
            </svg></figure>
            """
    }
}
