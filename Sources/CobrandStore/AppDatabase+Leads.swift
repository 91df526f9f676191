import CobrandCore
import Foundation
import GRDB

/// Leads: one row per person per partner (by normalised email), one `leadSubmission` row per form sent
/// (so a webinar registration after a landing-page visit still counts for the webinar's campaign), and an
/// outbox row for the CRM in the same transaction.
extension AppDatabase {
    public struct StoredLead: Codable, FetchableRecord, Equatable, Sendable {
        public let id: Int64
        public let partner: String
        public let email: String
        public let firstName: String?
        public let lastName: String?
        public let company: String?
        public let companyDomain: String?
        public let country: String?
        public let phone: String?
        public let website: String?
        public let consent: Bool
        public let consentVersion: String?
        public let consentAt: Date?
        public let campaign: String
        public let source: String
        public let locale: String
        public let submissions: Int
        public let createdAt: Date
        public let updatedAt: Date
        /// The CRM's id for the lead and its qualification, once the CRM sent them.
        public let crmId: String?
        public let qualification: LeadQualification?

        /// Text fields in the order of `leadColumns`.
        public var fields: [String] { own + [qualification?.rawValue ?? "", crmId ?? ""] }

        /// Text fields in the order of `partnerLeadColumns`: the CRM's id stays the vendor's.
        public func partnerFields(asset: String?) -> [String] { own + [asset ?? "", qualification?.rawValue ?? ""] }

        private var own: [String] {
            [String(id), partner, email, firstName ?? "", lastName ?? "", company ?? "", companyDomain ?? "", country ?? "", phone ?? "",
             website ?? "", consent ? "yes" : "no", consentVersion ?? "", consentAt.map(Timestamp.iso8601) ?? "", campaign, source, locale,
             String(submissions), Timestamp.iso8601(createdAt), Timestamp.iso8601(updatedAt)]
        }
    }

    /// Records a validated lead at `now`: creates it, or, for a person the partner already has (same email),
    /// only adds the submission. A public form proves nothing about who sent it, so it never changes a
    /// stored lead's fields (anyone who knows an address could otherwise rewrite that lead). Returns the
    /// lead's id and whether it is new.
    @discardableResult
    public func record(_ lead: Lead, ipHash: String, signed: Bool = false, now: Date) throws -> (id: Int64, created: Bool) {
        try writer.write { db in
            let existing = try LeadRecord.filter(LeadRecord.Columns.partner == lead.partner && LeadRecord.Columns.email == lead.email.normalized)
                .fetchOne(db)?.id
            let id: Int64
            if let existing {
                id = existing
            } else {
                var record = LeadRecord(lead, now: now)
                try record.insert(db)
                id = db.lastInsertedRowID
            }
            try LeadSubmissionRecord(id: nil, leadId: id, partner: lead.partner, campaign: lead.campaign, asset: lead.asset, locale: lead.locale,
                                     source: lead.source, ipHash: ipHash, signed: signed, submittedAt: now).insert(db)
            let stored = try Self.lead(id, db)
            try Self.enqueue(type: existing == nil ? "lead.created" : "lead.updated",
                        object: ["lead": Self.payload(stored, asset: lead.asset)], now: now, db)
            return (id, existing == nil)
        }
    }

    /// The columns of a lead export, in order, and of the partner's own (`StoredLead.partnerFields`).
    public static let leadColumns = ownLeadColumns + ["qualification", "crm_id"]
    public static let partnerLeadColumns = ownLeadColumns + ["asset", "qualification"]
    static let ownLeadColumns = [
        "id", "partner", "email", "first_name", "last_name", "company", "company_domain", "country", "phone", "website", "consent",
        "consent_version", "consent_at", "campaign", "source", "locale", "submissions", "created_at", "updated_at",
    ]

    /// Leads, newest first, optionally of one partner.
    public func leads(partner: String? = nil) throws -> [StoredLead] {
        try writer.read { db in
            var request = Self.storedLeads.order(LeadRecord.Columns.createdAt.desc, LeadRecord.Columns.id.desc)
            if let partner { request = request.filter(LeadRecord.Columns.partner == partner) }
            return try request.asRequest(of: StoredLead.self).fetchAll(db)
        }
    }

    static func lead(_ id: Int64, _ db: Database) throws -> StoredLead {
        guard let lead = try storedLeads.filter(key: id).asRequest(of: StoredLead.self).fetchOne(db) else {
            throw DealError.leadNotFound(id)
        }
        return lead
    }

    /// Leads with their count of submissions.
    static var storedLeads: QueryInterfaceRequest<LeadRecord> { LeadRecord.annotated(with: LeadRecord.submissions.count.forKey("submissions")) }

    /// The lead as the CRM webhook and the JSON export carry it.
    public static func payload(_ lead: StoredLead, asset: String? = nil) -> [String: Any] {
        var object: [String: Any] = [
            "id": lead.id, "partner": lead.partner, "email": lead.email, "campaign": lead.campaign, "source": lead.source,
            "locale": lead.locale, "submissions": lead.submissions,
            "consent": ["given": lead.consent, "version": lead.consentVersion as Any, "at": lead.consentAt.map(Timestamp.iso8601) as Any],
            "created_at": Timestamp.iso8601(lead.createdAt), "updated_at": Timestamp.iso8601(lead.updatedAt),
        ]
        let optional: [(String, String?)] = [
            ("first_name", lead.firstName), ("last_name", lead.lastName), ("company", lead.company), ("company_domain", lead.companyDomain),
            ("country", lead.country), ("phone", lead.phone), ("website", lead.website), ("asset", asset), ("crm_id", lead.crmId),
            ("qualification", lead.qualification?.rawValue),
        ]
        for (key, value) in optional { object[key] = value ?? NSNull() }
        return object
    }
}
