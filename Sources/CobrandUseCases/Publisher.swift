import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

/// Rebuilds one partner's kits from the portal: their changes in effect applied over the project, every
/// campaign x locale of theirs through the incremental builder (bundles written atomically, `index.json`
/// merged), and the portal's kit list updated. The same inputs as `cobrand build`, so a full build later
/// makes the same bytes.
public actor Publisher {
    nonisolated public let project: Project
    nonisolated public let database: any Store
    nonisolated public let output: URL
    nonisolated public let logoFolder: URL
    /// The signer `cobrand build` uses (nil without `tracking_base_url`), so links are the same.
    nonisolated public let tracking: TrackingSigner?
    /// Signs the lead forms as `cobrand build` does.
    nonisolated public let forms: LeadFormSigner?
    /// Signs unsubscribe links as `cobrand build` does.
    nonisolated public let unsubscribe: UnsubscribeSigner?
    let jobs: Int
    /// Publishes run one after another: each merges its kits into the one `index.json`. Across servers on
    /// one database (and one shared output folder) the database's `publish` lock does the same.
    private var tail: Task<Void, Never>?

    public init(project: Project, database: any Store, output: URL, logoFolder: URL, tracking: TrackingSigner?, forms: LeadFormSigner? = nil,
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

    public func publish(partner: String, now: Date) async throws -> BuildReport {
        let previous = tail
        let task = Task { () async throws -> BuildReport in
            _ = await previous?.result
            return try await self.database.withLock("publish") { try await self.build(partner: partner, now: now) }
        }
        tail = Task { _ = await task.result }
        return try await task.value
    }

    private func build(partner: String, now: Date) async throws -> BuildReport {
        let (applied, _) = try await PartnerChanges.applied(to: project, database: database, logos: BlobStore(folder: logoFolder), partner: partner)
        let builder = Builder(project: applied, output: output, tracking: tracking, forms: forms, unsubscribe: unsubscribe, jobs: jobs)
        return try await BuildAndSync.run(builder, database: database, partners: project.partners, selection: KitSelection(partners: [partner]),
                                          publishing: partner, now: now).report
    }
}
