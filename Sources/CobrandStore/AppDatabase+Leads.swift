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

        /// Text fields in the order of `leadColumns`.
        public var fields: [String] {
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
            let existing = try Int64.fetchOne(db, sql: "SELECT id FROM lead WHERE partner = ? AND email = ?",
                                              arguments: [lead.partner, lead.email.normalized])
            let id: Int64
            if let existing {
                id = existing
            } else {
                try db.execute(sql: """
                    INSERT INTO lead (partner, email, firstName, lastName, company, companyDomain, country, phone, website,
                      consent, consentVersion, consentAt, campaign, source, locale, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [lead.partner, lead.email.normalized, lead.firstName, lead.lastName, lead.company, lead.companyDomain,
                                     lead.country, lead.phone, lead.website, lead.consent, lead.consentVersion, lead.consent ? now : nil,
                                     lead.campaign, lead.source, lead.locale, now, now])
                id = db.lastInsertedRowID
            }
            try db.execute(sql: """
                INSERT INTO leadSubmission (leadId, partner, campaign, asset, locale, source, ipHash, signed, submittedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, lead.partner, lead.campaign, lead.asset, lead.locale, lead.source, ipHash, signed, now])
            let stored = try Self.lead(id, db)
            try Self.enqueue(type: existing == nil ? "lead.created" : "lead.updated",
                        object: ["lead": Self.payload(stored, asset: lead.asset)], now: now, db)
            return (id, existing == nil)
        }
    }

    /// The columns of a lead export, in order.
    public static let leadColumns = [
        "id", "partner", "email", "first_name", "last_name", "company", "company_domain", "country", "phone", "website", "consent",
        "consent_version", "consent_at", "campaign", "source", "locale", "submissions", "created_at", "updated_at",
    ]

    /// Leads, newest first, optionally of one partner.
    public func leads(partner: String? = nil) throws -> [StoredLead] {
        try writer.read { db in
            try StoredLead.fetchAll(db, sql: Self.storedLead + " WHERE (? IS NULL OR partner = ?) ORDER BY createdAt DESC, id DESC",
                                    arguments: [partner, partner])
        }
    }

    static func lead(_ id: Int64, _ db: Database) throws -> StoredLead {
        try StoredLead.fetchOne(db, sql: storedLead + " WHERE id = ?", arguments: [id])!
    }

    /// A lead with its count of submissions.
    static let storedLead = "SELECT lead.*, (SELECT COUNT(*) FROM leadSubmission WHERE leadId = lead.id) AS submissions FROM lead"

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
            ("country", lead.country), ("phone", lead.phone), ("website", lead.website), ("asset", asset),
        ]
        for (key, value) in optional { object[key] = value ?? NSNull() }
        return object
    }
}
