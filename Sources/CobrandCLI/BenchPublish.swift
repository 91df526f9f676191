import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation

extension Cobrand {
    struct PublishBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Time a partner's publish from the portal in a project of N synthetic partners.",
            discussion: """
            Writes N synthetic partners x 2 locales over the project's campaigns, builds them all once, then for \
            each of --publishes rounds saves a new phone number and intro text for one partner (as the portal \
            does) and times the publish: their changes applied, their kits rebuilt through the incremental \
            builder, bundles written, index.json merged and the kit table updated. Prints p50, p99 and max.

            Example:
              swift run -c release cobrand bench publish --partners 1000 --publishes 50
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: "Synthetic partners.")
        var partners: Int = 1000

        @Option(help: "Publishes to time.")
        var publishes: Int = 50

        func validate() throws {
            guard partners >= 1 else { throw ValidationError("--partners must be 1 or more") }
            guard publishes >= 1 else { throw ValidationError("--publishes must be 1 or more") }
        }

        func run() async throws {
            let (source, _) = try options.load()
            let pair = try SyntheticProject.localePair(source)
            let fm = FileManager.default
            let root = fm.temporaryDirectory.appendingPathComponent("cobrand-bench-publish-\(UUID().uuidString)")
            defer { try? fm.removeItem(at: root) }
            _ = try SyntheticProject.write(to: root, from: options.projectURL, partners: partners, locales: pair)
            let (loaded, diagnostics) = Project.load(try ProjectReader.read(project: root))
            guard let project = loaded else { throw ProjectError(diagnostics.errors) }
            let output = root.appendingPathComponent("Output")
            let database = try AppDatabase.open(path: root.appendingPathComponent("cobrand.sqlite").path)
            let tracking = try await ProjectOptions.tracking(for: project, database: database)

            let start = ContinuousClock.now
            let full = try await Builder(project: project, output: output, tracking: tracking).build()
            let fullSeconds = (ContinuousClock.now - start).seconds
            try await database.sync(partners: project.partners, now: Date())
            try await database.sync(kits: BuildAndSync.kitRows(full.index.kits, output: output, builtAt: Date()))

            // The full build's gigabyte is written back before the first publish, as it long is on a portal's server;
            // otherwise the publishes' fsyncs queue behind it.
            sync()
            let publisher = Publisher(project: project, database: database, output: output, logoFolder: root.appendingPathComponent("partner-logos"),
                                      tracking: tracking)
            let partner = String(format: "partner-%05d", partners / 2)
            let field = project.campaigns.flatMap { campaign in campaign.fields.filter { $0.value.type == .text && $0.value.allowed == nil }.map { (campaign.id, $0.key) } }.first
            var seconds: [Double] = []
            var rendered = 0
            for round in 0..<publishes {
                var changes = [AppDatabase.ChangeRequest(field: "phone", oldValue: nil, newValue: "+1 555 777 \(1000 + round)", needsApproval: false)]
                if let (campaign, name) = field {
                    changes.append(.init(campaign: campaign, locale: pair[0].identifier, field: name, oldValue: nil, newValue: "Intro, round \(round)",
                                         needsApproval: false))
                }
                try await database.saveChanges(partner: partner, changes, actor: "bench", now: Date())
                let began = ContinuousClock.now
                let report = try await publisher.publish(partner: partner, now: Date())
                seconds.append((ContinuousClock.now - began).seconds)
                rendered = report.rendered
            }
            seconds.sort()
            func percentile(_ p: Double) -> Double { seconds[min(seconds.count - 1, Int((Double(seconds.count) * p).rounded(.up)) - 1)] }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print("partners=\(partners)")
            print("kits=\(full.kits)")
            print("full_build_seconds=\(String(format: "%.2f", fullSeconds))")
            print("publishes=\(publishes)")
            print("kits_per_publish=\(rendered)  # \(project.campaigns.count) campaigns x \(pair.count) locales, all re-rendered (the phone is on every page)")
            print("publish_p50_ms=\(String(format: "%.0f", percentile(0.5) * 1000))")
            print("publish_p99_ms=\(String(format: "%.0f", percentile(0.99) * 1000))")
            print("publish_max_ms=\(String(format: "%.0f", seconds.last! * 1000))")
            print("peak_rss_mb=\(usage.ru_maxrss / 1024)")
        }
    }
}
