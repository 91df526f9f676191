import Foundation

/// What the store reads for all claims of a period in a few set-based queries (one pass over the events
/// inside the claims' windows, grouped by claim), and the evidence the rules make of it for each claim.
/// The store only gathers; how hits, leads and deals become a claim's evidence is decided here, once for
/// both engines.
public struct EvidenceFacts: Sendable {
    /// A partner's campaign: first downloads and deals are per campaign, not per claim window.
    public struct Campaign: Hashable, Sendable {
        public let partner: String
        public let campaign: String

        public init(partner: String, campaign: String) {
            self.partner = partner
            self.campaign = campaign
        }
    }

    /// Lead submissions inside one claim's window.
    public struct Submissions: Sendable, Equatable {
        /// Distinct leads.
        public var leads: Int
        /// Submissions with source `webinar` (each one, as registrations are counted).
        public var webinar: Int

        public init(leads: Int, webinar: Int) {
            self.leads = leads
            self.webinar = webinar
        }
    }

    /// Hits of the claim's partner and campaign inside its window, grouped as `EngagementRule` counts them, by claim id.
    public var hits: [Int64: [EngagementRule.Hits]] = [:]
    public var submissions: [Int64: Submissions] = [:]
    /// `YYYY-MM-DD` of the campaign's first kit download, at any time.
    public var firstDownloads: [Campaign: String] = [:]
    /// Deals the partner registered for accounts of the campaign's leads, in id order.
    public var deals: [Campaign: [Deal]] = [:]
    /// Visitor hashes of each partner's own addresses, which never count as engagement.
    public var partnerVisitors: [String: Set<String>] = [:]

    public init() {}

    /// The evidence for one claim, `currency` being the claim's.
    public func evidence(claim id: Int64, partner: String, campaign: String, currency: String, engagement: EngagementRule) -> Reconciler.Evidence {
        let key = Campaign(partner: partner, campaign: campaign)
        var evidence = Reconciler.Evidence()
        evidence.firstDownload = firstDownloads[key]
        let figures = engagement.count(hits[id] ?? [], partnerVisitors: partnerVisitors[partner] ?? [])
        evidence.downloads = figures[.download]?.raw ?? 0
        evidence.opens = figures[.open]?.counted ?? 0
        evidence.clicks = figures[.click]?.counted ?? 0
        evidence.views = figures[.view]?.counted ?? 0
        evidence.hits = figures.mapValues(\.raw)
        let submitted = submissions[id] ?? Submissions(leads: 0, webinar: 0)
        evidence.leads = submitted.leads
        evidence.webinarRegistrations = submitted.webinar
        evidence.add(deals: deals[key] ?? [], currency: currency)
        return evidence
    }
}
