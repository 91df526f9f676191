import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct Leads: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Leads captured by landing pages and webinar registrations.",
            discussion: """
            Example:
              cobrand leads list --partner rheinwerk --format csv --out leads.csv
            """,
            subcommands: [List.self]
        )
    }
}

extension Cobrand.Leads {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List or export leads, newest first: a table, or CSV/JSON for CRMs without a webhook.",
            discussion: """
            JSON carries each lead as the CRM webhook does.

            Example:
              cobrand leads list --format json --out leads.json
            """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @OptionGroup var options: DatabaseOptions

        @Option(help: ArgumentHelp("Only this partner.", valueName: "id"))
        var partner: String?

        @Option(help: "Output format: table, csv or json.")
        var format: Format = .table

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
        var out: String?


        func run() async throws {
            let leads = try await options.openDatabase().leads(partner: partner)
            let text: String
            switch format {
            case .json:
                let data = try JSONSerialization.data(withJSONObject: leads.map { AppDatabase.payload($0) },
                                                      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                text = String(decoding: data, as: UTF8.self) + "\n"
            case .csv:
                text = ([AppDatabase.leadColumns] + leads.map(\.fields)).map(CSV.line).joined()
            case .table:
                text = leads.map { lead in
                    [String(lead.id), lead.partner, lead.email, lead.companyDomain ?? "-", lead.campaign, lead.source,
                     Timestamp.iso8601(lead.createdAt)].joined(separator: "\t") + "\n"
                }.joined() + "\(leads.count) lead(s)\n"
            }
            try emit(text, to: out, summary: "\(leads.count) lead(s)")
        }
    }
}

/// Prints `text`, or writes it atomically to `out` and says so on standard error.
func emit(_ text: String, to out: String?, summary: String) throws {
    guard let out else { return print(text, terminator: "") }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
    } catch {
        throw UserError("cannot write \(out): \(error.localizedDescription)")
    }
    printError("Wrote \(summary) to \(out).")
}
