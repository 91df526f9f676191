import Foundation

/// A lead as a landing page or webinar registration submitted it, validated.
public struct Lead: Sendable, Equatable {
    public var partner: String
    public var campaign: String
    public var asset: String?
    public var locale: String
    public var source: String
    public var email: EmailAddress
    public var firstName: String?
    public var lastName: String?
    public var company: String?
    /// ISO 3166-1 alpha-2, upper-case.
    public var country: String?
    public var phone: String?
    public var website: String?
    /// The account's registrable domain: from the email unless it is a free-mail provider, else from the
    /// website; nil when neither tells.
    public var companyDomain: String?
    /// Whether the person ticked the consent box, and which consent text they saw.
    public var consent: Bool
    public var consentVersion: String?

    public init(partner: String, campaign: String, asset: String?, locale: String, source: String, email: EmailAddress,
                firstName: String? = nil, lastName: String? = nil, company: String? = nil, country: String? = nil, phone: String? = nil,
                website: String? = nil, companyDomain: String? = nil, consent: Bool = false, consentVersion: String? = nil) {
        self.partner = partner
        self.campaign = campaign
        self.asset = asset
        self.locale = locale
        self.source = source
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.country = country
        self.phone = phone
        self.website = website
        self.companyDomain = companyDomain
        self.consent = consent
        self.consentVersion = consentVersion
    }
}

/// Why a submission was refused, naming the field, as the API reports it.
public struct FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let code: String
    public let message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Turns submitted form or JSON fields into a `Lead`: checks every field, applies the consent rule of the
/// partner's country and derives the company domain. Pure: the server adds time, storage and rate limits.
public struct LeadIntake: Sendable {
    public enum Outcome: Sendable, Equatable {
        case lead(Lead)
        /// The honeypot was filled in: answer as if accepted, keep nothing.
        case spam
    }

    /// The hidden field a person never sees and a bot fills in.
    public static let honeypot = "website_url"
    public static let sources: Set<String> = ["landing", "webinar", "event", "email", "syndication", "social", "document", "other"]
    /// Countries whose law needs opt-in consent before marketing contact (EU and EEA, UK, Switzerland,
    /// Canada's CASL, Australia's Spam Act, New Zealand): the default of `leads.opt_in_countries`.
    public static let defaultOptInCountries: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
        "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB", "CH", "CA", "AU", "NZ",
    ]

    public let partners: [String: Partner]
    /// Campaign ids and their asset ids.
    public let campaigns: [String: Set<String>]
    public let optInCountries: Set<String>

    public init(partners: [Partner], campaigns: [String: Set<String>], optInCountries: Set<String> = Self.defaultOptInCountries) {
        self.partners = Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.campaigns = campaigns
        self.optInCountries = optInCountries
    }

    public func validate(_ fields: [String: String]) throws(FieldError) -> Outcome {
        if let trap = fields[Self.honeypot], !trap.isEmpty { return .spam }
        func text(_ name: String, max: Int) throws(FieldError) -> String? {
            guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            if let problem = TextLimit.problem(value, maxLength: max) { throw FieldError(field: name, code: "too_long", message: "\(name) \(problem)") }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
                throw FieldError(field: name, code: "invalid", message: "\(name) contains control characters")
            }
            return value
        }
        func required(_ name: String, max: Int) throws(FieldError) -> String {
            guard let value = try text(name, max: max) else { throw FieldError(field: name, code: "required", message: "\(name) is required") }
            return value
        }

        let partnerID = try required("partner", max: 64)
        guard let partner = partners[partnerID] else { throw FieldError(field: "partner", code: "unknown", message: "no partner '\(partnerID)'") }
        let campaign = try required("campaign", max: 64)
        guard let assets = campaigns[campaign] else { throw FieldError(field: "campaign", code: "unknown", message: "no campaign '\(campaign)'") }
        let asset = try text("asset", max: 64)
        if let asset, !assets.contains(asset) {
            throw FieldError(field: "asset", code: "unknown", message: "campaign '\(campaign)' has no asset '\(asset)'")
        }
        let locale = try text("locale", max: 35) ?? partner.locales.first?.identifier ?? ""
        guard partner.locales.contains(where: { $0.identifier == locale }) else {
            throw FieldError(field: "locale", code: "unknown", message: "partner '\(partnerID)' has no locale '\(locale)'")
        }
        let source = try required("source", max: 32)
        guard Self.sources.contains(source) else {
            throw FieldError(field: "source", code: "invalid", message: "source must be one of \(Self.sources.sorted().joined(separator: ", "))")
        }
        let emailText = try required("email", max: 254)
        guard let email = EmailAddress(emailText) else {
            throw FieldError(field: "email", code: "invalid", message: "'\(emailText)' is not an email address such as name@company.com")
        }
        let country = try text("country", max: 64)?.uppercased()
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw FieldError(field: "country", code: "invalid", message: "country must be a two-letter ISO 3166 code such as DE")
        }
        let phone = try text("phone", max: 40)
        if let phone, !phone.allSatisfy({ $0.isASCII && ($0.isNumber || " +-().".contains($0)) }) || !phone.contains(where: \.isNumber) {
            throw FieldError(field: "phone", code: "invalid", message: "phone may hold digits, spaces and + - ( ) . only")
        }
        let website = try text("website", max: 2048)
        if let website, Domains.ofWebsite(website) == nil {
            throw FieldError(field: "website", code: "invalid", message: "website must be an address such as https://company.com")
        }
        let consent = ["yes", "true", "on", "1"].contains(fields["consent"]?.lowercased() ?? "")
        if !consent, partner.requiresConsent(optInCountries: optInCountries) {
            throw FieldError(field: "consent", code: "required", message: "consent is required for partners in \(partner.country?.uppercased() ?? "")")
        }
        let emailDomain = Domains.registrable(String(email.domain))
        let companyDomain = emailDomain.flatMap { Domains.isFreeMail($0) || Domains.isFreeMail(String(email.domain)) ? nil : $0 }
            ?? website.flatMap(Domains.ofWebsite)
        return .lead(Lead(
            partner: partnerID, campaign: campaign, asset: asset, locale: locale, source: source, email: email,
            firstName: try text("first_name", max: 100), lastName: try text("last_name", max: 100), company: try text("company", max: 200),
            country: country, phone: phone, website: website, companyDomain: companyDomain,
            consent: consent, consentVersion: consent ? try text("consent_version", max: 64) : nil))
    }
}
