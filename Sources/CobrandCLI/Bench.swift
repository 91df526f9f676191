import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation

extension Cobrand {
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks (run them on a release build).",
            discussion: """
            Example:
              swift run -c release cobrand bench build --partners 200
            """,
            subcommands: [BuildBench.self, PublishBench.self, EventsBench.self, MDFBench.self, FunnelBench.self]
        )
    }

    struct BuildBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Time a full build of N synthetic partners x 2 locales, then a rebuild after one roster row changes.",
            discussion: """
            Copies the project's templates, catalogs and vendor assets into a temp folder, writes a roster of N \
            partners with logos, builds, then edits one partner's phone number and builds again, as many times as \
            --runs. Prints key=value lines.

            Example:
              swift run -c release cobrand bench build --partners 200
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: "Synthetic partners.")
        var partners: Int = 200

        @Option(help: ArgumentHelp("Parallel kit jobs (default: number of cores).", valueName: "n"))
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Full builds to time, and rebuilds after one partner's change; the best is reported (like hugo-compare).")
        var runs: Int = 3

        @Flag(help: "Keep the temp project folder and print its path.")
        var keep = false

        @Flag(help: "Then build the same-shaped Hugo site (--hugo-compare) in this run and print Hugo's pages/s and our ratio to it.")
        var vsHugo = false

        @Option(help: ArgumentHelp("The Hugo comparison script (needs Debian's hugo).", valueName: "path"))
        var hugoCompare = "../shared/bench/hugo-compare"

        func validate() throws {
            guard partners >= 1 else { throw ValidationError("--partners must be 1 or more") }
            guard runs >= 1 else { throw ValidationError("--runs must be 1 or more") }
        }

        func run() async throws {
            let (source, _) = try options.load()
            let pair = try SyntheticProject.localePair(source)

            let fm = FileManager.default
            let root = fm.temporaryDirectory.appendingPathComponent("cobrand-bench-\(UUID().uuidString)")
            defer { if !keep { try? fm.removeItem(at: root) } }
            var rows = try SyntheticProject.write(to: root, from: options.projectURL, partners: partners, locales: pair)
            let rosterURL = root.appendingPathComponent("Assets/partners.csv")
            var output = root.appendingPathComponent("Output")

            // Each timed run writes a fresh folder; nothing is deleted until the end, so one run's deletions
            // do not slow the next run's file creation (ext4 scans recently freed inodes).
            // CPU time beside wall time: a full build's wall time swings with the disk (twice as long just after the
            // previous run's files were deleted), in the kernel's time; the user time is this code's.
            var cpu: [(user: Double, system: Double)] = []
            func timedBuild() async throws -> (BuildReport, Double) {
                // The last run's 200 MB are written back first, not in the middle of this one (it doubled an incremental build's time).
                sync()
                let cpuStart = cpuSeconds()
                defer { let end = cpuSeconds(); cpu.append((end.user - cpuStart.user, end.system - cpuStart.system)) }
                let start = ContinuousClock.now
                let files = try ProjectReader.read(project: root)
                let (project, diagnostics) = Project.load(files)
                guard let project else { throw ProjectError(diagnostics.errors) }
                let database = try AppDatabase.open(path: root.appendingPathComponent("cobrand.sqlite").path)
                let tracking = try await ProjectOptions.tracking(for: project, database: database)
                let report = try await Builder(project: project, output: output, tracking: tracking, jobs: jobs).build()
                let elapsed = ContinuousClock.now - start
                return (report, elapsed.seconds)
            }

            var (full, fullSeconds) = try await timedBuild()
            var best = output
            for run in 1..<runs {
                output = root.appendingPathComponent("Output-\(run)")
                let (again, seconds) = try await timedBuild()
                if seconds < fullSeconds { (full, fullSeconds, best) = (again, seconds, output) }
            }
            let fullCPU = (user: cpu.map(\.user).min() ?? 0, system: cpu.map(\.system).min() ?? 0)
            output = best
            // As many rebuilds as full builds, each after the same partner's phone number changes again (its six
            // kits are rendered each time); best and median, as one rebuild swings with the disk's background work.
            var rendered: [Int] = []
            var incrementalRuns: [Double] = []
            for run in 0..<runs {
                let (old, new) = run == 0 ? ("+1 555 010 0", "+1 555 999 0") : run % 2 == 1 ? ("+1 555 999 0", "+1 555 888 0") : ("+1 555 888 0", "+1 555 999 0")
                rows[1] = rows[1].replacingOccurrences(of: old, with: new)
                try Data(rows.joined(separator: "\n").utf8).write(to: rosterURL)
                let (incremental, seconds) = try await timedBuild()
                rendered.append(incremental.rendered)
                incrementalRuns.append(seconds)
            }
            incrementalRuns.sort()

            let filesPerSecond = Double(full.files) / fullSeconds
            print("partners=\(partners)")
            print("runs=\(runs)")
            print("locales=\(pair.map(\.identifier).joined(separator: ","))")
            print("kits=\(full.kits)")
            print("files=\(full.files)")
            print("files_per_kit=\(full.kits > 0 ? full.files / full.kits : 0)")
            print("bytes=\(full.bytes)")
            print("seconds=\(String(format: "%.3f", fullSeconds))  # best full build: read, load, render, write")
            print("files_per_s=\(String(format: "%.0f", filesPerSecond))")
            print("cpu_user_seconds=\(String(format: "%.2f", fullCPU.user))  # least user time of the full builds, both cores")
            print("cpu_system_seconds=\(String(format: "%.2f", fullCPU.system))  # least system time: the kernel, mostly the file system")
            print("incremental_kits_rendered=\(rendered.map(String.init).joined(separator: ","))")
            print("incremental_seconds=\(String(format: "%.3f", incrementalRuns[0]))  # best rebuild after one partner's change")
            print("incremental_median_seconds=\(String(format: "%.3f", incrementalRuns[incrementalRuns.count / 2]))")
            print("peak_rss_mb=\(peakRSSMegabytes())")
            if keep { print("project=\(root.path)") }
            if vsHugo {
                let hugo = try Self.hugoPagesPerSecond(script: hugoCompare, partners: partners, pages: full.kits > 0 ? full.files / full.kits : 1, runs: runs)
                print("hugo_pages_per_s=\(String(format: "%.0f", hugo))")
                print("vs_hugo=\(String(format: "%.2f", filesPerSecond / hugo))  # our files/s over Hugo's pages/s, same machine, same run")
            }
        }

        /// Runs the Hugo comparison as a child of this process and reads its `hugo_pages_per_s=` line.
        static func hugoPagesPerSecond(script: String, partners: Int, pages: Int, runs: Int) throws -> Double {
            guard FileManager.default.isExecutableFile(atPath: script) else {
                throw UserError("\(script) is not there or not executable; pass --hugo-compare PATH (the script in ../shared/bench)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = ["--partners", "\(partners)", "--langs", "en,ar", "--pages", "\(pages)", "--runs", "\(runs)"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                  let line = output.split(separator: "\n").first(where: { $0.hasPrefix("hugo_pages_per_s=") }),
                  let rate = Double(line.dropFirst("hugo_pages_per_s=".count)), rate > 0
            else { throw UserError("\(script) failed (status \(process.terminationStatus)); is hugo installed (apt-get install -y hugo)?") }
            return rate
        }
    }
}

extension Cobrand {
    struct EventsBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "events",
            abstract: "Time the event write path: N tracked hits queued and flushed in batches into a fresh database file.",
            discussion: """
            The server hands queued events to the database every 5 ms; this writes the same batches back to back and reports the cost per event
            that the flushing thread takes from the event loops. Prints key=value lines.

            Example:
              swift run -c release cobrand bench events --events 200000
            """
        )

        @Option(help: "Events to write.")
        var events: Int = 200_000

        @Option(help: "Events per flush (one transaction each).")
        var batch: Int = 2_000

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-bench-events-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try AppDatabase.open(path: folder.appendingPathComponent("bench.sqlite").path)
            let writer = EventWriter(database: database)
            let hasher = Visitor.Hasher(salt: Data("bench".utf8))
            let start = Date()
            var elapsed: TimeInterval = 0
            var cpu: TimeInterval = 0
            // RUSAGE_THREAD (1): the flush runs on this thread.
            func threadCPU() -> TimeInterval {
                let time = cpuSeconds(1)
                return time.user + time.system
            }
            for index in 0..<events {
                writer.record(AssetEvent(kind: .open, partner: "partner-\(index % 1_000)", campaign: "cloud-migration", asset: "invite",
                                         locale: "en-US", occurredAt: start.addingTimeInterval(Double(index) / 1_000),
                                         ipHash: hasher.hash("10.0.\(index % 250).\(index % 200)"), agentClass: "desktop"))
                if (index + 1) % batch == 0 || index == events - 1 {
                    let clock = ContinuousClock.now
                    let before = threadCPU()
                    writer.flush()
                    cpu += threadCPU() - before
                    let spent = ContinuousClock.now - clock
                    elapsed += spent.seconds
                }
            }
            let stored = try await database.eventCount()
            guard stored == events else { throw UserError("stored \(stored) of \(events) events") }
            print("events=\(events)")
            print("flush_seconds=\(String(format: "%.3f", elapsed))")
            print("microseconds_per_event=\(String(format: "%.2f", elapsed * 1e6 / Double(events)))")
            print("cpu_microseconds_per_event=\(String(format: "%.2f", cpu * 1e6 / Double(events)))")
        }
    }
}

extension Cobrand {
    struct MDFBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mdf",
            abstract: "Seed tracked events, partners, leads, allocations and claims into a fresh database, then time reconciling a period.",
            discussion: """
            Seeding is done inside SQLite and is not timed; the reconciliation is: evidence queries for every claim, the rules, \
            and writing every decision with its audit row. Prints key=value lines.

            Example:
              swift run -c release cobrand bench mdf --events 1000000 --partners 10000 --claims 20000
            """
        )

        @Option(help: "Tracked events.") var events: Int = 1_000_000
        @Option(help: "Partners with an allocation.") var partners: Int = 10_000
        @Option(help: "Claims.") var claims: Int = 20_000

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-bench-mdf-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try AppDatabase.open(path: folder.appendingPathComponent("bench.sqlite").path)
            let seedStart = ContinuousClock.now
            let period = try await Self.seed(database, events: events, partners: partners, claims: claims)
            let seeded = ContinuousClock.now - seedStart
            let start = ContinuousClock.now
            let decisions = try await database.reconcile(period: period.id, rules: Reconciler.Rules(), actor: "bench", now: Date())
            let elapsed = ContinuousClock.now - start
            guard decisions.count == claims else { throw UserError("reconciled \(decisions.count) of \(claims) claims") }
            let counts = Dictionary(grouping: decisions, by: \.status).mapValues(\.count)
            print("events=\(events)")
            print("partners=\(partners)")
            print("claims=\(claims)")
            print("seed_seconds=\(String(format: "%.2f", seeded.seconds))")
            print("reconcile_seconds=\(String(format: "%.2f", elapsed.seconds))")
            for status in Reconciler.Decision.Status.allCases { print("\(status.rawValue)=\(counts[status] ?? 0)") }
            print("peak_rss_mb=\(peakRSSMegabytes())")
        }

        /// Each partner's 2026-Q4 allocation (claims need one), then the seeded events, leads and claims.
        static func seed(_ database: AppDatabase, events: Int, partners: Int, claims: Int, leads: Int? = nil) async throws -> Period {
            let period = Period("2026-Q4")!
            try await database.allocate((0..<partners).map { .init(partner: "p\($0)", amount: Money(amountMinor: 1_000_000, currency: "EUR")) },
                                        period: period, deadlineDays: 60, actor: "bench", now: Date())
            try await database.seedForBenchmark(events: events, partners: partners, claims: claims, leads: leads)
            return period
        }
    }
}

extension Cobrand {
    struct FunnelBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "funnel",
            abstract: "Seed events, leads, deals, partners and claims into a fresh database, then time the full funnel report.",
            discussion: """
            Seeding is done inside SQLite and is not timed; the report is: the database's counts and loads (events grouped, every \
            lead submission, deal and approved claim) and the funnel's rules over them. Prints key=value lines: best and median of --runs.

            Example:
              swift run -c release cobrand bench funnel --events 1000000 --leads 100000 --deals 20000 --partners 10000
            """
        )

        @Option(help: "Tracked events.") var events: Int = 1_000_000
        @Option(help: "Leads, one submission each.") var leads: Int = 100_000
        @Option(help: "Deal registrations at the leads' accounts.") var deals: Int = 20_000
        @Option(help: "Partners.") var partners: Int = 10_000
        @Option(help: "MDF claims (half approved).") var claims: Int = 20_000
        @Option(help: "Timed runs.") var runs: Int = 3

        func validate() throws {
            guard deals <= leads else { throw ValidationError("--deals must not exceed --leads: each deal is at a lead's account") }
            guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1 to 20") }
        }

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-bench-funnel-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try AppDatabase.open(path: folder.appendingPathComponent("bench.sqlite").path)
            let seedStart = ContinuousClock.now
            _ = try await MDFBench.seed(database, events: events, partners: partners, claims: claims, leads: leads)
            try database.seedFunnelForBenchmark(deals: deals)
            let seeded = ContinuousClock.now - seedStart
            let seedRSS = peakRSSMegabytes()
            var times: [Double] = [], rows: [Funnel.Row] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                rows = try await FunnelReport.rows(database, partner: nil, range: .all)
                let elapsed = ContinuousClock.now - start
                times.append(elapsed.seconds)
            }
            let total = Funnel.total(rows)
            guard total.leads == leads, total.registered == deals, total.won == deals / 5 else {
                throw UserError("the report counted \(total.leads) leads, \(total.registered) deals and \(total.won) won of \(leads), \(deals) and \(deals / 5) seeded")
            }
            let sorted = times.sorted()
            print("events=\(events)")
            print("leads=\(leads)")
            print("deals=\(deals)")
            print("partners=\(partners)")
            print("rows=\(rows.count)")
            print("won=\(total.won) revenue=\(Funnel.Row.amounts(total.revenue).replacingOccurrences(of: " ", with: "_"))")
            print("seed_seconds=\(String(format: "%.2f", seeded.seconds))")
            print("report_seconds_best=\(String(format: "%.3f", sorted[0]))")
            print("report_seconds_median=\(String(format: "%.3f", sorted[sorted.count / 2]))")
            print("seed_peak_rss_mb=\(seedRSS)")
            print("peak_rss_mb=\(peakRSSMegabytes())")
        }
    }
}

/// A copy of the project's templates, catalogs and vendor assets with a roster of N synthetic partners
/// (each with an SVG logo), for the build and publish benchmarks.
enum SyntheticProject {
    /// Writes the project into `root` and returns the roster's lines (header first).
    static func write(to root: URL, from project: URL, partners: Int, locales: [LocaleTag]) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        for item in ["cobrand.yaml", "Templates", "Locales", "Assets/brand"] {
            let from = project.appendingPathComponent(item)
            guard fm.fileExists(atPath: from.path) else { continue }
            let to = root.appendingPathComponent(item)
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: from, to: to)
        }
        try fm.createDirectory(at: root.appendingPathComponent("Assets/partners"), withIntermediateDirectories: true)
        var rows = ["id,name,locales,website,primary_color,accent_color,contact_name,contact_email,phone,address,country,timezone"]
        for index in 0..<partners {
            let id = String(format: "partner-%05d", index)
            let color = String(format: "#%02X%02X%02X", (index * 37) % 200, (index * 91) % 200, (index * 53) % 200)
            rows.append(CSV.line([
                id, "Bench Partner \(index) & Sons", locales.map(\.identifier).joined(separator: ";"),
                "https://\(id).example", color, color, "Contact \(index)", "contact@\(id).example", "+1 555 010 \(index % 10000)",
                "\(index) Bench Street\nSpringfield", "US", "America/New_York",
            ]).trimmingCharacters(in: .newlines))
            try Data("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"48\" height=\"48\"><rect width=\"48\" height=\"48\" fill=\"\(color)\"/></svg>\n".utf8)
                .write(to: root.appendingPathComponent("Assets/partners/\(id).svg"))
        }
        try Data(rows.joined(separator: "\n").utf8).write(to: root.appendingPathComponent("Assets/partners.csv"))
        return rows
    }

    /// The project's default locale and one other: the two locales every synthetic partner has.
    static func localePair(_ project: Project) throws -> [LocaleTag] {
        let locales = project.catalogs.keys.sorted()
        guard let first = locales.first else { throw UserError("the project has no locales") }
        return [project.config.defaultLocale, locales.first { $0 != project.config.defaultLocale } ?? first]
    }
}

extension Duration {
    /// In seconds, for the benchmarks' figures.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// User and system CPU time so far: of the whole process, all threads, or of the calling thread (`RUSAGE_THREAD`, 1).
func cpuSeconds(_ who: __rusage_who_t = RUSAGE_SELF.rawValue) -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(who, &usage)
    return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6, Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
}

/// The process's peak resident memory so far, in MB.
func peakRSSMegabytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
}
