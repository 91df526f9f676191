import Foundation

/// What tracked hits count as engagement in MDF evidence. A pixel can be fetched any number of times, so
/// raw hits prove little: 120 fetches of one open pixel from one address are one open. Engagement is one
/// per visitor (salted address hash), asset and day, leaving out the agent classes `excludedAgents` names
/// and the partner's own addresses (where they signed in or called the API from).
public struct EngagementRule: Sendable, Equatable {
    /// Agent classes whose hits never count; bots by default. Add `mail-proxy` to leave out opens that
    /// Gmail's image proxy or Apple Mail Privacy Protection made rather than a reader.
    public var excludedAgents: Set<Visitor.AgentClass>

    public init(excludedAgents: Set<Visitor.AgentClass> = [.bot]) { self.excludedAgents = excludedAgents }

    /// Hits of one kind on one asset by one visitor on one day with one agent class.
    public struct Hits: Sendable, Equatable {
        public var kind: AssetEvent.Kind
        public var asset: String
        public var visitor: String
        /// `YYYY-MM-DD` in UTC.
        public var day: String
        public var agentClass: String
        public var count: Int

        public init(kind: AssetEvent.Kind, asset: String, visitor: String, day: String, agentClass: String, count: Int) {
            self.kind = kind
            self.asset = asset
            self.visitor = visitor
            self.day = day
            self.agentClass = agentClass
            self.count = count
        }
    }

    /// Raw hits and counted engagement of one kind, side by side in the evidence.
    public struct Figure: Sendable, Equatable {
        public var raw = 0
        public var counted = 0

        public init(raw: Int = 0, counted: Int = 0) {
            self.raw = raw
            self.counted = counted
        }
    }

    public func count(_ hits: [Hits], partnerVisitors: Set<String>) -> [AssetEvent.Kind: Figure] {
        var raw: [AssetEvent.Kind: Int] = [:]
        var counted: [AssetEvent.Kind: Set<[String]>] = [:]
        for group in hits {
            raw[group.kind, default: 0] += group.count
            let agent = Visitor.AgentClass(rawValue: group.agentClass) ?? .other
            guard !excludedAgents.contains(agent), !partnerVisitors.contains(group.visitor) else { continue }
            counted[group.kind, default: []].insert([group.asset, group.visitor, group.day])
        }
        return raw.mapValues { Figure(raw: $0) }.merging(counted.mapValues { Figure(counted: $0.count) }) { Figure(raw: $0.raw, counted: $1.counted) }
    }
}
