import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation

extension Cobrand {
    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render kits and bundles for every partner x locale.",
            discussion: """
            Writes Output/kits/<campaign>/<partner>/<locale>/, Output/bundles/.../<campaign>-<partner>-<locale>.zip \
            and Output/index.json. Kits whose inputs are unchanged are not rewritten. Roster rows with errors are \
            reported and skipped; the build then exits 1 after building the rest.

            Examples:
              cobrand build
              cobrand build --partner acme-cloud --locale de-DE
              cobrand build --shard 2/4 --out /tmp/shard2
              cobrand build --shard 2/4 --build-id nightly-42 --db postgres://cobrand@db/cobrand
              cobrand build --merge-index --db postgres://cobrand@db/cobrand
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: ArgumentHelp("Output folder (default: <project>/Output).", valueName: "dir"))
        var out: String?

        @Option(help: ArgumentHelp("Partner roster CSV instead of Assets/partners.csv.", valueName: "file"))
        var partners: String?

        @Option(name: .customLong("campaign"), help: ArgumentHelp("Build only this campaign (repeatable).", valueName: "id"))
        var campaigns: [String] = []

        @Option(name: .customLong("partner"), help: ArgumentHelp("Build only this partner (repeatable).", valueName: "id"))
        var partnerIDs: [String] = []

        @Option(name: .customLong("locale"), help: ArgumentHelp("Build only this locale (repeatable).", valueName: "tag"))
        var locales: [String] = []

        @Option(help: ArgumentHelp("Parallel kit jobs (default: number of cores).", valueName: "n"))
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Build the I-th of N disjoint slices of the partner x locale set.", valueName: "I/N"))
        var shard: String?

        @Option(help: ArgumentHelp("Database to sync partners and kits into: a SQLite file or a postgres:// URL (default: COBRAND_DATABASE_URL, else <project>/cobrand.sqlite).", valueName: "file|url"))
        var db: String?

        @Option(help: ArgumentHelp("With --shard: the fleet build this shard belongs to; the last of its N shards to finish removes kits of partners dropped from the roster (default: COBRAND_BUILD_ID).", valueName: "id"))
        var buildID: String?

        /// `--build-id`, else `COBRAND_BUILD_ID` for a shard (a plain build or a merge ignores the variable).
        var fleetBuild: String? {
            buildID ?? (shard == nil ? nil : ProcessInfo.processInfo.environment["COBRAND_BUILD_ID"].flatMap { $0.isEmpty ? nil : $0 })
        }

        @Flag(help: "Build nothing: write <out>/index.json from the kits the database lists (the merge of a fleet build's shards).")
        var mergeIndex = false

        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("--jobs must be 1 or more") }
            if let shard, Shard(shard) == nil {
                throw ValidationError("--shard '\(shard)' is not I/N with 1 <= I <= N, such as 2/4")
            }
            if buildID != nil, shard == nil || !campaigns.isEmpty || !partnerIDs.isEmpty || !locales.isEmpty {
                throw ValidationError("--build-id names a fleet build's shard: give --shard I/N, and no --campaign, --partner or --locale")
            }
            if mergeIndex, shard != nil || !campaigns.isEmpty || !partnerIDs.isEmpty || !locales.isEmpty {
                throw ValidationError("--merge-index builds nothing: drop --shard, --campaign, --partner and --locale")
            }
            for locale in locales where LocaleTag(locale) == nil {
                throw ValidationError("--locale '\(locale)' is not a locale tag such as de-DE")
            }
        }

        func run() async throws {
            if mergeIndex {
                let output = out.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL } ?? options.projectURL.appendingPathComponent("Output")
                let database = options.databasePath(db)
                guard PostgresURL.isPostgres(database) || FileManager.default.fileExists(atPath: database) else {
                    throw UserError("\(database) does not exist; give the database the shards synced into with --db or COBRAND_DATABASE_URL")
                }
                let index: OutputIndex
                do { index = try await BuildAndSync.mergeIndex(database: try await options.openDatabase(db), output: output) } catch let error as BuildAndSync.MergeError {
                    throw UserError(error.description)
                }
                print("Wrote \(output.appendingPathComponent(OutputIndex.fileName).path) with the \(index.kits.count) kits the database lists")
                return
            }
            let (project, diagnostics) = try options.load(roster: partners)
            // Shared-input errors already stopped the load; what is left are warnings and skipped partners.
            for diagnostic in diagnostics { printError(diagnostic.description) }
            let selection = KitSelection(campaigns: Set(campaigns), partners: Set(partnerIDs),
                                         locales: Set(locales.compactMap { LocaleTag($0) }), shard: shard.flatMap { Shard($0) })
            let unknown = selection.unknownNames(in: project)
            guard unknown.isEmpty else { throw UserError(unknown.joined(separator: "\n")) }

            let output = out.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL }
                ?? options.projectURL.appendingPathComponent("Output")
            let bar = ProgressBar()
            let progress: (@Sendable (Int, Int) -> Void)? = bar.isEnabled ? { @Sendable done, total in bar.update(done, total) } : nil
            let database = try await options.openDatabase(db)
            // Partners' changes from the portal are an input like the roster: a publish and this build agree.
            let (applied, stale) = try await PartnerChanges.applied(to: project, database: database, logos: BlobStore(folder: options.logoFolder(db)))
            for diagnostic in stale { printError(diagnostic.description) }
            let builder = Builder(project: applied, output: output, tracking: try await ProjectOptions.tracking(for: project, database: database),
                                  forms: try await ProjectOptions.forms(database: database),
                                  unsubscribe: try await ProjectOptions.unsubscribe(database: database), jobs: jobs)
            let (report, fleet): (BuildReport, FleetProgress?)
            do {
                (report, fleet) = try await BuildAndSync.run(builder, database: database, partners: project.partners, selection: selection,
                                                             fleet: fleetBuild, now: Date(), progress: progress)
            } catch let error as FleetBuild.Refusal {
                throw UserError(error.description)
            }
            bar.finish()
            print(Self.summary(report, output: output))
            if let fleet, let shard = selection.shard {
                print(fleet.finished ? "Fleet build \(fleetBuild ?? ""): all \(fleet.shards) shards reported; kits of partners no longer in the roster removed"
                      : fleetBuild.map { "Fleet build \($0): shard \(shard) reported, \(fleet.reported) of \(fleet.shards) so far" }
                      ?? "Shard \(shard): its slice of the database's kits synced (give --build-id to remove dropped partners once all shards finish)")
            }
            let skipped = diagnostics.errors.count
            if skipped > 0 {
                throw UserError("\(skipped) problem(s) in the roster, partner logos or slot files; those partners were not built (see above)")
            }
        }

        static func summary(_ report: BuildReport, output: URL) -> String {
            let seconds = String(format: "%.2f", report.seconds)
            let pruned = report.pruned > 0 ? ", \(report.pruned) stale removed" : ""
            return "Built \(report.kits) kits (\(report.rendered) rendered, \(report.unchanged) unchanged\(pruned)), "
                + "\(report.files) files, \(ByteSize(report.bytes)) in \(seconds) s -> \(output.path)"
        }
    }
}

/// Bytes as people read them: 1.2 MB.
struct ByteSize: CustomStringConvertible {
    let bytes: Int
    init(_ bytes: Int) { self.bytes = bytes }
    var description: String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    // Safe: `lock` guards `lastDrawn`, the only mutable state.
    private let lock = NSLock()
    private var lastDrawn = -1
    let isEnabled = isatty(STDERR_FILENO) != 0

    func update(_ done: Int, _ total: Int) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        lock.lock()
        defer { lock.unlock() }
        guard filled != lastDrawn || done == total else { return }
        lastDrawn = filled
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) kits".utf8))
    }

    func finish() {
        if isEnabled, lastDrawn >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
