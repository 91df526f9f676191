import Foundation

/// The partner roster (`Assets/partners.csv`): parsed, every row checked, bad rows reported and left out.
public struct Roster: Sendable, Equatable {
    public static let requiredColumns = ["id", "name", "locales"]
    public static let optionalColumns = ["website", "privacy_url", "logo", "primary_color", "accent_color", "contact_name",
                                         "contact_email", "phone", "address", "country", "timezone", "tier", "region"]
    public static let logoExtensions = ["svg", "png", "jpg", "jpeg"]

    /// The rows without errors, in file order.
    public let partners: [Partner]
    /// Every problem found, errors and warnings.
    public let diagnostics: [Diagnostic]

    public init(partners: [Partner], diagnostics: [Diagnostic] = []) {
        self.partners = partners
        self.diagnostics = diagnostics
    }

    /// Parses and checks a roster.
    /// - Parameters:
    ///   - csv: the file's text.
    ///   - file: its project-relative path, for messages.
    ///   - locales: the locales the project has catalogs for.
    ///   - logoFiles: file names present in `Assets/partners/`.
    public init(csv: String, file: String, locales: Set<LocaleTag>, logoFiles: Set<String>) {
        let records: [CSV.Record]
        do {
            records = try CSV.parse(csv, file: file)
        } catch {
            self.init(partners: [], diagnostics: [.error(file, line: Self.line(of: error), error.reasonOnly)])
            return
        }
        guard let header = records.first else {
            self.init(partners: [], diagnostics: [.error(file, line: 1, "the roster is empty; add a header row: id,name,locales")])
            return
        }
        var diagnostics: [Diagnostic] = []
        var columns: [String: Int] = [:]
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if columns[name] != nil {
                diagnostics.append(.error(file, line: header.line, field: name, "the column appears twice; keep one"))
            } else if Self.requiredColumns.contains(name) || Self.optionalColumns.contains(name) {
                columns[name] = index
            } else {
                diagnostics.append(.warning(file, line: header.line, field: name,
                    "unknown column, ignored; known columns: \((Self.requiredColumns + Self.optionalColumns).joined(separator: ", "))"))
            }
        }
        let missing = Self.requiredColumns.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            for name in missing {
                diagnostics.append(.error(file, line: header.line, field: name, "required column is missing; add it to the header row"))
            }
            self.init(partners: [], diagnostics: diagnostics)
            return
        }

        var partners: [Partner] = []
        var firstLineOfID: [String: Int] = [:]
        for record in records.dropFirst() {
            var row = RowReader(record: record, columns: columns, file: file)
            let partner = row.partner(locales: locales, logoFiles: logoFiles)
            if let partner {
                if let first = firstLineOfID[partner.id] {
                    row.fail("id", "'\(partner.id)' is already used on line \(first); give each partner its own id")
                } else {
                    firstLineOfID[partner.id] = record.line
                }
            }
            diagnostics += row.diagnostics
            if let partner, row.diagnostics.errors.isEmpty { partners.append(partner) }
        }
        self.init(partners: partners, diagnostics: diagnostics)
    }

    /// Checks one partner's row given as column values, by the same rules and with the same messages as a
    /// roster file: how the portal checks a partner's own changes.
    public static func check(row: [String: String], line: Int, file: String, locales: Set<LocaleTag>,
                             logoFiles: Set<String>) -> (partner: Partner?, diagnostics: [Diagnostic]) {
        let names = requiredColumns + optionalColumns
        let columns = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var reader = RowReader(record: CSV.Record(line: line, fields: names.map { row[$0] ?? "" }), columns: columns, file: file)
        let partner = reader.partner(locales: locales, logoFiles: logoFiles)
        return (reader.diagnostics.errors.isEmpty ? partner : nil, reader.diagnostics)
    }

    private static func line(of error: CSV.ParseError) -> Int {
        switch error {
        case let .unterminatedQuote(_, line), let .quoteInUnquotedField(_, line): return line
        }
    }
}

extension CSV.ParseError {
    /// The message without the `file:line:` prefix, for a `Diagnostic` that carries those itself.
    var reasonOnly: String {
        let text = description
        guard let range = text.range(of: ": ") else { return text }
        return String(text[range.upperBound...])
    }
}

/// Reads one roster row field by field, collecting every problem instead of stopping at the first.
private struct RowReader {
    let record: CSV.Record
    let columns: [String: Int]
    let file: String
    var diagnostics: [Diagnostic] = []

    init(record: CSV.Record, columns: [String: Int], file: String) {
        self.record = record
        self.columns = columns
        self.file = file
    }

    mutating func fail(_ column: String, _ message: String) {
        diagnostics.append(.error(file, line: record.line, field: column, message))
    }

    func value(_ column: String) -> String? {
        guard let index = columns[column], index < record.fields.count else { return nil }
        let text = record.fields[index].trimmed
        return text.isEmpty ? nil : text
    }

