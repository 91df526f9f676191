import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

/// Builds kits and tells the database what was built, as `cobrand build` and a portal publish both do:
/// the portal lists what `index.json` lists, for the partners the roster has.
public enum BuildAndSync {
    /// Builds `selection`; then syncs the roster's partners and every built kit, or, for a publish
    /// (`publishing`), only that partner's kits. A shard of a fleet build (the shard its only filter)
    /// reports its slice instead, under `fleet` when given: the last of the N shards finishes the build.
    public static func run(_ builder: Builder, database: any Store, partners: [Partner], selection: KitSelection, publishing partner: String? = nil,
                           fleet build: String? = nil, now: Date,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> (report: BuildReport, fleet: FleetProgress?) {
        // A shard its build cannot take is refused before it renders anything (and again, race-free, when it reports).
        if let build, let shard = selection.shard { _ = try FleetBuild.report(shard, build: build, reported: try await database.shards(build: build)) }
        let report = try await builder.build(selection, progress: progress)
        let output = builder.store.output
        if let partner {
            try await database.sync(kits: kitRows(report.index.kits.filter { $0.partner == partner }, output: output, builtAt: now), partner: partner)
        } else if let shard = selection.shard, KitSelection(shard: shard) == selection {
            let slice = report.index.kits.filter { entry in LocaleTag(entry.locale).map { shard.contains(partner: entry.partner, locale: $0) } ?? false }
            let kits = try kitRows(slice, output: output, builtAt: now)
            return (report, try await database.sync(kits: kits, shard: shard, build: build, partners: partners, now: now))
        } else {
            try await database.sync(partners: partners, now: now)
            try await database.sync(kits: kitRows(report.index.kits, output: output, builtAt: now))
        }
        return (report, nil)
    }

    public enum MergeError: Error, CustomStringConvertible {
        case noKits
        case missing(output: String, count: Int, first: String)

        public var description: String {
            switch self {
            case .noKits: "the database lists no kits; give the database the shards synced into (--db or COBRAND_DATABASE_URL)"
            case let .missing(output, count, first):
                "\(count) kit(s) the database lists are not in \(output) (first: \(first)); copy the shards' output folders there first"
            }
        }
    }

    /// `index.json` as the database lists the kits: the merge of a fleet build's shards. Every kit's folder and
    /// zip must be in `output` already, so the index never names what is not there.
    public static func mergeIndex(database: any Store, output: URL) async throws -> OutputIndex {
        let kits = try await database.kits()
        guard !kits.isEmpty else { throw MergeError.noKits }
        func absent(_ path: String) -> Bool { !FileManager.default.fileExists(atPath: output.appendingPathComponent(path).path) }
        let missing = kits.filter { absent($0.dir) || absent($0.bundle) }
        if let first = missing.first {
            throw MergeError.missing(output: output.path, count: missing.count, first: absent(first.dir) ? first.dir : first.bundle)
        }
        let index = OutputIndex(kits: kits.map {
            OutputIndex.Entry(campaign: $0.campaign, partner: $0.partner, locale: $0.locale, dir: $0.dir, bundle: $0.bundle, sha256: $0.sha256,
                              files: $0.files)
        })
        try index.write(to: output)
        return index
    }

    /// The kit table's rows for index entries, with each bundle's size on disk (a bundle that cannot be
    /// read is an error naming it, never a kit of size 0).
    public static func kitRows(_ entries: [OutputIndex.Entry], output: URL, builtAt: Date) throws -> [AppDatabase.Kit] {
        try entries.map { entry in
            AppDatabase.Kit(dir: entry.dir, campaign: entry.campaign, partner: entry.partner, locale: entry.locale, bundle: entry.bundle,
                            sha256: entry.sha256, files: entry.files, bytes: try KitStore.size(of: entry.bundle, in: output), builtAt: builtAt)
        }
    }
}
