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

/// What a sync changes in the kit table, the same on both engines: the stored rows in scope become `kits`,
/// except rows `keep` holds on to; a kit whose zip is unchanged keeps its `builtAt`.
struct KitSync {
    /// Rows to insert or update.
    let saved: [AppDatabase.Kit]
    /// Stored rows in scope that `kits` no longer has.
    let removed: [AppDatabase.Kit]

    init(kits: [AppDatabase.Kit], stored: [AppDatabase.Kit], keep: (AppDatabase.Kit) -> Bool = { _ in false }) {
        let existing = Dictionary(uniqueKeysWithValues: stored.map { ($0.dir, $0) })
        let dirs = Set(kits.map(\.dir))
        removed = stored.filter { !dirs.contains($0.dir) && !keep($0) }.sorted { $0.dir < $1.dir }
        saved = kits.map { kit in
            var kit = kit
            if let old = existing[kit.dir], old.sha256 == kit.sha256 { kit.builtAt = old.builtAt }
            return kit
        }.filter { $0 != existing[$0.dir] }
    }

    /// A publish or a build: every stored row (or `partner`'s) becomes `kits` (theirs only, with `partner`).
    init(kits: [AppDatabase.Kit], stored: [AppDatabase.Kit], partner: String?) {
        self.init(kits: partner.map { id in kits.filter { $0.partner == id } } ?? kits,
                  stored: partner.map { id in stored.filter { $0.partner == id } } ?? stored)
    }

    /// A fleet build's shard: its slice becomes the kits it built, but rows of partners no longer in the roster
    /// wait for the build's last shard (`dropped`).
    init(kits: [AppDatabase.Kit], stored: [AppDatabase.Kit], shard: Shard, roster: [Partner]) {
        let ids = Set(roster.map(\.id))
        self.init(kits: kits.filter { Self.inSlice($0, shard) }, stored: stored.filter { Self.inSlice($0, shard) }, keep: { !ids.contains($0.partner) })
    }

    /// Once every shard of a fleet build reported: the stored kits of partners the roster no longer has.
    static func dropped(_ stored: [AppDatabase.Kit], roster: [Partner]) -> [AppDatabase.Kit] {
        let ids = Set(roster.map(\.id))
        return stored.filter { !ids.contains($0.partner) }
    }

    static func inSlice(_ kit: AppDatabase.Kit, _ shard: Shard) -> Bool {
        LocaleTag(kit.locale).map { shard.contains(partner: kit.partner, locale: $0) } ?? false
    }
}
