import ArgumentParser
import CobrandCore
import CobrandStore
import CobrandUseCases
import CobrandFiles
import Foundation

/// The vendor's side of partner self-service: what partners changed, approving what waits, and exporting
/// the changes to fold them back into the roster.
extension Cobrand.Partners {
    struct Overrides: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show partners' own changes in effect, or export them as roster rows.",
            discussion: """
            --export writes partners.csv rows (every roster column) for each partner who changed their profile, \
            with the changes applied; uploaded logos are copied beside it into partners/<id>.<ext>, named in the \
            logo column. Replace those rows in Assets/partners.csv and copy the logos into Assets/partners/.

            Examples:
              cobrand partners overrides
              cobrand partners overrides --export roster-updates.csv
            """
        )

        @OptionGroup var options: DatabaseOptions

        @Option(help: ArgumentHelp("Only this partner.", valueName: "id"))
        var partner: String?

        @Option(help: ArgumentHelp("Write roster rows to this CSV file instead of listing.", valueName: "file"))
        var export: String?

        func run() async throws {
            let (project, _) = try options.project.load()
            let database = try await options.project.openDatabase(options.db)
            let overrides = try await database.overrides(partner: partner)
            let logoFolder = options.project.logoFolder(options.db)
            guard let export else {
                for (id, changes) in overrides.sorted(by: { $0.key < $1.key }) {
                    let row = project.partners.first { $0.id == id }?.rosterRow ?? [:]
                    for (column, value) in changes.profile.sorted(by: { $0.key < $1.key }) {
                        print("\(id)  \(column): \(Self.shown(row[column])) -> \(Self.shown(value))")
                    }
                    for (campaign, locales) in changes.slots.sorted(by: { $0.key < $1.key }) {
                        for (locale, fields) in locales.sorted(by: { $0.key < $1.key }) {
                            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                                print("\(id)  \(campaign).\(field)\(locale.isEmpty ? "" : " (\(locale))"): \(Self.shown(value))")
                            }
                        }
                    }
                }
                if overrides.isEmpty { printError("No partner has changed anything in the portal.") }
                return
            }
            let changed = overrides.filter { !$0.value.profile.isEmpty }
            let (applied, stale) = try await PartnerChanges.applied(to: project, database: database, logos: BlobStore(folder: logoFolder), partner: partner)
            for diagnostic in stale { printError(diagnostic.description) }
            let out = URL(fileURLWithPath: export)
            let columns = Roster.requiredColumns + Roster.optionalColumns
            var csv = CSV.line(columns)
            for partner in applied.partners where changed[partner.id] != nil {
                var row = partner.rosterRow
                if let logo = changed[partner.id]?.profile["logo"], let data = BlobStore(folder: logoFolder).get(logo) {
                    let name = "\(partner.id).\((logo as NSString).pathExtension)"
                    let folder = out.deletingLastPathComponent().appendingPathComponent("partners", isDirectory: true)
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    try data.write(to: folder.appendingPathComponent(name), options: .atomic)
                    row["logo"] = name
                }
                csv += CSV.line(columns.map { row[$0] ?? "" })
            }
            try emit(csv, to: export, summary: "\(changed.count) partner row(s)")
        }

        static func shown(_ value: String?) -> String { value.map { $0.isEmpty ? "(empty)" : "\"\($0)\"" } ?? "(none)" }
    }

    struct Changes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List partners' changes from the portal: who, when, old and new, and their status.",
            discussion: """
            Examples:
              cobrand partners changes --pending
              cobrand partners changes --partner rheinwerk --json
            """
        )

        @OptionGroup var options: DatabaseOptions

        @Option(help: ArgumentHelp("Only this partner.", valueName: "id"))
        var partner: String?

        @Flag(help: "Only changes waiting for approval.")
        var pending = false

        @Flag(help: "JSON instead of lines.")
        var json = false

        func run() async throws {
            let database = try await options.project.openDatabase(options.db)
            let changes = try await database.changes(partner: partner, status: pending ? .pending : nil)
            if json {
                let rows: [[String: Any]] = changes.map { change in
                    [
                        "id": change.id, "partner": change.partner, "campaign": change.campaign, "locale": change.locale, "field": change.field,
                        "old": change.oldValue as Any? ?? NSNull(), "new": change.newValue, "status": change.status.rawValue, "actor": change.actor,
                        "at": Timestamp.iso8601(change.createdAt), "decided_by": change.decidedBy as Any? ?? NSNull(),
                        "decided_at": change.decidedAt.map(Timestamp.iso8601) as Any? ?? NSNull(), "note": change.note as Any? ?? NSNull(),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            for change in changes { print(Self.describe(change)) }
            if changes.isEmpty { printError(pending ? "No change is waiting for approval." : "No changes.") }
        }

        static func describe(_ change: AppDatabase.FieldChange) -> String {
            var line = "#\(change.id) \(change.status.rawValue)  \(change.partner)  \(change.subject): "
                + "\(Overrides.shown(change.oldValue)) -> \(Overrides.shown(change.newValue))  by \(change.actor) at \(Timestamp.iso8601(change.createdAt))"
            if let by = change.decidedBy, change.status != .applied { line += ", \(change.status.rawValue) by \(by)" }
            if let note = change.note { line += " (\(note))" }
            return line
        }
    }

    /// Which pending changes a decision is about, and its note.
    struct Decision: ParsableArguments {
        @OptionGroup var options: DatabaseOptions

        @Argument(help: ArgumentHelp("Partner id.", valueName: "id"))
        var partner: String

        @Option(name: .customLong("change"), help: ArgumentHelp("Only this change (repeatable).", valueName: "n"))
        var changes: [Int64] = []

        @Option(help: ArgumentHelp("A note kept with the decision; the partner sees it in the portal.", valueName: "text"))
        var note: String?

        func decide(approve: Bool) async throws {
            let database = try await options.project.openDatabase(options.db)
            let pending = try await database.changes(partner: partner, status: .pending)
            if let missing = changes.first(where: { id in !pending.contains { $0.id == id } }) {
                throw UserError("change \(missing) is not a pending change of \(partner); cobrand partners changes --pending lists them")
            }
            let chosen = changes.isEmpty ? pending : pending.filter { changes.contains($0.id) }
            guard !chosen.isEmpty else { throw UserError("\(partner) has no change waiting for approval") }
            for change in chosen {
                let decided = try await database.decide(change: change.id, approve: approve, by: Cobrand.MDF.actor, note: note, now: Date())
                print(Changes.describe(decided))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a partner's pending changes (all of them, or the --change ids); they take effect at the partner's next publish or build.",
            discussion: """
            Examples:
              cobrand partners approve rheinwerk
              cobrand partners approve rheinwerk --change 12 --change 13
            """
        )

        @OptionGroup var decision: Decision

        func run() async throws { try await decision.decide(approve: true) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a partner's pending changes (all of them, or the --change ids), with a note the partner sees.",
            discussion: """
            Example:
              cobrand partners reject rheinwerk --change 12 --note "Use the logo from the brand kit"
            """
        )

        @OptionGroup var decision: Decision

        func run() async throws { try await decision.decide(approve: false) }
    }
}
