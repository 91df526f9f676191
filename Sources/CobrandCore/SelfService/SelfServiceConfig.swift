import Foundation

/// `self_service` in `cobrand.yaml`: which roster fields partners may change in the portal, which of
/// those changes wait for the vendor, and the limits on logo uploads and rebuilds.
public struct SelfServiceConfig: Sendable, Equatable, Decodable {
    /// The roster columns a partner may be allowed to edit; `id`, `name`, `locales`, `country`, `tier` and
    /// `region` stay the vendor's.
    public static let editableColumns = ["contact_name", "contact_email", "phone", "address", "website", "primary_color", "accent_color",
                                         "timezone", "logo"]

    /// Columns whose change waits for the vendor unless `cobrand.yaml` says `approval: none`: the website is
    /// signed into the kits' tracked click links, so an unreviewed one could point the vendor's links anywhere.
    public static let approvedByDefault: Set = ["website"]

    /// Editable roster column to whether a change needs the vendor's approval. Empty: nothing is editable.
    public var fields: [String: Approval] = [:]
    public var logoMaxBytes = 512 * 1024
    /// Width x height of a PNG or JPEG logo.
    public var logoMaxPixels = 2000 * 2000
    public var uploadsPerHour = 10
    public var publishesPerHour = 20

    public enum Approval: String, Sendable, Equatable, Decodable { case none, required }

    static func defaultApproval(_ column: String) -> Approval { approvedByDefault.contains(column) ? .required : .none }

    /// The editable columns in roster order.
    public var editable: [String] { Self.editableColumns.filter { fields[$0] != nil } }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case fields, logoMaxBytes = "logo_max_bytes", logoMaxPixels = "logo_max_pixels", uploadsPerHour = "uploads_per_hour",
             publishesPerHour = "publishes_per_hour"
    }

    struct FieldRule: Decodable { var approval: Approval? }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // `fields: [phone, website]` or `fields: {phone: {}, logo: {approval: required}}`.
        if let list = try? c.decodeIfPresent([String].self, forKey: .fields) {
            fields = Dictionary(list.map { ($0, Self.defaultApproval($0)) }, uniquingKeysWith: { first, _ in first })
        } else if let map = try c.decodeIfPresent([String: FieldRule?].self, forKey: .fields) {
            fields = Dictionary(uniqueKeysWithValues: map.map { name, rule in (name, rule?.approval ?? Self.defaultApproval(name)) })
        }
        for name in fields.keys.sorted() where !Self.editableColumns.contains(name) {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: c,
                debugDescription: "'\(name)' cannot be partner-editable; choose from \(Self.editableColumns.joined(separator: ", "))")
        }
        logoMaxBytes = try c.decodeIfPresent(Int.self, forKey: .logoMaxBytes) ?? logoMaxBytes
        logoMaxPixels = try c.decodeIfPresent(Int.self, forKey: .logoMaxPixels) ?? logoMaxPixels
        uploadsPerHour = try c.decodeIfPresent(Int.self, forKey: .uploadsPerHour) ?? uploadsPerHour
        publishesPerHour = try c.decodeIfPresent(Int.self, forKey: .publishesPerHour) ?? publishesPerHour
        for (key, value) in [(CodingKeys.logoMaxBytes, logoMaxBytes), (.logoMaxPixels, logoMaxPixels), (.uploadsPerHour, uploadsPerHour),
                             (.publishesPerHour, publishesPerHour)] where value < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be 1 or more")
        }
    }
}
