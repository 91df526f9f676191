import ArgumentParser
import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation

extension Cobrand {
    struct FunnelCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "funnel",
            abstract: "The funnel from impressions to won revenue, per partner, campaign, locale and asset, with MDF spent.",
            discussion: """
            Example:
              cobrand funnel report --from 2027-01-01 --to 2027-03-31 --format csv --out funnel.csv
            """,
            subcommands: [Report.self]
        )
    }
}

extension Cobrand.FunnelCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the funnel: a row per partner x campaign x locale x asset, and a total row (locale and asset *) per partner x campaign.",
            discussion: """
            Example:
              cobrand funnel report --partner rheinwerk --format json
            """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, svg }

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Only this partner.", valueName: "id")) var partner: String?
        @Option(help: ArgumentHelp("First day (YYYY-MM-DD) of events, leads, deals and claims counted; default: all.", valueName: "day")) var from: String?
        @Option(help: ArgumentHelp("Last day (YYYY-MM-DD), included; default: all.", valueName: "day")) var to: String?
        @Option(help: "Output format: table, csv, json or svg (the chart of the totals).") var format: Format = .table
        @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file")) var out: String?

        func run() async throws {
            let range: Funnel.Range
            do { range = try Funnel.Range(from: from, to: to) } catch { throw UserError("--\(error.field): \(error.message)") }
            let rows = try await FunnelReport.rows(try await options.openDatabase(), partner: partner, range: range)
            let text: String
            switch format {
            case .csv: text = ([Funnel.Row.columns] + rows.map(\.fields)).map(CSV.line).joined()
            case .json:
                text = String(decoding: try JSONSerialization.data(withJSONObject: ["rows": rows.map(\.object)], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                              as: UTF8.self) + "\n"
            case .svg: text = Funnel.svg(Funnel.total(rows), title: partner.map { "Funnel of \($0)" } ?? "Funnel of every partner") + "\n"
            case .table:
                text = ([Funnel.Row.columns] + rows.map(\.fields)).map { $0.map { $0.isEmpty ? "-" : $0 }.joined(separator: "\t") + "\n" }.joined()
                    + "\(rows.filter { !$0.isTotal }.count) row(s) and \(rows.filter(\.isTotal).count) total(s)\n"
            }
            try emit(text, to: out, summary: "the funnel (\(rows.filter { !$0.isTotal }.count) row(s) and \(rows.filter(\.isTotal).count) total(s))")
        }
    }
}
