import Foundation

/// A partner as the roster describes it. Every text field is untrusted: templates escape it.
public struct Partner: Hashable, Sendable, Codable {
    /// Slug `[a-z0-9][a-z0-9-]{0,62}`: safe in paths, URLs and file names.
    public var id: String
    public var name: String
    /// The partner's locales in roster order; each has a catalog or a language fallback.
    public var locales: [LocaleTag]
    public var website: String?
    /// The partner's privacy notice, linked beside the consent box of its lead forms: required where consent
    /// must be informed (`leads.opt_in_countries`).
    public var privacyURL: String?
    /// File name under `Assets/partners/`, if the partner has a logo.
    public var logo: String?
    public var primaryColor: Color?
    public var accentColor: Color?
    public var contactName: String?
    public var contactEmail: String?
    public var phone: String?
    /// Postal address; lines separated by newlines.
    public var address: String?
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String?
    /// IANA time zone identifier.
    public var timezone: String?
    public var tier: String?
    public var region: String?
    /// Line of the roster row, for messages.
    public var line: Int

    public init(id: String, name: String, locales: [LocaleTag], website: String? = nil, logo: String? = nil,
                primaryColor: Color? = nil, accentColor: Color? = nil, contactName: String? = nil,
                contactEmail: String? = nil, phone: String? = nil, address: String? = nil, country: String? = nil,
                timezone: String? = nil, tier: String? = nil, region: String? = nil, line: Int = 0) {
        self.id = id
        self.name = name
        self.locales = locales
        self.website = website
        self.logo = logo
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.phone = phone
        self.address = address
        self.country = country
        self.timezone = timezone
        self.tier = tier
        self.region = region
        self.line = line
    }

    /// The partner as roster columns (`Roster.requiredColumns` and `optionalColumns`); absent values are left out.
    public var rosterRow: [String: String] {
        let values: [String: String?] = [
            "id": id, "name": name, "locales": locales.map(\.identifier).joined(separator: ";"), "website": website,
            "privacy_url": privacyURL, "logo": logo,
            "primary_color": primaryColor?.description, "accent_color": accentColor?.description, "contact_name": contactName,
            "contact_email": contactEmail, "phone": phone, "address": address, "country": country, "timezone": timezone, "tier": tier,
            "region": region,
        ]
        return values.compactMapValues { $0 }
    }

    /// Whether leads from this partner's pages need explicit consent: its country is one of `optInCountries`
    /// (GDPR, CASL and their peers). Then the consent box is required and cites the partner's privacy notice.
    public func requiresConsent(optInCountries: Set<String>) -> Bool {
        country.map { optInCountries.contains($0.uppercased()) } ?? false
    }

    /// True when `text` is a valid partner id.
    public static func isValidID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func isAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return isAlnum(bytes[0]) && bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }
}
