import CobrandCore
import Foundation
import GRDB

/// A row of the funnel's hit count: the events of one key, kind and agent class.
struct FunnelHitRow: Decodable, FetchableRecord {
    var partner: String
    var campaign: String
    var locale: String
    var asset: String
    var kind: AssetEvent.Kind
    var agentClass: String
    var hits: Int

    var count: Funnel.HitCount {
        Funnel.HitCount(key: .init(partner: partner, campaign: campaign, locale: locale, asset: asset), kind: kind, agentClass: agentClass, count: hits)
    }
}

/// A lead's submission with the lead's account and qualification.
struct FunnelSubmissionRow: Decodable, FetchableRecord {
    var leadId: Int64
    var partner: String
    var campaign: String
    var locale: String
    var asset: String?
    var submittedAt: Date
    var companyDomain: String?
    var qualification: LeadQualification?

    var submission: Funnel.Submission {
        Funnel.Submission(lead: leadId, key: .init(partner: partner, campaign: campaign, locale: locale, asset: asset ?? ""), domain: companyDomain,
                          qualification: qualification, submittedAt: submittedAt)
    }
}

extension AppDatabase.Claim {
    /// The claim's approved amount as the funnel's MDF spend.
    var spend: Funnel.Spend { Funnel.Spend(partner: partner, campaign: campaign, approved: Money(amountMinor: approvedMinor ?? 0, currency: currency)) }
}
