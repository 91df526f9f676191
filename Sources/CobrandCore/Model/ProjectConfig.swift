import Foundation

/// `cobrand.yaml`: every setting has a working default, so the file is optional.
public struct ProjectConfig: Sendable, Equatable, Decodable {
    public struct Vendor: Sendable, Equatable, Decodable {
        public var name = "Vendor"
        public var legalName: String?
        public var website: String?
        public var address: String?
        /// Path under `Assets/` of the vendor logo.
        public var logo: String?

        public init() {}

        enum CodingKeys: String, CodingKey { case name, legalName = "legal_name", website, address, logo }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? name
            legalName = try c.decodeIfPresent(String.self, forKey: .legalName)
            website = try c.decodeIfPresent(String.self, forKey: .website)
            address = try c.decodeIfPresent(String.self, forKey: .address)
            logo = try c.decodeIfPresent(String.self, forKey: .logo)
        }
    }

    /// The vendor's brand colours, and the text/background pairs partner colours are checked against.
    public struct Colors: Sendable, Equatable, Decodable {
        /// Vendor brand colour, used where a partner has none.
        public var primary = Color(red: 0x0B, green: 0x5F, blue: 0xFF)
        /// Vendor accent (links), used where a partner has none.
        public var accent = Color(red: 0x0A, green: 0x6E, blue: 0x4F)
        /// Page background; partner accent colours (link text) must contrast with it.
        public var background = Color.white
        /// Body text colour.
        public var text = Color(red: 0x1A, green: 0x1A, blue: 0x1A)
        /// Text drawn on the primary colour (buttons, header bands); partner primaries must contrast with it.
        public var onPrimary = Color.white

        public init() {}

        enum CodingKeys: String, CodingKey { case primary, accent, background, text, onPrimary = "on_primary" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            primary = try c.decodeIfPresent(Color.self, forKey: .primary) ?? primary
            accent = try c.decodeIfPresent(Color.self, forKey: .accent) ?? accent
            background = try c.decodeIfPresent(Color.self, forKey: .background) ?? background
            text = try c.decodeIfPresent(Color.self, forKey: .text) ?? text
            onPrimary = try c.decodeIfPresent(Color.self, forKey: .onPrimary) ?? onPrimary
        }
    }

    /// How generated emails handle unsubscribing.
    public struct Email: Sendable, Equatable, Decodable {
        /// The merge tag the partner's ESP replaces with the recipient's address, put into the unsubscribe
        /// link of the HTML and text files meant for ESP import, so one click identifies who leaves.
        /// Mailchimp: `*|EMAIL|*`; HubSpot: `{{contact.email}}`; Brevo: `{{ contact.EMAIL }}`; Klaviyo: `{{ email }}`.
        public var addressMergeTag = "*|EMAIL|*"
        /// Retired: ESP files now link Cobrand's own unsubscribe page; kept so `validate` can say so.
        public var unsubscribePlaceholder: String?
        /// The vendor's own unsubscribe address instead of `cobrand serve`'s signed one: `{partner}`,
        /// `{campaign}` and `{email}` (the merge tag, or nothing in `.eml` files) are replaced.
        public var unsubscribeURL: String?
        /// Where email images are served from, as `<asset_base_url>/a/<sha256>.png`. Default: the portal URL,
        /// whose `cobrand serve` answers them; a CDN in front of it, or any host the output's `a/` folder is
        /// copied to, works too.
        public var assetBaseURL: String?
        /// The clients every email is checked against (caniemail `family/platform[/version]`).
        public var clients = EmailClient.defaults

        public init() {}

        enum CodingKeys: String, CodingKey {
            case addressMergeTag = "address_merge_tag", unsubscribePlaceholder = "unsubscribe_placeholder", unsubscribeURL = "unsubscribe_url", assetBaseURL = "asset_base_url", clients
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            addressMergeTag = try c.decodeIfPresent(String.self, forKey: .addressMergeTag) ?? addressMergeTag
            unsubscribePlaceholder = try c.decodeIfPresent(String.self, forKey: .unsubscribePlaceholder)
            unsubscribeURL = try c.decodeIfPresent(String.self, forKey: .unsubscribeURL)
            assetBaseURL = try c.decodeIfPresent(String.self, forKey: .assetBaseURL)
            clients = try c.decodeIfPresent([EmailClient].self, forKey: .clients) ?? clients
        }
    }

    /// Lead intake (`POST /api/leads`).
    public struct Leads: Sendable, Equatable, Decodable {
        /// Countries (ISO 3166-1 alpha-2) whose partners' leads need the consent box ticked.
        public var optInCountries = LeadIntake.defaultOptInCountries
        /// Submissions per visitor (IP hash) per minute; more get 429.
        public var rateLimitPerMinute = 10

        public init() {}

        enum CodingKeys: String, CodingKey { case optInCountries = "opt_in_countries", rateLimitPerMinute = "rate_limit_per_minute" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let countries = try c.decodeIfPresent([String].self, forKey: .optInCountries) {
                optInCountries = Set(countries.map { $0.uppercased() })
            }
            rateLimitPerMinute = try c.decodeIfPresent(Int.self, forKey: .rateLimitPerMinute) ?? rateLimitPerMinute
            guard rateLimitPerMinute >= 1 else {
                throw DecodingError.dataCorruptedError(forKey: .rateLimitPerMinute, in: c, debugDescription: "must be 1 or more")
            }
        }
    }

    /// Deal registration rules (`POST /api/deals`).
    public struct Deals: Sendable, Equatable, Decodable {
        public var rules = DealRules()

        public init() {}

        enum CodingKeys: String, CodingKey {
            case expiryDays = "expiry_days", autoApproveBelow = "auto_approve_below", trackedLeadMinAgeHours = "tracked_lead_min_age_hours"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let days = try c.decodeIfPresent(Int.self, forKey: .expiryDays) {
                guard days >= 1 else { throw DecodingError.dataCorruptedError(forKey: .expiryDays, in: c, debugDescription: "must be 1 or more days") }
                rules.expiryDays = days
            }
            if let thresholds = try c.decodeAmountsIfPresent(forKey: .autoApproveBelow, example: "USD: 25000") {
                rules.autoApproveBelow = thresholds
            }
            if let hours = try c.decodeIfPresent(Int.self, forKey: .trackedLeadMinAgeHours) {
                guard (0...8_760).contains(hours) else {
                    throw DecodingError.dataCorruptedError(forKey: .trackedLeadMinAgeHours, in: c, debugDescription: "must be 0 to 8760 hours")
                }
                rules.trackedLead.minimumAge = TimeInterval(hours) * 3_600
            }
        }
    }

    /// Where leads and deal decisions go (`cobrand serve`, `cobrand outbox deliver`).
    public struct CRM: Sendable, Equatable, Decodable {
        /// The webhook; without it the outbox only fills (export with `cobrand leads list` / `deals list`).
        public var webhookURL: String?
        public var retry = Webhook.RetryPolicy()

        public init() {}

        enum CodingKeys: String, CodingKey {
            case webhookURL = "webhook_url", maxAttempts = "max_attempts", backoffBase = "backoff_base_seconds", backoffMax = "backoff_max_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            webhookURL = try c.decodeIfPresent(String.self, forKey: .webhookURL)
            retry.maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? retry.maxAttempts
            retry.base = try c.decodeIfPresent(Double.self, forKey: .backoffBase) ?? retry.base
            retry.cap = try c.decodeIfPresent(Double.self, forKey: .backoffMax) ?? retry.cap
            guard retry.maxAttempts >= 1 else { throw DecodingError.dataCorruptedError(forKey: .maxAttempts, in: c, debugDescription: "must be 1 or more") }
            guard retry.base > 0, retry.cap >= retry.base else {
                throw DecodingError.dataCorruptedError(forKey: .backoffBase, in: c, debugDescription: "backoff_base_seconds must be above 0 and at most backoff_max_seconds")
            }
        }
    }

    /// Market development funds.
    public struct MDF: Sendable, Equatable, Decodable {
        /// Days after a period's end that claims are accepted, unless an allocation says otherwise.
        public var claimDeadlineDays = 60
        /// Thresholds of the reconciliation rules.
        public var reconciliation = Reconciler.Rules()

        public init() {}

        enum CodingKeys: String, CodingKey {
            case claimDeadlineDays = "claim_deadline_days", resultsRatioMax = "results_ratio_max", costPerLeadMax = "cost_per_lead_max"
            case excludeAgents = "exclude_agents", revenueWindowDays = "revenue_window_days", wonRevenueLiftsLeadCap = "won_revenue_lifts_lead_cap"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            claimDeadlineDays = try c.decodeIfPresent(Int.self, forKey: .claimDeadlineDays) ?? claimDeadlineDays
            if let ratio = try c.decodeIfPresent(Int.self, forKey: .resultsRatioMax) {
                guard ratio >= 1 else { throw DecodingError.dataCorruptedError(forKey: .resultsRatioMax, in: c, debugDescription: "must be 1 or more") }
                reconciliation.resultsRatioMax = ratio
            }
            if let caps = try c.decodeAmountsIfPresent(forKey: .costPerLeadMax, example: "EUR: 500") {
                reconciliation.costPerLeadMax = caps
            }
            if let names = try c.decodeIfPresent([String].self, forKey: .excludeAgents) {
                reconciliation.engagement.excludedAgents = Set(try names.map { name in
                    guard let agent = Visitor.AgentClass(rawValue: name) else {
                        throw DecodingError.dataCorruptedError(forKey: .excludeAgents, in: c, debugDescription:
                            "'\(name)' is not an agent class; use \(Visitor.AgentClass.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return agent
                })
            }
            guard claimDeadlineDays >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .claimDeadlineDays, in: c, debugDescription: "must be 0 or more days")
            }
            if let days = try c.decodeIfPresent(Int.self, forKey: .revenueWindowDays) {
                guard (0...3_650).contains(days) else {
                    throw DecodingError.dataCorruptedError(forKey: .revenueWindowDays, in: c, debugDescription: "must be 0 to 3650 days")
                }
                reconciliation.revenueWindowDays = days
            }
            reconciliation.wonRevenueLiftsLeadCap = try c.decodeIfPresent(Bool.self, forKey: .wonRevenueLiftsLeadCap) ?? false
        }
    }

    public var vendor = Vendor()
    public var email = Email()
    public var mdf = MDF()
    public var leads = Leads()
    public var deals = Deals()
    public var crm = CRM()
    public var selfService = SelfServiceConfig()
    public var colors = Colors()
    public var defaultLocale = LocaleTag(literal: "en-US")
    /// Terms translators must not translate (XLIFF `translate="no"`), besides the vendor name.
    public var extraBrandTerms: [String] = []

    /// The vendor name and `brand_terms`, longest first so longer terms win where they overlap.
    public var brandTerms: [String] { Array(Set([vendor.name] + extraBrandTerms)).sorted { ($0.count, $0) > ($1.count, $1) } }
    /// Base of signed click/open/view tracking URLs; nil leaves links direct (UTM-tagged only).
    public var trackingBaseURL: String?
    /// Where the portal and lead API live; generated forms post here.
    public var portalURL = "http://127.0.0.1:8080"

    public init() {}

    /// The unsubscribe address of `link`'s emails: with the address merge tag for ESP files
    /// (`recipient: true`), without it for `.eml` files, whose recipient the page then asks for.
    public func unsubscribeURL(_ link: UnsubscribeLink, recipient: Bool) -> String {
        let tag = recipient ? email.addressMergeTag : nil
        guard let custom = email.unsubscribeURL else { return link.url(portal: self, recipient: tag) }
        return custom.replacingOccurrences(of: "{partner}", with: link.partner).replacingOccurrences(of: "{campaign}", with: link.campaign)
            .replacingOccurrences(of: "{email}", with: tag ?? "")
    }

    /// `path` (starting with `/`) on the portal: what generated content links there (lead API, hosted pages, feeds).
    public func portalAddress(_ path: String) -> String { portalURL.trimmingSuffix("/") + path }

    /// Where email images are served: `email.asset_base_url`, else the portal URL.
    public var assetBaseURL: String { (email.assetBaseURL ?? portalURL).trimmingSuffix("/") }

    enum CodingKeys: String, CodingKey {
        case vendor, colors, email, leads, deals, crm, mdf, selfService = "self_service", extraBrandTerms = "brand_terms", defaultLocale = "default_locale", trackingBaseURL = "tracking_base_url", portalURL = "portal_url"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vendor = try c.decodeIfPresent(Vendor.self, forKey: .vendor) ?? vendor
        colors = try c.decodeIfPresent(Colors.self, forKey: .colors) ?? colors
        email = try c.decodeIfPresent(Email.self, forKey: .email) ?? email
        leads = try c.decodeIfPresent(Leads.self, forKey: .leads) ?? leads
        deals = try c.decodeIfPresent(Deals.self, forKey: .deals) ?? deals
        crm = try c.decodeIfPresent(CRM.self, forKey: .crm) ?? crm
        mdf = try c.decodeIfPresent(MDF.self, forKey: .mdf) ?? mdf
        selfService = try c.decodeIfPresent(SelfServiceConfig.self, forKey: .selfService) ?? selfService
        extraBrandTerms = try c.decodeIfPresent([String].self, forKey: .extraBrandTerms) ?? []
        defaultLocale = try c.decodeIfPresent(LocaleTag.self, forKey: .defaultLocale) ?? defaultLocale
        trackingBaseURL = try c.decodeIfPresent(String.self, forKey: .trackingBaseURL)
        portalURL = try c.decodeIfPresent(String.self, forKey: .portalURL) ?? portalURL
    }
}

extension KeyedDecodingContainer {
    /// A map of currency code to a major-unit amount (`{USD: 25000, EUR: 25000.50}`) as minor units per
    /// upper-case code; a bad amount or a currency given twice is an error naming the key.
    func decodeAmountsIfPresent(forKey key: Key, example: String) throws -> [String: Int64]? {
        guard let texts = try decodeIfPresent([String: String].self, forKey: key) else { return nil }
        var amounts: [String: Int64] = [:]
        for (code, text) in texts.sorted(by: { $0.key < $1.key }) {
            guard let money = Money(major: text, currency: code) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(code): \(text) is not an amount in a currency such as \(example)")
            }
            guard amounts[money.currency] == nil else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(money.currency) is given twice")
            }
            amounts[money.currency] = money.amountMinor
        }
        return amounts
    }
}
