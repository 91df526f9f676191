import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct SuppressionList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suppression",
            abstract: "Addresses that unsubscribed from partners' emails: import them into every ESP before a send.",
            discussion: """
            Each email's unsubscribe link adds the recipient to its partner's list (one row per address and partner),
            and sends an `unsubscribe` event to the CRM. Partners download their own list from the portal.

            Examples:
              cobrand suppression list --partner rheinwerk
              cobrand suppression export --partner rheinwerk --out rheinwerk-suppression.csv
            """,
            subcommands: [List.self, Export.self]
        )
    }
}

extension Cobrand.SuppressionList {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the suppression list: partner, address, campaign, source and time.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Only this partner.", valueName: "id")) var partner: String?

        func run() async throws {
            let rows = try await options.openDatabase().suppressions(partner: partner)
            print(rows.map { ([$0.partner] + $0.fields).joined(separator: "\t") + "\n" }.joined() + "\(rows.count) address(es)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the suppression list as CSV (partner, email, campaign, source, unsubscribed_at), for an ESP's import.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Only this partner.", valueName: "id")) var partner: String?
        @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file")) var out: String?

        func run() async throws {
            let rows = try await options.openDatabase().suppressions(partner: partner)
            let text = ([["partner"] + Suppression.columns] + rows.map { [$0.partner] + $0.fields }).map(CSV.line).joined()
            try emit(text, to: out, summary: "\(rows.count) address(es)")
        }
    }
}
