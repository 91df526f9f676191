import Foundation

/// caniemail.com's support tables (`features.json`, MIT): for each HTML or CSS feature, whether each email
/// client supports it, by version, with notes.
public struct EmailSupport: Sendable {
    public enum Level: Sendable, Equatable {
        case yes
        /// Supported with limits; the notes say which.
        case partial([String])
        case no([String])
    }

    public struct Feature: Sendable {
        public let slug: String
        public let title: String
        /// Client family, then platform, then version to the raw value (`y`, `n #1`, `a #1 #2`, `u`).
        let stats: [String: [String: [String: String]]]
        let notes: [String: String]
    }

    public struct Problem: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "the caniemail data cannot be read: \(reason)" }
    }

    public let features: [String: Feature]
    /// The data's caniemail commit, named in reports.
    public let commit: String

    /// - Parameters:
    ///   - clients: the clients anything will be asked about; nil keeps every client's results.
    ///   - features: the slugs anything will be asked about; nil keeps every feature. Others are left out.
    public init(json: Data, clients: [EmailClient]? = nil, features wanted: Set<String>? = nil) throws(Problem) {
        // JSONDecoder rather than JSONSerialization and casts, which took three times as long on the 900 KB
        // file, and every build and command that loads the project reads it. Scanning it takes 2 ms; making
        // strings of every client's results took 45, so only the asked-for clients' and features' are decoded.
        let decoder = JSONDecoder()
        if let clients, let key = File.wantedClients {
            decoder.userInfo[key] = Dictionary(clients.map { ($0.family, [$0.platform]) }, uniquingKeysWith: +).mapValues(Set.init)
        }
        if let wanted, let key = File.wantedFeatures { decoder.userInfo[key] = wanted }
        guard let file = try? decoder.decode(File.self, from: json) else { throw Problem(reason: "no features list") }
        var features: [String: Feature] = [:]
        var listed = false
        for entry in file.features {
            guard let slug = entry.slug else { continue }
            listed = true
            guard wanted?.contains(slug) ?? true else { continue }
            features[slug] = Feature(slug: slug, title: entry.title ?? slug, stats: entry.stats ?? [:], notes: entry.notes ?? [:])
        }
        guard listed else { throw Problem(reason: "the features list is empty") }
        self.features = features
        commit = file.commit ?? "unknown"
    }

    /// What is read of `features.json`; a field of another shape than expected is left out. With `wanted`
    /// clients, each client's results are read on their own: one of another shape leaves only that client
    /// without results for the feature (read whole, one bad result anywhere drops the feature's `stats`).
    private struct File: Decodable {
        let features: [Entry]
        let commit: String?

        enum CodingKeys: CodingKey { case features, commit }

        /// In the decoder's `userInfo`: the platforms to decode, by family (`[String: Set<String>]`).
        static let wantedClients = CodingUserInfoKey(rawValue: "cobrand.caniemail.clients")
        /// In the decoder's `userInfo`: the slugs whose title, results and notes are decoded (`Set<String>`).
        static let wantedFeatures = CodingUserInfoKey(rawValue: "cobrand.caniemail.features")

        /// A key of caniemail's client maps.
        struct Name: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            features = try container.decode([Entry].self, forKey: .features)
            commit = try? container.decode(String.self, forKey: .commit)
        }

        struct Entry: Decodable {
            let slug: String?
            let title: String?
            let stats: [String: [String: [String: String]]]?
            let notes: [String: String]?

            enum CodingKeys: String, CodingKey { case slug, title, stats, notes = "notes_by_num" }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                slug = try? container.decode(String.self, forKey: .slug)
                if let key = File.wantedFeatures, let wanted = decoder.userInfo[key] as? Set<String>, !wanted.contains(slug ?? "") {
                    (title, stats, notes) = (nil, nil, nil)
                    return
                }
                title = try? container.decode(String.self, forKey: .title)
                if let key = File.wantedClients, let wanted = decoder.userInfo[key] as? [String: Set<String>] {
                    var stats: [String: [String: [String: String]]] = [:]
                    let families = try? container.nestedContainer(keyedBy: Name.self, forKey: .stats)
                    for (family, platforms) in wanted {
                        guard let byPlatform = try? families?.nestedContainer(keyedBy: Name.self, forKey: Name(stringValue: family)) else { continue }
                        for platform in platforms {
                            stats[family, default: [:]][platform] = try? byPlatform.decode([String: String].self, forKey: Name(stringValue: platform))
                        }
                    }
                    self.stats = stats
                } else {
                    stats = try? container.decode([String: [String: [String: String]]].self, forKey: .stats)
                }
                notes = try? container.decode([String: String].self, forKey: .notes)
            }
        }
    }

    /// How `client` supports the feature: at its version, or at the most recent test when it names none;
    /// nil when caniemail has no such feature or no result for the client.
    public func level(_ slug: String, in client: EmailClient) -> Level? {
        guard let versions = features[slug]?.stats[client.family]?[client.platform], !versions.isEmpty else { return nil }
        let key = client.version ?? Self.latest(Array(versions.keys))
        guard let raw = versions[key] else { return nil }
        let parts = raw.split(separator: " ")
        let notes = parts.dropFirst().compactMap { part in
            part.hasPrefix("#") ? features[slug]?.notes[String(part.dropFirst())] : nil
        }
        switch parts.first {
        case "y": return .yes
        case "a": return .partial(notes)
        case "n": return .no(notes)
        default: return nil
        }
    }

    /// The most recent of caniemail's version keys: test dates (`2024-05`) when there are any, else the
    /// highest version number (`2019`, `16.80`).
    static func latest(_ keys: [String]) -> String {
        // By hand, not a Regex: this runs for every feature a template uses in every client, on every load.
        let dates = keys.filter { key in
            let bytes = Array(key.utf8)
            return bytes.count == 7 && bytes[4] == UInt8(ascii: "-") && bytes.enumerated().allSatisfy { $0.offset == 4 || (48...57).contains($0.element) }
        }
        if let date = dates.max() { return date }
        return keys.max { a, b in
            let (x, y) = (a.split(separator: ".").map { Int($0) ?? 0 }, b.split(separator: ".").map { Int($0) ?? 0 })
            return x.lexicographicallyPrecedes(y)
        } ?? ""
    }
}

