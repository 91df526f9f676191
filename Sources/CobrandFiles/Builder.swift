import CobrandCore
import Foundation
import Synchronization

/// What a build did.
public struct BuildReport: Sendable, Equatable {
    /// Kits in the selection.
    public var kits = 0
    /// Kits rendered and written because their inputs changed.
    public var rendered = 0
    /// Kits left as they were.
    public var unchanged = 0
    /// Files in all selected kits.
    public var files = 0
    /// Bytes of all selected kit files (folders, not zips).
    public var bytes = 0
    /// Bytes written in this build: files and zips of rendered kits, less the files linked to the unchanged ones in place.
    public var bytesWritten = 0
    /// Stale kits removed (full builds only).
    public var pruned = 0
    public var seconds = 0.0
    public var index = OutputIndex(kits: [])
}

/// Builds the selected kits into an output folder, in parallel, skipping kits whose inputs are unchanged.
public struct Builder: Sendable {
    public let renderer: KitRenderer
    public let store: KitStore
    public let drawings: DrawingFolder
    public let jobs: Int

    public init(project: Project, output: URL, tracking: TrackingSigner? = nil, forms: LeadFormSigner? = nil,
                unsubscribe: UnsubscribeSigner? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, afterFileWrite: (@Sendable (KitID, String) throws -> Void)? = nil,
                afterCommitStep: (@Sendable (String) throws -> Void)? = nil) {
        drawings = DrawingFolder(output: output)
        renderer = KitRenderer(project: project, tracking: tracking, forms: forms, unsubscribe: unsubscribe, generator: Self.generatorFingerprint,
                               drawings: drawings)
        store = KitStore(output: output, afterFileWrite: afterFileWrite, afterCommitStep: afterCommitStep)
        self.jobs = max(1, jobs)
    }

