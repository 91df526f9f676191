import Foundation
import Yams

/// Reading a catalog file: straight from its YAML nodes when it is all text, else through Yams' values.
extension Catalog {
    /// Adds the messages of one YAML file, reporting non-text values and keys defined twice.
    mutating func add(yaml: String, file: String) throws(ProjectError) {
        let node = try YAMLInput.compose(yaml, file: file)
        if let node, addFromNodes(node, file: file) { return }
        try addFromValues(YAMLInput.values(of: node, text: yaml, file: file), file: file)
    }

    /// `add` from the document as `Yams.load`'s values (`YAMLInput.load`): any document, every problem reported.
    mutating func addFromValues(_ root: Any?, file: String) throws(ProjectError) {
        guard let root else { return }
        guard let mapping = root as? [String: Any] else {
            throw ProjectError([.error(file, "a catalog must be a mapping of keys to messages, such as `email.subject: Hello`")])
        }
        var problems: [Diagnostic] = []
        func walk(_ node: [String: Any], prefix: String) {
            for (key, value) in node {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch value {
                case let forms as [String: Any] where Self.isPlural(forms):
                    var plural: [PluralCategory: String] = [:]
                    for (category, text) in forms {
                        guard let category = PluralCategory(rawValue: category), let text = text as? String else {
                            problems.append(.error(file, field: "\(path).\(category)", "a plural form must be text"))
                            continue
                        }
                        plural[category] = text
                    }
                    plurals[path] = plural
                    origins[path] = file
                case let nested as [String: Any]:
                    walk(nested, prefix: path)
                case let text as String:
                    if let first = origins[path] {
                        problems.append(.error(file, field: path, "is also defined in \(first); keep one"))
                    }
                    messages[path] = text
                    origins[path] = file
                case is Int, is Double, is Bool:
                    messages[path] = "\(value)"
                    origins[path] = file
                default:
                    problems.append(.error(file, field: path, "is not text; write the message as a string"))
                }
            }
        }
        walk(mapping, prefix: "")
        if !problems.isEmpty { throw ProjectError(problems) }
    }

    /// `add` straight from the nodes of a file whose keys and messages are all text (or numbers and
    /// booleans as messages), none defined before: without making a dictionary of `Any` of the whole file
    /// first, which with the typing was half of reading the catalogs. False, with nothing added, for anything
    /// else; then `add` reads the file the general way and reports its problems.
    mutating func addFromNodes(_ root: Node, file: String) -> Bool {
        var texts: [(key: String, text: String)] = []
        var forms: [(key: String, forms: [PluralCategory: String])] = []
        var seen = Set<String>()
        // Text as written, without asking the default rules, unless they could type it.
        func scalar(_ node: Node) -> Any? { YAMLInput.text(node) ?? YAMLInput.typed(node)?.any }
        func walk(_ node: Node, prefix: String) -> Bool {
            guard case let .mapping(mapping) = node else { return false }
            for (key, value) in mapping {
                // Keys as Yams makes them: the scalar's text, typed or not (`yes:` is "yes"); merge keys are its own.
                guard let key = key.scalar?.string, key != "<<", key != "=" else { return false }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch value {
                case let .mapping(mapping):
                    let categories = mapping.keys.map { $0.scalar.flatMap { PluralCategory(rawValue: $0.string) } }
                    guard categories.contains(.other), !categories.contains(nil) else {
                        guard walk(value, prefix: path) else { return false }
                        continue
                    }
                    var plural: [PluralCategory: String] = [:]
                    for (category, text) in zip(categories, mapping.values) {
                        guard let category, let text = scalar(text) as? String else { return false }
                        plural[category] = text
                    }
                    guard seen.insert(path).inserted, origins[path] == nil else { return false }
                    forms.append((path, plural))
                case .scalar:
                    guard seen.insert(path).inserted, origins[path] == nil else { return false }
                    switch scalar(value) {
                    case let text as String: texts.append((path, text))
                    case let typed? where typed is Int || typed is Double || typed is Bool: texts.append((path, "\(typed)"))
                    default: return false
                    }
                default:
                    return false
                }
            }
            return true
        }
        guard walk(root, prefix: "") else { return false }
        for (key, text) in texts {
            messages[key] = text
            origins[key] = file
        }
        for (key, plural) in forms {
            plurals[key] = plural
            origins[key] = file
        }
        return true
    }
}
