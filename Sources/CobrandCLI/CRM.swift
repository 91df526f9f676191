import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct CRM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The CRM's word on deals and leads: import an export of stage changes and lead qualifications.",
            discussion: """
            A CRM that can call a webhook posts to /api/crm/updates (see the README); one that can only export writes the same fields as CSV.
            Example:
              cobrand crm import closed-won.csv
            """,
            subcommands: [Import.self]
        )
    }
}

extension Cobrand.CRM {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a CSV of CRM updates: all rows or none, each bad row named; events applied before are skipped.",
            discussion: """
            The first row names the columns, in any order. Example:
              event_id,type,deal_id,lead_id,crm_id,stage,status,amount,currency,close_date,updated_at
              opp-77-3,deal,12,,006Qx00001,won,,48000.00,EUR,2026-11-20,2026-11-20T09:30:00Z
              lead-9-q,lead,,31,00Qx0042,,qualified,,,,2026-11-02T08:00:00Z
            """)

        @OptionGroup var options: DatabaseOptions

        @Argument(help: ArgumentHelp("The CSV file (columns: \(CRMUpdate.fields.joined(separator: ", "))).", valueName: "file"))
        var file: String

        func run() async throws {
            guard FileManager.default.fileExists(atPath: file) else { throw UserError("\(file) does not exist; give the path of the CRM's CSV export") }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw UserError("cannot read \(file) as UTF-8 text; export the CRM report as CSV (UTF-8)")
            }
            let rows: [(line: Int, update: CRMUpdate)]
            do { rows = try CRMUpdate.parseCSV(text, file: file, now: Date()) } catch { throw UserError(error.description) }
            let database = try await options.openDatabase()
            let results: [CRMUpdate.Result]
            do { results = try await database.applyCRM(rows.map(\.update), now: Date()) } catch {
                let event: String?, message: String
                switch error {
                case let error as CRMUnknownTarget: (event, message) = (error.eventID, error.description)
                case let error as CRMUpdateError: (event, message) = (error.eventID, error.description)
                default: throw error
                }
                let line = rows.first { $0.update.eventID == event }.map { "\(file):\($0.line): " } ?? "\(file): "
                throw UserError(line + message + "\nnothing was imported; fix the row and import the file again")
            }
            let counts = Dictionary(grouping: results, by: \.self).mapValues(\.count)
            print("\(file): \(rows.count) update(s): \(counts[.applied] ?? 0) applied, \(counts[.duplicate] ?? 0) already applied, \(counts[.stale] ?? 0) older than what is known")
        }
    }
}