    public func build(_ selection: KitSelection = KitSelection(),
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> BuildReport {
        let start = ContinuousClock.now
        let kits = renderer.allKits.filter(selection.includes)
        let lock = try await OutputLock.acquire(store.output)
        defer { withExtendedLifetime(lock) {} }
        try store.recover()
        // Read before anything is staged: an index that cannot be read stops a filtered build (or a publish)
        // here, instead of being replaced by one that lists only its own kits.
        let previous = selection.isEverything ? nil : try OutputIndex.read(from: store.output)
        // What the last index said of each kit, and when it was written: an unchanged kit's bundle not changed
        // since keeps its listed digest, instead of being read and hashed again (most of an incremental build).
        let listed = Listed(index: selection.isEverything ? try? OutputIndex.read(from: store.output) : previous,
                            at: OutputIndex.changed(in: store.output), ledger: ManifestLedger.read(from: store.outputPath))
        // Before any manifest is looked at: the next build believes only what this one saw of manifests older than this.
        var ledger = ManifestLedger.stamp(store.outputPath).map { ManifestLedger(since: $0) }

        var report = BuildReport()
        report.kits = kits.count
        var entries: [OutputIndex.Entry] = []
        var staged: [KitStore.Staged] = []
        do {
            try await withThrowingTaskGroup(of: KitOutcome.self) { group in
                var next = kits.makeIterator()
                func addTask() {
                    guard let kit = next.next() else { return }
                    group.addTask { try self.make(kit, listed: listed) }
                }
                for _ in 0..<jobs { addTask() }
                while let outcome = try await group.next() {
                    entries.append(outcome.entry)
                    ledger?.lines[outcome.entry.dir] = outcome.manifest
                    if let kit = outcome.staged { staged.append(kit) }
                    report.files += outcome.entry.files
                    report.bytes += outcome.bytes
                    if outcome.rendered {
                        report.rendered += 1
                        report.bytesWritten += outcome.bytesWritten
                    } else {
                        report.unchanged += 1
                    }
                    progress?(entries.count, kits.count)
                    addTask()
                }
            }
        } catch {
            // Nothing is in place yet: dropping the temp folder drops every staged kit, finished or not.
            try? store.recover()
            throw error
        }

        if let previous {
            // A filtered build keeps the other kits already in the index, as long as they are still on disk.
            let built = Set(entries.map(\.dir))
            let kept = Self.present(previous.kits.filter { !built.contains($0.dir) }, in: store.output, jobs: jobs)
            entries += kept
            for entry in kept { ledger?.lines[entry.dir] = listed.ledger?.lines[entry.dir] }
        }
        report.index = OutputIndex(kits: entries)
        // What prune removes is listed while the commit waits on the disk (its fsyncs): the commit only moves
        // kits that stay, so the list is the same either way.
        async let stale = selection.isEverything ? store.stale(keeping: Set(kits)) : []
        try store.commit(staged, index: report.index)
        // The replaced kits go while the stale ones do: removing files is slow on disks mounted with online
        // discard (about 0.1 ms a file here, 12 ms for six kits) and waits on the disk, not the CPU.
        async let removal: Void = store.removeTemp()
        // While the stale kits are still being listed.
        ledger?.write(to: store.outputPath)
        // Kits gone from the roster go only after the index that no longer lists them is written.
        report.pruned = try store.remove(stale: await stale)
        try await removal
        // Only a build that drew or looked up every kit's images knows which drawings are still needed.
        if selection.isEverything && report.unchanged == 0 { drawings.prune() }
        report.seconds = (ContinuousClock.now - start).seconds
        return report
    }

    /// The entries whose kit folder is still there. A publish checks thousands: faccessat(2) relative to the
    /// output folder rather than FileManager, split over `jobs` threads.
    static func present(_ entries: [OutputIndex.Entry], in output: URL, jobs: Int) -> [OutputIndex.Entry] {
        let folder = open(output.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return [] }
        defer { close(folder) }
        let parts = max(1, min(jobs, entries.count / 500))
        let found = Mutex<[[OutputIndex.Entry]]>(Array(repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = entries[entries.count * part / parts..<entries.count * (part + 1) / parts]
            let there = slice.filter { faccessat(folder, $0.dir, F_OK, 0) == 0 }
            found.withLock { $0[part] = there }
        }
        return found.withLock { $0.flatMap { $0 } }
    }

    struct KitOutcome: Sendable {
        let entry: OutputIndex.Entry
        let staged: KitStore.Staged?
        let rendered: Bool
        let bytes: Int
        let bytesWritten: Int
        /// What its manifest says, and which file says it, for the next build's ledger.
        let manifest: ManifestLedger.Line?
    }

    /// The previous index's entries by kit folder and when that index was written, and the manifests' ledger.
    struct Listed: Sendable {
        let entries: [String: OutputIndex.Entry]
        let at: timespec?
        let ledger: ManifestLedger?

        init(index: OutputIndex?, at: timespec?, ledger: ManifestLedger?) {
            entries = Dictionary((index?.kits ?? []).map { ($0.dir, $0) }, uniquingKeysWith: { first, _ in first })
            self.at = at
            self.ledger = ledger
        }
    }

    func make(_ kit: KitID, listed: Listed) throws -> KitOutcome {
        let hash = renderer.inputsHash(for: kit)
        if let (entry, bytes, manifest) = store.existing(kit, inputsHash: hash, known: listed.ledger?.lines[kit.directory],
                                                         listed: listed.entries[kit.directory], listedAt: listed.at) {
            return KitOutcome(entry: entry, staged: nil, rendered: false, bytes: bytes, bytesWritten: 0, manifest: manifest)
        }
        let rendered = try renderer.render(kit)
        let (staged, entry, written, manifest) = try store.stage(rendered)
        let bytes = rendered.files.reduce(0) { $0 + $1.data.count }
        return KitOutcome(entry: entry, staged: staged, rendered: true, bytes: bytes, bytesWritten: written, manifest: manifest)
    }
}

extension Builder {
    /// The generator's version plus the running executable's size and modification time: a rebuilt
    /// `cobrand` binary may render differently, so its kits are not "unchanged".
    static let generatorFingerprint: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return Generator.name }
        return "\(Generator.name)+\(info.st_size)-\(info.st_mtim.tv_sec)-\(info.st_mtim.tv_nsec)"
    }()
}

extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