    mutating func text(_ column: String, maxLength: Int, multiline: Bool = false) -> String? {
        guard let text = value(column) else { return nil }
        if let problem = TextLimit.problem(text, maxLength: maxLength) {
            fail(column, problem)
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !(multiline && $0 == "\n") }) {
            fail(column, multiline ? "contains control characters; remove them" : "contains a line break or control character; write it on one line")
            return nil
        }
        return text
    }

    mutating func partner(locales known: Set<LocaleTag>, logoFiles: Set<String>) -> Partner? {
        let needed = (columns.values.max() ?? 0) + 1
        if record.fields.count < needed {
            diagnostics.append(.warning(file, line: record.line,
                "the row has \(record.fields.count) fields but the header has \(needed); missing fields are read as empty"))
        }
        let id = value("id") ?? ""
        if id.isEmpty {
            fail("id", "is empty; give the partner a slug such as acme-cloud")
        } else if !Partner.isValidID(id) {
            fail("id", "'\(id)' is not a valid id; use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit")
        }
        let name = text("name", maxLength: 120)
        if value("name") == nil { fail("name", "is empty; write the partner's display name") }
        let localeTags = parseLocales(known: known)

        var partner = Partner(id: id, name: name ?? "", locales: localeTags, line: record.line)
        partner.website = webAddress("website")
        partner.privacyURL = webAddress("privacy_url")
        partner.logo = logo(id: id, files: logoFiles)
        partner.primaryColor = color("primary_color")
        partner.accentColor = color("accent_color")
        partner.contactName = text("contact_name", maxLength: 120)
        partner.contactEmail = email()
        partner.phone = phone()
        partner.address = text("address", maxLength: 300, multiline: true)
        partner.country = country()
        partner.timezone = timezone()
        partner.tier = text("tier", maxLength: 40)
        partner.region = text("region", maxLength: 40)
        return id.isEmpty ? nil : partner
    }

    mutating func parseLocales(known: Set<LocaleTag>) -> [LocaleTag] {
        guard let text = value("locales") else {
            fail("locales", "is empty; list one or more locales separated by ';', such as en-US;de-DE")
            return []
        }
        var tags: [LocaleTag] = []
        var available: String { known.map(\.identifier).sorted().joined(separator: ", ") }
        for part in text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let tag = LocaleTag(part) else {
                fail("locales", "'\(part)' is not a locale tag; write language-REGION such as de-DE")
                continue
            }
            guard known.contains(tag) || known.contains(where: { $0.identifier == tag.language }) else {
                let language = tag.language == tag.identifier ? "" : " or Locales/\(tag.language)/"
                fail("locales", "unknown locale '\(part)'; add Locales/\(tag.identifier)/\(language), or use one of: \(available)")
                continue
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    mutating func color(_ column: String) -> Color? {
        guard let text = value(column) else { return nil }
        guard let color = Color(hex: text) else {
            fail(column, "'\(text)' is not a colour; write #RRGGBB")
            return nil
        }
        return color
    }

    mutating func email() -> String? {
        guard let text = value("contact_email") else { return nil }
        guard EmailAddress.isValid(text) else {
            fail("contact_email", "'\(text)' is not an email address; write name@example.com")
            return nil
        }
        return text
    }

    mutating func webAddress(_ column: String) -> String? {
        guard let text = value(column) else { return nil }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = url.host, host.contains("."), text.count <= 300
        else {
            fail(column, "'\(text)' is not a web address; write https://example.com\(column == "privacy_url" ? "/privacy" : "")")
            return nil
        }
        return text
    }

    mutating func logo(id: String, files: Set<String>) -> String? {
        guard let text = value("logo") else {
            return Roster.logoExtensions.map { "\(id).\($0)" }.first { files.contains($0) }
        }
        let ext = (text as NSString).pathExtension.lowercased()
        guard !text.contains("/"), !text.contains("\\"), !text.hasPrefix("."), Roster.logoExtensions.contains(ext) else {
            fail("logo", "'\(text)' is not a logo file name; name a .svg, .png or .jpg file inside Assets/partners/")
            return nil
        }
        guard files.contains(text) else {
            fail("logo", "logo file Assets/partners/\(text) does not exist; add it or correct the name")
            return nil
        }
        return text
    }

    mutating func phone() -> String? {
        guard let text = value("phone") else { return nil }
        let allowed = CharacterSet(charactersIn: "0123456789+-() ./x")
        guard text.count <= 40, text.unicodeScalars.allSatisfy({ allowed.contains($0) }),
              text.contains(where: \.isNumber) else {
            fail("phone", "'\(text)' is not a phone number; use digits, spaces and + - ( ) . /")
            return nil
        }
        return text
    }

    /// ISO 3166 codes, made once: ICU lists its regions anew on every call.
    static let countryCodes = Set(Locale.Region.isoRegions.map(\.identifier))

    mutating func country() -> String? {
        guard let text = value("country") else { return nil }
        let code = text.uppercased()
        guard code.count == 2, Self.countryCodes.contains(code) else {
            fail("country", "'\(text)' is not an ISO 3166 country code; write two letters such as DE")
            return nil
        }
        return code
    }

    mutating func timezone() -> String? {
        guard let text = value("timezone") else { return nil }
        guard text.contains("/") || text == "UTC", TimeZone(identifier: text) != nil else {
            fail("timezone", "'\(text)' is not an IANA time zone; write one such as Europe/Berlin")
            return nil
        }
        return text
    }
}
