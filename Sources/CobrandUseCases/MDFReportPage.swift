import CobrandCore
import CobrandStore
import Foundation

/// The MDF report's chart per currency: allocated against approved, server-rendered SVG, no script.
/// Every value is escaped.
public enum MDFReportPage {
    /// The report template's model: a chart per currency, the columns and the rows.
    public static func model(_ rows: [AppDatabase.MDFReportRow], period: String) -> [String: Any] {
        let charts = Dictionary(grouping: rows, by: \.currency).keys.sorted().map { currency in chart(rows.filter { $0.currency == currency }, currency: currency) }
        return ["period": period, "charts": charts, "columns": MDFReportRow.columns, "rows": rows.map { ["cells": $0.fields] }]
    }

    /// Horizontal bars, the 25 largest allocations: allocated (light) with approved (dark) over it.
    static func chart(_ rows: [AppDatabase.MDFReportRow], currency: String) -> String {
        let top = rows.sorted { ($0.balance.allocated.amountMinor, $1.partner) > ($1.balance.allocated.amountMinor, $0.partner) }.prefix(25)
        let scale = max(1, top.map(\.balance.allocated.amountMinor).max() ?? 1)
        let width = 600, label = 180, bar = 18, gap = 8
        let height = top.count * (bar + gap) + 30
        let bars = top.enumerated().map { index, row -> String in
            let y = 24 + index * (bar + gap)
            let allocated = Int(row.balance.allocated.amountMinor * Int64(width) / scale)
            let approved = Int(min(row.balance.approved.amountMinor, scale) * Int64(width) / scale)
            return """
                <text x="\(label - 6)" y="\(y + 13)" text-anchor="end" font-size="12">\(row.partner.htmlEscaped)</text>\
                <rect x="\(label)" y="\(y)" width="\(allocated)" height="\(bar)" fill="#BFD4FF"><title>allocated \(row.allocated.htmlEscaped) \(currency.htmlEscaped)</title></rect>\
                <rect x="\(label)" y="\(y)" width="\(approved)" height="\(bar)" fill="#0B5FFF"><title>approved \(row.approved.htmlEscaped) \(currency.htmlEscaped)</title></rect>
                """
        }.joined(separator: "\n")
        return """
            <figure><svg xmlns="http://www.w3.org/2000/svg" width="\(label + width + 20)" height="\(height)" role="img" aria-label="Allocated and approved MDF in \(currency.htmlEscaped)">
            <text x="0" y="14" font-size="13" font-weight="bold">\(currency.htmlEscaped): allocated (light) and approved (dark)</text>
            \(bars)
            </svg></figure>
            """
    }
}
