import CobrandCore
import Foundation

/// How far a fleet build is: shards reported of its N, and whether this report finished it.
public struct FleetProgress: Sendable, Equatable {
    public let reported: Int
    public let shards: Int
    /// True for the report that completed the build (dropped partners' kits were removed then).
    public let finished: Bool

    public init(reported: Int, shards: Int, finished: Bool) {
        self.reported = reported
        self.shards = shards
        self.finished = finished
    }
}

/// What one shard's report changes in the kit table, the same on both engines: its slice's rows become
/// the kits it built, except rows of partners no longer in the roster, which wait for the build's last shard.
struct FleetSync {
    let shard: Shard
    let roster: Set<String>
    /// Rows to insert or update (a kit whose zip is unchanged keeps its `builtAt`).
    let saved: [AppDatabase.Kit]
    /// Rows of the slice, of roster partners, that this build no longer has.
    let removed: [AppDatabase.Kit]

    init(kits: [AppDatabase.Kit], shard: Shard, roster: [Partner], stored: [AppDatabase.Kit]) {
        let ids = Set(roster.map(\.id))
        self.shard = shard
        self.roster = ids
        let built = kits.filter { Self.inSlice($0, shard) }
        let existing = Dictionary(uniqueKeysWithValues: stored.filter { Self.inSlice($0, shard) }.map { ($0.dir, $0) })
        let dirs = Set(built.map(\.dir))
        removed = existing.values.filter { !dirs.contains($0.dir) && ids.contains($0.partner) }.sorted { $0.dir < $1.dir }
        saved = built.map { kit in
            var kit = kit
            if let old = existing[kit.dir], old.sha256 == kit.sha256 { kit.builtAt = old.builtAt }
            return kit
        }.filter { $0 != existing[$0.dir] }
    }

    /// Once every shard reported: the kits of partners the roster no longer has.
    func droppedPartners(in stored: [AppDatabase.Kit]) -> [AppDatabase.Kit] {
        stored.filter { !roster.contains($0.partner) }
    }

    static func inSlice(_ kit: AppDatabase.Kit, _ shard: Shard) -> Bool {
        LocaleTag(kit.locale).map { shard.contains(partner: kit.partner, locale: $0) } ?? false
    }
}
