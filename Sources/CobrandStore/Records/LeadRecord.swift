import CobrandCore
import Foundation
import GRDB

/// A row of `lead`: one person per partner, by normalised email.
struct LeadRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "lead"
    static let submissions = hasMany(LeadSubmissionRecord.self, using: ForeignKey(["leadId"]))

    enum Columns {
        static let id = Column(CodingKeys.id), partner = Column(CodingKeys.partner), email = Column(CodingKeys.email)
        static let companyDomain = Column(CodingKeys.companyDomain), createdAt = Column(CodingKeys.createdAt)
        static let crmId = Column(CodingKeys.crmId)
    }

    var id: Int64?
    var partner: String
    var email: String
    var firstName: String?
    var lastName: String?
    var company: String?
    var companyDomain: String?
    var country: String?
    var phone: String?
    var website: String?
    var consent: Bool
    var consentVersion: String?
    var consentAt: Date?
    var campaign: String
    var source: String
    var locale: String
    var createdAt: Date
    var updatedAt: Date
    var crmId: String?
    var qualification: LeadQualification?
    var qualifiedAt: Date?

    /// The CRM's word on the lead, if it said anything.
    var outcome: LeadOutcome? { qualification.flatMap { q in qualifiedAt.map { LeadOutcome(qualification: q, crmID: crmId, at: $0) } } }

    init(_ lead: Lead, now: Date) {
        partner = lead.partner
        email = lead.email.normalized
        firstName = lead.firstName
        lastName = lead.lastName
        company = lead.company
        companyDomain = lead.companyDomain
        country = lead.country
        phone = lead.phone
        website = lead.website
        consent = lead.consent
        consentVersion = lead.consentVersion
        consentAt = lead.consent ? now : nil
        campaign = lead.campaign
        source = lead.source
        locale = lead.locale
        createdAt = now
        updatedAt = now
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `leadSubmission`: one form sent, so a later webinar registration still counts for its campaign.
struct LeadSubmissionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "leadSubmission"
    static let lead = belongsTo(LeadRecord.self, using: ForeignKey(["leadId"]))

    enum Columns {
        static let id = Column(CodingKeys.id), leadId = Column(CodingKeys.leadId), partner = Column(CodingKeys.partner)
        static let campaign = Column(CodingKeys.campaign), submittedAt = Column(CodingKeys.submittedAt)
    }

    var id: Int64?
    var leadId: Int64
    var partner: String
    var campaign: String
    var asset: String?
    var locale: String
    var source: String
    var ipHash: String
    var signed: Bool
    var submittedAt: Date

    /// Every submission of a partner's leads at `domain`: what `TrackedLeadRule` weighs.
    static func tracked(partner: String, domain: String, _ db: Database) throws -> [TrackedLeadRule.Submission] {
        try LeadSubmissionRecord.joining(required: lead.filter(LeadRecord.Columns.partner == partner && LeadRecord.Columns.companyDomain == domain))
            .fetchAll(db).map { TrackedLeadRule.Submission(signed: $0.signed, submittedAt: $0.submittedAt, visitor: $0.ipHash) }
    }
}

/// A row of `partnerAddress`: a visitor hash a partner signed in or called the API from.
struct PartnerAddressRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "partnerAddress"

    enum Columns { static let partner = Column(CodingKeys.partner), visitor = Column(CodingKeys.visitor) }

    var partner: String
    var visitor: String
    var firstSeen: Date
    var lastSeen: Date

    static func visitors(partner: String, _ db: Database) throws -> Set<String> {
        Set(try filter(Columns.partner == partner).select(Columns.visitor, as: String.self).fetchAll(db))
    }

    static func note(partner: String, visitor: String, now: Date, _ db: Database) throws {
        var address = try fetchOne(db, key: ["partner": partner, "visitor": visitor])
            ?? PartnerAddressRecord(partner: partner, visitor: visitor, firstSeen: now, lastSeen: now)
        address.lastSeen = now
        try address.save(db)
    }
}
