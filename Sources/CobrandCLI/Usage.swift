import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Asset use from the database.",
            discussion: """
            Example:
              cobrand usage report --from 2027-03-01 --to 2027-03-31 --format csv
            """,
            subcommands: [Report.self]
        )
    }
}

extension Cobrand.Usage {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Opens, clicks, views, downloads and distinct visitors per partner, campaign, asset and locale.",
            discussion: """
            Days are UTC and both ends are included; the default is the last 30 days.

            Example:
              cobrand usage report --partner rheinwerk --format json
            """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @OptionGroup var options: DatabaseOptions

        @Option(help: ArgumentHelp("First day, YYYY-MM-DD.", valueName: "day"))
        var from: String?

        @Option(help: ArgumentHelp("Last day, YYYY-MM-DD.", valueName: "day"))
        var to: String?

        @Option(help: ArgumentHelp("Only this partner.", valueName: "id"))
        var partner: String?

        @Option(help: "Output format: table, csv or json.")
        var format: Format = .table


        static func day(_ text: String, option: String) throws -> Date {
            guard let components = SendSchedule.day(text), let date = Calendar.utcGregorian.date(from: components) else {
                throw ValidationError("--\(option) '\(text)' is not a day; write YYYY-MM-DD")
            }
            return date
        }

        func validate() throws {
            if let from { _ = try Self.day(from, option: "from") }
            if let to { _ = try Self.day(to, option: "to") }
        }

        func run() async throws {
            let today = Calendar.utcGregorian.startOfDay(for: Date())
            let until = try to.map { try Self.day($0, option: "to") }.map { $0.addingTimeInterval(86_400) } ?? today.addingTimeInterval(86_400)
            let start = try from.map { try Self.day($0, option: "from") } ?? until.addingTimeInterval(-30 * 86_400)
            guard start < until else { throw UserError("--from must not be after --to") }
            let rows = try await options.openDatabase().usage(from: start, until: until, partner: partner)
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            case .csv:
                let header = AppDatabase.usageColumns
                print(([header] + rows.map(\.fields)).map(CSV.line).joined(), terminator: "")
            case .table:
                for row in rows { print(row.fields.joined(separator: "\t")) }
                print("\(rows.count) row(s), \(rows.reduce(0) { $0 + $1.opens + $1.clicks + $1.views + $1.downloads }) event(s)")
            }
        }
    }
}
