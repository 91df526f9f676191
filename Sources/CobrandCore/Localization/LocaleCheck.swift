import Foundation

/// What `cobrand locales check` reports per locale: keys missing, untranslated (same text as the default
/// locale), unused (never referenced) and with placeholders that differ from the default locale's.
///
/// Errors: a used key missing in the default locale, and a translation whose placeholders differ (it would
/// show a raw `{name}` or drop a partner's data). Everything else is a warning.
public struct LocaleCheck: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let locale: LocaleTag
        public let keys: Int
        public let missing: [String]
        public let untranslated: [String]
        public let unused: [String]
        public let mismatched: [String]
    }

    public let rows: [Row]
    public let diagnostics: [Diagnostic]

    public init(project: Project, locales only: Set<LocaleTag> = []) {
        let defaultLocale = project.config.defaultLocale
        let used = Set(Validator.messageUses(project).map(\.key))
        let source = project.catalogs[defaultLocale] ?? Catalog(locale: defaultLocale)
        var rows: [Row] = []
        var diagnostics: [Diagnostic] = []
        for (locale, catalog) in project.catalogs.sorted(by: { $0.key < $1.key })
        where !catalog.isGenerated && (only.isEmpty || only.contains(locale)) {
            let keys = catalog.allKeys
            let isDefault = locale == defaultLocale
            let missing = used.intersection(isDefault ? used : source.allKeys).subtracting(keys).sorted()
            let unused = keys.subtracting(used).sorted()
            var untranslated: [String] = []
            var mismatched: [String] = []
            if !isDefault {
                for key in keys.intersection(source.allKeys).sorted() {
                    let texts = Self.texts(catalog, key)
                    let originals = Self.texts(source, key)
                    if texts == originals, texts.contains(where: { $0.contains(where: \.isLetter) }) { untranslated.append(key) }
                    // A plural form may spell its number out, so {count} is optional there.
                    let optional: Set<String> = catalog.plurals[key] != nil ? ["count"] : []
                    let names = Set(texts.flatMap(Catalog.placeholders)).subtracting(optional)
                    let expected = Set(originals.flatMap(Catalog.placeholders)).subtracting(optional)
                    if names != expected {
                        mismatched.append(key)
                        let extra = names.subtracting(expected).sorted().map { "{\($0)}" }
                        let lacking = expected.subtracting(names).sorted().map { "{\($0)}" }
                        diagnostics.append(.error(catalog.origins[key] ?? "Locales/\(locale)", field: key,
                            "placeholders differ from \(defaultLocale):" + (extra.isEmpty ? "" : " has \(extra.joined(separator: ", "))")
                                + (lacking.isEmpty ? "" : " lacks \(lacking.joined(separator: ", "))") + "; use the same placeholders"))
                    }
                }
            }
            for key in missing {
                diagnostics.append(isDefault
                    ? .error("Locales/\(locale)", field: key, "is used but missing in the default locale; add it")
                    : .warning("Locales/\(locale)", field: key, "missing; kits use the \(defaultLocale) text"))
            }
            for key in untranslated {
                diagnostics.append(.warning(catalog.origins[key] ?? "Locales/\(locale)", field: key, "same text as \(defaultLocale); translate it"))
            }
            for key in unused {
                diagnostics.append(.warning(catalog.origins[key] ?? "Locales/\(locale)", field: key, "no template or manifest uses this key; remove it"))
            }
            rows.append(Row(locale: locale, keys: keys.count, missing: missing, untranslated: untranslated, unused: unused, mismatched: mismatched))
        }
        self.rows = rows
        self.diagnostics = diagnostics.sorted()
    }

    /// The text of a key, or its plural forms in CLDR order.
    static func texts(_ catalog: Catalog, _ key: String) -> [String] {
        if let text = catalog.messages[key] { return [text] }
        return (catalog.plurals[key] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
    }

    /// A fixed-width table: locale, keys, missing, untranslated, unused, mismatched.
    public var table: String {
        let header = ["locale", "keys", "missing", "untranslated", "unused", "placeholders"]
        let lines = [header] + rows.map {
            [$0.locale.identifier, String($0.keys), String($0.missing.count), String($0.untranslated.count), String($0.unused.count), String($0.mismatched.count)]
        }
        return lines.map { cells in
            cells.enumerated().map { index, cell in index == 0 ? cell.padding(toLength: 8, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, 13 - cell.count)) + cell }
                .joined()
        }.joined(separator: "\n")
    }
}
