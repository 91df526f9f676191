import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

/// Builds kits and tells the database what was built, as `cobrand build` and a portal publish both do:
/// the portal lists what `index.json` lists, for the partners the roster has.
public enum BuildAndSync {
    /// Builds `selection`; then syncs the roster's partners and every built kit, or, for a publish
    /// (`publishing`), only that partner's kits.
    public static func run(_ builder: Builder, database: any Store, partners: [Partner], selection: KitSelection, publishing partner: String? = nil,
                           now: Date, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> BuildReport {
        let report = try await builder.build(selection, progress: progress)
        let output = builder.store.output
        if let partner {
            try await database.sync(kits: kitRows(report.index.kits.filter { $0.partner == partner }, output: output, builtAt: now), partner: partner)
        } else {
            try await database.sync(partners: partners, now: now)
            try await database.sync(kits: kitRows(report.index.kits, output: output, builtAt: now))
        }
        return report
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
