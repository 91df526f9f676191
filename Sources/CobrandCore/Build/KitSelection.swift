/// Which kits a build makes: `--campaign`, `--partner`, `--locale` filters and a `--shard`.
public struct KitSelection: Sendable, Equatable {
    public var campaigns: Set<String> = []
    public var partners: Set<String> = []
    public var locales: Set<LocaleTag> = []
    public var shard: Shard?

    public init(campaigns: Set<String> = [], partners: Set<String> = [], locales: Set<LocaleTag> = [], shard: Shard? = nil) {
        self.campaigns = campaigns
        self.partners = partners
        self.locales = locales
        self.shard = shard
    }

    /// True when nothing is filtered: the build covers the whole project and may prune stale kits.
    public var isEverything: Bool { campaigns.isEmpty && partners.isEmpty && locales.isEmpty && shard == nil }

    public func includes(_ kit: KitID) -> Bool {
        (campaigns.isEmpty || campaigns.contains(kit.campaign))
            && (partners.isEmpty || partners.contains(kit.partner))
            && (locales.isEmpty || locales.contains(kit.locale))
            && (shard?.contains(partner: kit.partner, locale: kit.locale) ?? true)
    }

    /// Filter values that name nothing in the project, as messages; a typo should not build nothing silently.
    public func unknownNames(in project: Project) -> [String] {
        let campaignIDs = Set(project.campaigns.map(\.id))
        let partnerIDs = Set(project.partners.map(\.id))
        let usedLocales = Set(project.partners.flatMap(\.locales))
        return campaigns.subtracting(campaignIDs).sorted().map {
            "--campaign \($0): no such campaign; use one of: \(campaignIDs.sorted().joined(separator: ", "))"
        } + partners.subtracting(partnerIDs).sorted().map {
            "--partner \($0): no such partner in \(project.rosterPath) (or its row has errors; run cobrand validate)"
        } + locales.subtracting(usedLocales).sorted().map {
            "--locale \($0): no partner uses this locale; used locales: \(usedLocales.sorted().map(\.identifier).joined(separator: ", "))"
        }
    }
}

/// The I-th of N disjoint slices of the partner x locale set (1-based), stable as the roster grows:
/// a pair's slice depends only on its own ids, so adding a partner moves no other kit.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    public func contains(partner: String, locale: LocaleTag) -> Bool {
        // FNV-1a: fixed across processes and machines, unlike Swift's seeded Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(partner)/\(locale.identifier)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}

/// A fleet build: its N shards report one by one, in any order, and the last to report finishes it.
public enum FleetBuild {
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case reportedAlready(build: String, shard: Shard)
        case otherShardCount(build: String, shards: Int, given: Shard)

        public var description: String {
            switch self {
            case let .reportedAlready(build, shard):
                "shard \(shard) of fleet build \(build) has reported already; give each build its own --build-id (such as the CI run's id)"
            case let .otherShardCount(build, shards, given):
                "fleet build \(build) has \(shards) shards, not \(given.count) (--shard \(given)); give each build its own --build-id"
            }
        }
    }

    /// Whether `shard`'s report finishes `build`, given the shards that reported before; a shard that reported
    /// already, or a count of shards the build's others do not share, is refused.
    public static func report(_ shard: Shard, build: String, reported: [Shard]) throws(Refusal) -> Bool {
        if let other = reported.first(where: { $0.count != shard.count }) {
            throw .otherShardCount(build: build, shards: other.count, given: shard)
        }
        guard !reported.contains(shard) else { throw .reportedAlready(build: build, shard: shard) }
        return reported.count + 1 == shard.count
    }
}