/// An email client as caniemail names it: `family/platform[/version]`, e.g. `gmail/desktop-webmail`,
/// `outlook/windows/2016`.
public struct EmailClient: Hashable, Sendable, CustomStringConvertible, Decodable {
    public let family: String
    public let platform: String
    public let version: String?

    public init?(_ text: String) {
        let parts = text.split(separator: "/").map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        family = parts[0]
        platform = parts[1]
        version = parts.count == 3 ? parts[2] : nil
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let client = EmailClient(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a client; write family/platform[/version] as caniemail does, such as outlook/windows/2016"))
        }
        self = client
    }

    /// Gmail (web, iOS, Android), Outlook (Windows 2016 and 2019, Outlook.com and new Outlook, macOS), Apple
    /// Mail (macOS, iOS), Yahoo and Samsung Email. caniemail has no column of its own for new Outlook for
    /// Windows, which renders as Outlook.com does, so `outlook/outlook-com` stands for both; its
    /// `outlook/windows-mail` is the older Windows 10 Mail app.
    public static let defaults: [EmailClient] = [
        "gmail/desktop-webmail", "gmail/ios", "gmail/android", "outlook/windows/2016", "outlook/windows/2019",
        "outlook/outlook-com", "outlook/macos", "apple-mail/macos", "apple-mail/ios", "yahoo/desktop-webmail", "samsung-email/android",
    ].compactMap(EmailClient.init)

    /// Outlook for Windows up to 2019 (and 2021, 365 classic) renders with Word and reads `<!--[if mso]>` blocks;
    /// new Outlook does not.
    public var readsMSOConditionals: Bool { family == "outlook" && platform == "windows" }

    public var id: String { [family, platform, version].compactMap { $0 }.joined(separator: "/") }

    /// How people call it: "Outlook Windows 2016", "Gmail web", "Outlook.com / new Outlook".
    public var description: String {
        let families = ["gmail": "Gmail", "outlook": "Outlook", "apple-mail": "Apple Mail", "yahoo": "Yahoo Mail", "samsung-email": "Samsung Email",
                        "aol": "AOL", "thunderbird": "Thunderbird", "protonmail": "Proton Mail", "fastmail": "Fastmail", "hey": "HEY"]
        let platforms = ["desktop-webmail": "web", "mobile-webmail": "mobile web", "ios": "iOS", "android": "Android", "macos": "macOS",
                         "windows": "Windows", "outlook-com": ".com", "windows-mail": "Windows Mail"]
        if family == "outlook" && platform == "outlook-com" { return "Outlook.com / new Outlook" }
        if family == "outlook" && platform == "windows-mail" { return "Windows Mail" }
        if family == "samsung-email" { return "Samsung Email" }
        return [families[family] ?? family, platforms[platform] ?? platform, version].compactMap { $0 }.joined(separator: " ")
    }
}
