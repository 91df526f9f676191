import Foundation

/// A partner's request to register a deal, validated.
public struct DealRequest: Sendable, Equatable {
    public var partner: String
    /// Registrable domain of the account (`acme.com`).
    public var domain: String
    public var accountName: String
    public var value: Money
    public var products: [String]
    /// `YYYY-MM-DD`.
    public var expectedClose: String
    /// The Cobrand lead it came from, when the partner named one.
    public var leadID: Int64?

    public init(partner: String, domain: String, accountName: String, value: Money, products: [String], expectedClose: String,
                leadID: Int64? = nil) {
        self.partner = partner
        self.domain = domain
        self.accountName = accountName
        self.value = value
        self.products = products
        self.expectedClose = expectedClose
        self.leadID = leadID
    }
}

/// The published deal-registration rules. Pure: the store gives it what the database holds for the
/// account, inside the transaction that records the outcome, so two partners racing for one account
/// cannot both win.
public struct DealRules: Sendable, Equatable {
    /// Auto-approval thresholds in minor units per currency; a currency missing here always goes to review.
    public var autoApproveBelow: [String: Int64]
    /// Days an approved registration protects the account.
    public var expiryDays: Int
    /// Which leads count as the partner's tracked evidence for rule 4.
    public var trackedLead: TrackedLeadRule

    public static let defaultAutoApproveBelow: [String: Int64] = ["USD": 2_500_000, "EUR": 2_500_000, "GBP": 2_000_000]

    public init(autoApproveBelow: [String: Int64] = Self.defaultAutoApproveBelow, expiryDays: Int = 90,
                trackedLead: TrackedLeadRule = TrackedLeadRule()) {
        self.autoApproveBelow = autoApproveBelow
        self.expiryDays = expiryDays
        self.trackedLead = trackedLead
    }

    /// What the rules decide, and which rule decided.
    public enum Decision: Equatable, Sendable {
        /// The partner already holds an active registration for the account: that one stands.
        case existing(id: Int64)
        case conflict(Rule)
        case approved(Rule)
        case pending(Rule)
    }

    /// Every rule a decision can cite, with the sentence partners read.
    public enum Rule: String, Sendable, CaseIterable, Codable {
        case samePartnerActive = "same-partner-active"
        case heldByAnotherPartner = "held-by-another-partner"
        case autoApproved = "auto-approved"
        case reviewNoTrackedLead = "review-no-tracked-lead"
        case reviewValue = "review-value"
        case reviewCurrency = "review-currency"
        case reviewContradicted = "review-contradicted"
        case manualApproval = "approved-by-channel-team"
        case manualRejection = "rejected-by-channel-team"
        case extended = "extended-by-channel-team"
        case expired = "expired"
        case wonInCRM = "won-in-crm"
        case lostInCRM = "lost-in-crm"
        case reopenedInCRM = "reopened-in-crm"

        public var explanation: String {
            switch self {
            case .samePartnerActive: "You already hold an active registration for this account; it is returned unchanged."
            case .heldByAnotherPartner: "Another partner holds an active registration for this account (or a parent domain of it); the earlier registration keeps it."
            case .autoApproved: "Approved automatically: no other partner holds the account, the value is under the auto-approval threshold, and the account came from one of your tracked Cobrand leads."
            case .reviewNoTrackedLead: "Waiting for review: the account did not come from one of your tracked Cobrand leads (sent through a generated page's form, at least a day old, by someone other than you)."
            case .reviewContradicted: "Back in review: the lead that approved it automatically came from an address you have since used yourself."
            case .reviewValue: "Waiting for review: the value is at or above the auto-approval threshold."
            case .reviewCurrency: "Waiting for review: there is no auto-approval threshold for this currency."
            case .manualApproval: "Approved by the channel team."
            case .manualRejection: "Rejected by the channel team."
            case .extended: "Extended by the channel team."
            case .expired: "Expired: the protection period ended, and the account is free again."
            case .wonInCRM: "Won: the vendor's CRM reports the deal closed won. Its revenue counts as sourced by you."
            case .lostInCRM: "Lost: the vendor's CRM reports the deal closed lost, and the account is free again."
            case .reopenedInCRM: "Reopened: the vendor's CRM reports the deal open again, so its protection stands as before it closed."
            }
        }
    }

    /// What the database knows about the account when the request arrives.
    public struct Account: Sendable, Equatable {
        /// The requesting partner's active registration for the domain, if any.
        public var ownActive: Int64?
        /// Whether another partner holds an active registration for the domain.
        public var heldByOther: Bool
        /// Whether the requesting partner has a tracked lead with this company domain.
        public var trackedLead: Bool

        public init(ownActive: Int64? = nil, heldByOther: Bool = false, trackedLead: Bool = false) {
            self.ownActive = ownActive
            self.heldByOther = heldByOther
            self.trackedLead = trackedLead
        }
    }

