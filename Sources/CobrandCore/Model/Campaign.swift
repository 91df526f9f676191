import Foundation

/// A campaign manifest, `Templates/<id>/campaign.yaml`.
public struct Campaign: Sendable, Equatable, Decodable {
    /// Equals the folder name; a slug like partner ids.
    public var id: String
    /// Catalog key of the campaign's title.
    public var title: String
    /// Named outbound links; templates use `{{links.NAME}}`, which carries UTM parameters.
    public var links: [String: String]
    /// Fields a partner may fill (slots), with their limits.
    public var fields: [String: SlotField]
    /// Vendor assets (paths under `Assets/`) copied into every kit's `assets/`.
    public var assets: [String]
    public var components: [Component]
    /// Prices messages can show as `{price.NAME}`, written in each kit's locale.
    public var prices: [String: Money]

    enum CodingKeys: String, CodingKey { case id, title, links, fields, assets, components, prices }

    /// Every vendor asset the campaign's kits are made from: `assets` and the posts' artwork.
    public var usedAssets: [String] { assets + components.flatMap { $0.posts.compactMap(\.image) } }

    /// True when a component sends email, which makes postal addresses mandatory.
    public var sendsEmail: Bool { components.contains(where: \.sendsEmail) }
    /// Landing pages and webinar registration pages carry a lead form with a consent box.
    public var collectsLeads: Bool { components.contains { $0.kind == .landingPage || $0.kind == .webinar } }

    public init(id: String, title: String, links: [String: String] = [:], fields: [String: SlotField] = [:],
                assets: [String] = [], components: [Component]) {
        self.id = id
        self.title = title
        self.links = links
        self.fields = fields
        self.assets = assets
        self.components = components
        prices = [:]
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        links = try c.decodeIfPresent([String: String].self, forKey: .links) ?? [:]
        fields = try c.decodeIfPresent([String: SlotField].self, forKey: .fields) ?? [:]
        assets = try c.decodeIfPresent([String].self, forKey: .assets) ?? []
        components = try c.decode([Component].self, forKey: .components)
        prices = try c.decodeIfPresent([String: Money].self, forKey: .prices) ?? [:]
    }
}

/// A partner-customisable field. Values are plain text: always escaped, never markup or template syntax.
public struct SlotField: Sendable, Equatable, Decodable {
    public var maxLength: Int?
    /// When set, the value must be one of these.
    public var allowed: [String]?
    /// Literal default when the partner gave no value.
    public var defaultValue: String?
    /// Catalog key of a localized default; wins over `default`.
    public var defaultKey: String?
    /// `text` (default) or `url` (https only).
    public var type: FieldType
    /// Whether a partner's change in the portal waits for the vendor; by default only a `url`'s does, since
    /// it becomes a link in the vendor's content.
    public var approval: SelfServiceConfig.Approval = .none
    /// Catalog key of the field's name in the portal's form; without it the form shows the field's id.
    public var label: String?

    public enum FieldType: String, Sendable, Equatable, Decodable { case text, url }

    enum CodingKeys: String, CodingKey {
        case maxLength = "max_length", allowed, defaultValue = "default", defaultKey = "default_key", type, approval, label
    }

    public init(maxLength: Int? = nil, allowed: [String]? = nil, defaultValue: String? = nil, defaultKey: String? = nil, type: FieldType = .text) {
        self.maxLength = maxLength
        self.allowed = allowed
        self.defaultValue = defaultValue
        self.defaultKey = defaultKey
        self.type = type
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        allowed = try c.decodeIfPresent([String].self, forKey: .allowed)
        defaultValue = try c.decodeIfPresent(String.self, forKey: .defaultValue)
        defaultKey = try c.decodeIfPresent(String.self, forKey: .defaultKey)
        type = try c.decodeIfPresent(FieldType.self, forKey: .type) ?? .text
        approval = try c.decodeIfPresent(SelfServiceConfig.Approval.self, forKey: .approval) ?? (type == .url ? .required : .none)
        label = try c.decodeIfPresent(String.self, forKey: .label)
    }

    /// Why `value` is not acceptable, or nil when it is.
    public func problem(with value: String) -> String? {
        if let maxLength, let problem = TextLimit.problem(value, maxLength: maxLength) { return problem }
        if let allowed, !allowed.contains(value) {
            return "'\(value)' is not allowed; use one of: \(allowed.joined(separator: ", "))"
        }
        if type == .url {
            guard let url = URLComponents(string: value), url.scheme?.lowercased() == "https", url.host?.isEmpty == false else {
                return "'\(value)' is not an https:// address; write one such as https://example.com/page"
            }
        }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
            return "contains control characters; remove them"
        }
        return nil
    }
}

/// A partner's values for one campaign's fields, with optional per-locale values.
public struct SlotValues: Sendable, Equatable {
    /// The key under a campaign that holds per-locale values; no field may use this name.
    public static let localesKey = "locales"

    public var values: [String: String]
    public var byLocale: [LocaleTag: [String: String]]

    public init(values: [String: String] = [:], byLocale: [LocaleTag: [String: String]] = [:]) {
        self.values = values
        self.byLocale = byLocale
    }

    /// The value for `field` in `locale`: the locale's own, then its language's, then the general one.
    public func value(_ field: String, locale: LocaleTag) -> String? {
        byLocale[locale]?[field] ?? LocaleTag(locale.language).flatMap { byLocale[$0]?[field] } ?? values[field]
    }
}
