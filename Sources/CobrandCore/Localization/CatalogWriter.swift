import Foundation

/// Writes catalogs back as YAML after an XLIFF import: nested keys, double-quoted strings, sorted, so the
/// same content always gives the same file.
public enum CatalogWriter {
    /// Project-relative path to new file content for every catalog file the translations change, plus
    /// the review states file when any unit is reviewed or final.
    public static func files(for translations: XLIFF.Translations, project: Project) -> [String: String] {
        let locale = translations.locale
        let folder = "Locales/\(locale.identifier)/"
        let source = project.catalogs[project.config.defaultLocale] ?? Catalog(locale: project.config.defaultLocale)
        let existing = project.catalogs[locale].flatMap { $0.isGenerated ? nil : $0 } ?? Catalog(locale: locale)

        // Every key of the locale, by the file it lives in: its current file, else the default locale's file name.
        var messages = existing.messages
        var plurals = existing.plurals
        for (id, text) in translations.texts {
            let parts = id.split(separator: ":")
            if parts.count == 2, let category = PluralCategory(rawValue: String(parts[1])) {
                plurals[String(parts[0]), default: [:]][category] = text
            } else {
                messages[id] = text
            }
        }
        func file(of key: String) -> String {
            if let origin = existing.origins[key], origin.hasPrefix(folder) { return origin }
            let name = (source.origins[key] ?? "messages.yaml").split(separator: "/").last.map(String.init) ?? "messages.yaml"
            return folder + name
        }
        let changedKeys = Set(translations.texts.keys.map { String($0.split(separator: ":").first ?? "") })
        let changedFiles = Set(changedKeys.map(file(of:)))
        var result: [String: String] = [:]
        for path in changedFiles.sorted() {
            var tree: [String: Any] = [:]
            for (key, text) in messages where file(of: key) == path { insert(&tree, key.split(separator: ".").map(String.init), text) }
            for (key, forms) in plurals where file(of: key) == path {
                insert(&tree, key.split(separator: ".").map(String.init), Dictionary(uniqueKeysWithValues: forms.map { ($0.key.rawValue, $0.value) }))
            }
            result[path] = "# \(locale): written by cobrand locales import (comments in this file are not kept).\n" + yaml(tree, indent: 0)
        }
        var states = project.reviewStates[locale] ?? [:]
        for id in translations.texts.keys { states[id] = translations.states[id] }
        if states != (project.reviewStates[locale] ?? [:]) {
            let rows = [["unit", "state"]] + states.sorted { $0.key < $1.key }.map { [$0.key, $0.value.rawValue] }
            result[folder + Project.reviewStatesFile] = rows.map(CSV.line).joined()
        }
        return result
    }

    static func insert(_ tree: inout [String: Any], _ path: [String], _ value: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            tree[first] = value
        } else {
            var child = tree[first] as? [String: Any] ?? [:]
            insert(&child, Array(path.dropFirst()), value)
            tree[first] = child
        }
    }

    static func yaml(_ tree: [String: Any], indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent)
        var text = ""
        for key in tree.keys.sorted(by: order) {
            switch tree[key] {
            case let child as [String: Any]:
                text += "\(pad)\(key):\n" + yaml(child, indent: indent + 1)
            case let forms as [String: String]:
                text += "\(pad)\(key):\n" + yaml(forms, indent: indent + 1)
            case let value as String:
                text += "\(pad)\(key): \(quoted(value))\n"
            default:
                break
            }
        }
        return text
    }

    /// Plural categories in CLDR order, other keys alphabetically.
    static func order(_ a: String, _ b: String) -> Bool {
        switch (PluralCategory(rawValue: a), PluralCategory(rawValue: b)) {
        case let (x?, y?): return x < y
        default: return a < b
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 { result += String(format: "\\x%02X", scalar.value) } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result + "\""
    }
}

/// Translator notes: comment lines written directly above a key in the default locale's YAML catalogs.
public enum CatalogComments {
    public static func notes(in yaml: String) -> [String: String] {
        var notes: [String: String] = [:]
        var stack: [(indent: Int, key: String)] = []
        var pending: [String] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                pending.append(trimmed.dropFirst().trimmingCharacters(in: .whitespaces))
                continue
            }
            guard !trimmed.isEmpty, let colon = trimmed.firstIndex(of: ":") else { pending = []; continue }
            let indent = line.prefix { $0 == " " }.count
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            let key = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            let path = (stack.map(\.key) + [key]).joined(separator: ".")
            if !pending.isEmpty, indent > 0 || stack.isEmpty {
                notes[path] = pending.joined(separator: " ")
            }
            pending = []
            stack.append((indent, key))
        }
        return notes
    }
}