    public func decide(_ request: DealRequest, account: Account) -> Decision {
        if let id = account.ownActive { return .existing(id: id) }
        if account.heldByOther { return .conflict(.heldByAnotherPartner) }
        guard account.trackedLead else { return .pending(.reviewNoTrackedLead) }
        guard let threshold = autoApproveBelow[request.value.currency] else { return .pending(.reviewCurrency) }
        guard request.value.amountMinor < threshold else { return .pending(.reviewValue) }
        return .approved(.autoApproved)
    }

    /// Whether an automatic approval resting on the lead sent from `evidence` is contradicted by the
    /// partner using that same address (signing in, calling the API): then it goes back to review.
    public func contradicts(evidence: String?, partnerVisitor: String, rule: Rule) -> Bool {
        rule == .autoApproved && evidence == partnerVisitor
    }

    /// When an approval at `date` stops protecting the account.
    public func expiry(from date: Date) -> Date { date.addingTimeInterval(Double(expiryDays) * 86_400) }
}

/// What makes a lead the partner's *tracked* evidence for an automatic approval. The lead API is public, so
/// a partner could post a lead for any address and register its domain at once; a tracked lead must:
/// - come through a generated page's form, whose hidden `form_signature` only Cobrand can make
///   (`LeadFormSigner`), not a bare API call;
/// - be at least `minimumAge` old, so a lead made to register a deal waits a day for it;
/// - come from a visitor (salted address hash) the partner has never signed in or called the API from.
///
/// Residual risk, documented in the README: a partner who fills in their own page's form from an address
/// they never use for the portal, and waits the minimum age, still gets an automatic approval; a later
/// sign-in from that address sends it back to review (`contradicts`), and the channel team sees every
/// automatic approval in the decision log.
public struct TrackedLeadRule: Sendable, Equatable {
    public var minimumAge: TimeInterval

    public init(minimumAge: TimeInterval = 24 * 3_600) { self.minimumAge = minimumAge }

    /// One submission of a lead for the account, as the database keeps it.
    public struct Submission: Sendable, Equatable {
        public var signed: Bool
        public var submittedAt: Date
        public var visitor: String

        public init(signed: Bool, submittedAt: Date, visitor: String) {
            self.signed = signed
            self.submittedAt = submittedAt
            self.visitor = visitor
        }
    }

    /// The oldest submission that counts as tracked, or nil when none does. `partnerVisitors` are the
    /// addresses the partner signed in or called the API from, the registering request's included.
    public func evidence(_ submissions: [Submission], partnerVisitors: Set<String>, now: Date) -> Submission? {
        submissions.sorted { $0.submittedAt < $1.submittedAt }.first { submission in
            submission.signed && now.timeIntervalSince(submission.submittedAt) >= minimumAge && !partnerVisitors.contains(submission.visitor)
        }
    }
}

extension DealRequest {
    /// Checks every field of a registration as submitted (API or CLI) and normalises the domain to its
    /// registrable form. `domain` may be nil when the caller resolved a lead instead (`leadDomain`).
    public static func validated(partner: String, domain: String?, accountName: String?, value: String?, currency: String?,
                                 products: [String]?, expectedClose: String?, leadID: Int64?) throws(FieldError) -> DealRequest {
        guard let domain, !domain.isEmpty else {
            throw FieldError(field: "account_domain", code: "required", message: "account_domain (or lead_id) is required")
        }
        guard let registrable = Domains.ofWebsite(domain) else {
            throw FieldError(field: "account_domain", code: "invalid", message: "'\(domain)' is not a domain such as acme.com")
        }
        guard let name = accountName?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw FieldError(field: "account_name", code: "required", message: "account_name is required")
        }
        if let problem = TextLimit.problem(name, maxLength: 200) { throw FieldError(field: "account_name", code: "too_long", message: "account_name \(problem)") }
        guard let currency, !currency.isEmpty else { throw FieldError(field: "currency", code: "required", message: "currency is required, such as USD") }
        guard let value, !value.isEmpty else { throw FieldError(field: "value", code: "required", message: "value is required, such as \"25000.00\"") }
        guard let money = Money(major: value, currency: currency) else {
            let code = currency.uppercased()
            let valid = code.count == 3 && code.allSatisfy { $0.isASCII && $0.isLetter }
            throw valid
                ? FieldError(field: "value", code: "invalid", message: "'\(value)' is not an amount in \(code) such as \"25000.00\" (digits, a dot, at most the currency's decimals)")
                : FieldError(field: "currency", code: "invalid", message: "'\(currency)' is not an ISO 4217 code such as USD")
        }
        let products = (products ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !products.isEmpty, products.allSatisfy({ !$0.isEmpty && TextLimit.fits($0, maxLength: 100) }), products.count <= 50 else {
            throw FieldError(field: "products", code: "invalid", message: "products must list 1 to 50 product names of at most 100 characters")
        }
        guard let expectedClose, SendSchedule.day(expectedClose) != nil else {
            throw FieldError(field: "expected_close", code: expectedClose == nil ? "required" : "invalid",
                             message: "expected_close must be a day such as 2027-03-31")
        }
        return DealRequest(partner: partner, domain: registrable, accountName: name, value: money, products: products,
                           expectedClose: expectedClose, leadID: leadID)
    }
}
