import Foundation

/// An MDF claim as a partner or admin submits it, validated.
public struct ClaimRequest: Sendable, Equatable {
    public enum Activity: String, Sendable, CaseIterable, Codable { case email, webinar, event, syndication, paidSocial = "paid-social", other }

    public var partner: String
    public var campaign: String
    public var activity: Activity
    /// `YYYY-MM-DD`, both ends included.
    public var start: String
    public var end: String
    public var amount: Money
    public var invoice: String
    /// What the partner says the activity achieved: `emails_sent`, `attendees`, `leads`, ...
    public var results: [String: Int]

    /// In the order a form lists them.
    public static let resultNames = ["emails_sent", "opens", "clicks", "attendees", "registrations", "page_views", "leads", "impressions"]

    /// Checks every field; `campaigns` are the project's campaign ids.
    public static func validated(partner: String, campaign: String?, activity: String?, start: String?, end: String?, amount: String?,
                                 currency: String?, invoice: String?, results: [String: Int]?, campaigns: Set<String>) throws(FieldError) -> ClaimRequest {
        guard let campaign, !campaign.isEmpty else { throw FieldError(field: "campaign", code: "required", message: "campaign is required") }
        guard campaigns.contains(campaign) else { throw FieldError(field: "campaign", code: "unknown", message: "no campaign '\(campaign)'") }
        guard let activity, let kind = Activity(rawValue: activity) else {
            throw FieldError(field: "activity", code: activity == nil ? "required" : "invalid",
                             message: "activity must be one of \(Activity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let start, Period.day(start) != nil else {
            throw FieldError(field: "activity_start", code: start == nil ? "required" : "invalid", message: "activity_start must be a day such as 2026-11-02")
        }
        guard let end, Period.day(end) != nil else {
            throw FieldError(field: "activity_end", code: end == nil ? "required" : "invalid", message: "activity_end must be a day such as 2026-11-30")
        }
        guard start <= end else { throw FieldError(field: "activity_end", code: "invalid", message: "activity_end is before activity_start") }
        guard let currency, !currency.isEmpty else { throw FieldError(field: "currency", code: "required", message: "currency is required, such as EUR") }
        guard let amount, let money = Money(major: amount, currency: currency), money.amountMinor > 0 else {
            throw FieldError(field: "amount", code: amount == nil ? "required" : "invalid",
                             message: "amount must be a positive amount in \(currency.uppercased()) such as \"2500.00\"")
        }
        guard let invoice = invoice?.trimmingCharacters(in: .whitespaces), !invoice.isEmpty, TextLimit.fits(invoice, maxLength: 100) else {
            throw FieldError(field: "invoice", code: "required", message: "invoice must be the invoice reference, 1 to 100 characters")
        }
        let results = results ?? [:]
        for (name, value) in results {
            guard resultNames.contains(name) else {
                throw FieldError(field: "results", code: "invalid", message: "results may name \(resultNames.sorted().joined(separator: ", ")); not '\(name)'")
            }
            guard value >= 0 else { throw FieldError(field: "results", code: "invalid", message: "results.\(name) must be 0 or more") }
        }
        return ClaimRequest(partner: partner, campaign: campaign, activity: kind, start: start, end: end, amount: money, invoice: invoice,
                            results: results)
    }
}

/// A proof attached to a claim: kept by content (its SHA-256), never under the name the partner gave.
public struct ClaimProof: Sendable, Equatable {
    public static let maxBytes = 10 << 20

    /// The name shown to admins: the last path component, control characters removed, at most 120 characters.
    public let name: String
    public let data: Data
    public var sha256: String { Checksum.sha256(data) }

    public init(name: String, data: Data) throws(FieldError) {
        guard !data.isEmpty, data.count <= Self.maxBytes else {
            throw FieldError(field: "proofs", code: "invalid", message: "each proof must be 1 byte to \(Self.maxBytes >> 20) MB")
        }
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !$0.properties.isWhitespace || $0 == " " }.filter { $0.value >= 0x20 }.map(Character.init))
        self.name = String((clean.isEmpty ? "proof" : clean).prefix(120))
        self.data = data
    }
}
