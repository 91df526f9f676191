import Foundation

/// One recorded use of an asset: an open, click, view or download.
public struct AssetEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, CaseIterable, Codable { case open, click, view, download }

    public let kind: Kind
    public let partner: String
    public let campaign: String
    public let asset: String
    public let locale: String
    /// The redirect target of a click.
    public let target: String?
    public let occurredAt: Date
    public let ipHash: String
    public let agentClass: String

    public init(kind: Kind, partner: String, campaign: String, asset: String, locale: String, target: String? = nil,
                occurredAt: Date, ipHash: String, agentClass: String) {
        self.kind = kind
        self.partner = partner
        self.campaign = campaign
        self.asset = asset
        self.locale = locale
        self.target = target
        self.occurredAt = occurredAt
        self.ipHash = ipHash
        self.agentClass = agentClass
    }
}
