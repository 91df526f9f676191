/// The keys each YAML input may have, so a typo (`max_lenght`) is reported instead of silently ignored.
enum KnownKeys {
    /// A mapping's allowed keys and, for some of them, the schema of their value.
    indirect enum Schema: Sendable {
        case mapping([String: Schema?])
        /// A mapping whose keys are data (link names, field names), each value with this schema.
        case entries(Schema)
        case list(Schema)
    }

    static let config = Schema.mapping([
        "vendor": .mapping(["name": nil, "legal_name": nil, "website": nil, "address": nil, "logo": nil]),
        "colors": .mapping(["primary": nil, "accent": nil, "background": nil, "text": nil, "on_primary": nil]),
        "email": .mapping(["address_merge_tag": nil, "unsubscribe_placeholder": nil, "unsubscribe_url": nil, "asset_base_url": nil, "clients": nil]),
        "leads": .mapping(["opt_in_countries": nil, "rate_limit_per_minute": nil]),
        "deals": .mapping(["expiry_days": nil, "auto_approve_below": nil, "tracked_lead_min_age_hours": nil]),
        "mdf": .mapping(["claim_deadline_days": nil, "results_ratio_max": nil, "cost_per_lead_max": nil, "exclude_agents": nil, "revenue_window_days": nil,
                          "won_revenue_lifts_lead_cap": nil]),
        "crm": .mapping(["webhook_url": nil, "max_attempts": nil, "backoff_base_seconds": nil, "backoff_max_seconds": nil]),
        "self_service": .mapping(["fields": nil, "logo_max_bytes": nil, "logo_max_pixels": nil, "uploads_per_hour": nil, "publishes_per_hour": nil]),
        "default_locale": nil, "tracking_base_url": nil, "portal_url": nil, "brand_terms": nil,
    ])

    static let campaign = Schema.mapping([
        "id": nil, "title": nil, "links": nil, "assets": nil,
        "prices": .entries(.mapping(["amount_minor": nil, "currency": nil])),
        "fields": .entries(.mapping(["max_length": nil, "allowed": nil, "default": nil, "default_key": nil, "type": nil, "approval": nil, "label": nil])),
        "components": .list(.mapping([
            "id": nil, "kind": nil, "template": nil, "start_date": nil, "send_time": nil, "articles": nil,
            "posts": .list(.mapping(["id": nil, "text": nil, "link": nil, "image": nil, "image_alt": nil, "networks": nil, "day": nil])),
            "webinar": .mapping([
                "title": nil, "description": nil, "date": nil, "time": nil, "duration_minutes": nil, "join_url": nil, "sequence": nil,
                "slides": .list(.mapping(["title": nil, "points": nil, "notes": nil])),
                "run_of_show": .list(.mapping(["at": nil, "task": nil])),
            ]),
            "emails": .list(.mapping(["id": nil, "day": nil, "template": nil, "subject": nil, "preheader": nil, "body": nil, "attach_calendar": nil])),
        ])),
    ])

    /// Warnings for keys `schema` does not know, with their key paths.
    static func unknown(in value: Any?, schema: Schema, file: String, path: String = "") -> [Diagnostic] {
        func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch schema {
        case let .mapping(keys):
            guard let mapping = value as? [String: Any] else { return [] }
            return mapping.keys.sorted().flatMap { key -> [Diagnostic] in
                guard let child = keys[key] else {
                    return [.warning(file, field: join(key), "unknown key, ignored; known keys here: \(keys.keys.sorted().joined(separator: ", "))")]
                }
                return child.map { unknown(in: mapping[key], schema: $0, file: file, path: join(key)) } ?? []
            }
        case let .entries(child):
            guard let mapping = value as? [String: Any] else { return [] }
            return mapping.keys.sorted().flatMap { unknown(in: mapping[$0], schema: child, file: file, path: join($0)) }
        case let .list(child):
            guard let list = value as? [Any] else { return [] }
            return list.enumerated().flatMap { unknown(in: $1, schema: child, file: file, path: "\(path)[\($0)]") }
        }
    }
}
