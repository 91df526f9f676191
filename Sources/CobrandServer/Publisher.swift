import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

/// Rebuilds one partner's kits from the portal: their changes in effect applied over the project, every
/// campaign x locale of theirs through the incremental builder (bundles written atomically, `index.json`
/// merged), and the portal's kit list updated. The same inputs as `cobrand build`, so a full build later
/// makes the same bytes.
public actor Publisher {
    public let project: Project
    public let database: AppDatabase
    public let output: URL
    public let logoFolder: URL
    /// The signer `cobrand build` uses (nil without `tracking_base_url`), so links are the same.
    public let tracking: TrackingSigner?
    /// Signs the lead forms as `cobrand build` does.
    public let forms: LeadFormSigner?
    /// Signs unsubscribe links as `cobrand build` does.
    public let unsubscribe: UnsubscribeSigner?
    let jobs: Int
    /// Publishes run one after another: each merges its kits into the one `index.json`.
    private var tail: Task<Void, Never>?

    public init(project: Project, database: AppDatabase, output: URL, logoFolder: URL, tracking: TrackingSigner?, forms: LeadFormSigner? = nil,
                unsubscribe: UnsubscribeSigner? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.forms = forms
        self.unsubscribe = unsubscribe
        self.project = project
        self.database = database
        self.output = output
        self.logoFolder = logoFolder
        self.tracking = tracking
        self.jobs = jobs
    }

    public func publish(partner: String, now: Date = Date()) async throws -> BuildReport {
        let previous = tail
        let task = Task { () async throws -> BuildReport in
            _ = await previous?.result
            return try await self.build(partner: partner, now: now)
        }
        tail = Task { _ = await task.result }
        return try await task.value
    }

    private func build(partner: String, now: Date) async throws -> BuildReport {
        let (applied, _) = try database.applyingOverrides(to: project, logoFolder: logoFolder, partner: partner)
        let report = try await Builder(project: applied, output: output, tracking: tracking, forms: forms, unsubscribe: unsubscribe, jobs: jobs).build(KitSelection(partners: [partner]))
        try database.sync(kits: Self.kitRows(report.index.kits.filter { $0.partner == partner }, output: output, builtAt: now), partner: partner)
        return report
    }

    /// The kit table's rows for index entries, with each bundle's size on disk.
    public static func kitRows(_ entries: [OutputIndex.Entry], output: URL, builtAt: Date) -> [AppDatabase.Kit] {
        entries.map { entry in
            let size = (try? FileManager.default.attributesOfItem(atPath: output.appendingPathComponent(entry.bundle).path)[.size] as? Int) ?? 0
            return AppDatabase.Kit(dir: entry.dir, campaign: entry.campaign, partner: entry.partner, locale: entry.locale, bundle: entry.bundle,
                                   sha256: entry.sha256, files: entry.files, bytes: size, builtAt: builtAt)
        }
    }
}
