import Foundation
import Yams

/// Decodes YAML inputs and turns Yams' errors into diagnostics that name the file, line and key.
enum YAMLInput {
    static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws(ProjectError) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            throw ProjectError([diagnostic(for: error, file: file)])
        } catch let error as YamlError {
            throw ProjectError([diagnostic(for: error, file: file)])
        } catch {
            throw ProjectError([.error(file, "cannot be read as YAML: \(error)")])
        }
    }

    /// Loads untyped YAML (for catalogs, whose keys are the data) as `Yams.load` does.
    static func load(_ text: String, file: String) throws(ProjectError) -> Any? {
        try values(of: compose(text, file: file), text: text, file: file)
    }

    /// `load` of a document `compose` has already read: a caller that tried its nodes first reads it once.
    static func values(of node: Node?, text: String, file: String) throws(ProjectError) -> Any? {
        try reading(file) {
            guard let node else { return try Yams.load(yaml: text) }
            // Keys equal only once typed (`1` beside `!!int 1`) are duplicates Yams reports: it reads them again.
            return try typed(node)?.any ?? Yams.load(yaml: text)
        }
    }

    /// The document's root node, each scalar still to be typed (`typed`); nil for an empty document, or when
    /// only `load` can read it.
    static func compose(_ text: String, file: String) throws(ProjectError) -> Node? {
        try reading(file) {
            guard let candidates else { return nil }
            return try Yams.compose(yaml: text, candidates)
        }
    }

    /// `body`, its YAML errors as diagnostics naming `file`.
    private static func reading<T>(_ file: String, _ body: () throws -> T) throws(ProjectError) -> T {
        do {
            return try body()
        } catch let error as YamlError {
            throw ProjectError([diagnostic(for: error, file: file)])
        } catch {
            throw ProjectError([.error(file, "cannot be read as YAML: \(error)")])
        }
    }

    /// A scalar's text, when `typed` leaves it text; nil for any other node or value.
    static func text(_ node: Node) -> String? {
        guard case let .scalar(scalar) = typed(node), scalar.tag.rawValue == Tag.Name.str.rawValue else { return nil }
        return scalar.string
    }

    /// Yams' default rules are seven regular expressions run through Foundation for every plain scalar, keys
    /// included: two fifths of reading the catalogs, whose keys and messages are nearly all text none of them
    /// can match. So the document is read with one rule that marks what they could match (keys are resolved
    /// while it is read, to find duplicates), and `typed` hands only those scalars to the default rules.
    /// Nil if the rule's pattern were refused: then the default rules read everything.
    private static let candidates = (try? Resolver.Rule(mayBeTypedName, mayBeTypedPattern)).map(Resolver.basic.appending)

    private static let mayBeTypedName = Tag.Name(rawValue: "tag:cobrand,2026:may-be-typed")

    /// What `mayBeTyped` says, as a pattern.
    private static let mayBeTypedPattern = "^(?:$|[" + String(decoding: typedStarts.sorted(), as: UTF8.self).replacingOccurrences(of: "-", with: "\\-")
        + "]|(?:" + typedWords.sorted().joined(separator: "|") + ")$)"

    /// `node` with every scalar that has no tag of its own typed: by the default rules when they could match
    /// it, else as text. A quoted or explicitly tagged scalar keeps its tag. Nil when a mapping then has two
    /// equal keys.
    static func typed(_ node: Node) -> Node? {
        switch node {
        case var .scalar(scalar):
            switch scalar.tag.rawValue {
            case mayBeTypedName.rawValue: scalar.tag = Tag(.implicit)
            case Tag.Name.implicit.rawValue: scalar.tag = Tag(mayBeTyped(scalar.string) ? .implicit : .str)
            default: return node
            }
            return .scalar(scalar)
        case let .mapping(mapping):
            var pairs: [(Node, Node)] = []
            var keys = Set<Node>()
            for (key, value) in mapping {
                guard let key = typed(key), keys.insert(key).inserted, let value = typed(value) else { return nil }
                pairs.append((key, value))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case let .sequence(sequence):
            var nodes: [Node] = []
            for item in sequence {
                guard let item = typed(item) else { return nil }
                nodes.append(item)
            }
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    /// Whether any of `Resolver.default`'s rules can match `text`: each matches only the empty string, the
    /// words below, or text that starts with a digit, sign, dot, `~`, `<` or `=`.
    static func mayBeTyped(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return true }
        return typedStarts.contains(first) || typedWords.contains(text)
    }

    private static let typedStarts = Set("0123456789+-.~<=".utf8)
    private static let typedWords: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
    ]

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _):
            return .error(file, line: mark.line, "YAML syntax error at column \(mark.column): \(problem); check indentation and quoting")
        default:
            return .error(file, "YAML error: \(error)")
        }
    }

    static func diagnostic(for error: DecodingError, file: String) -> Diagnostic {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
            return text.isEmpty ? nil : text
        }
        switch error {
        case let .dataCorrupted(context):
            if let yaml = context.underlyingError as? YamlError { return diagnostic(for: yaml, file: file) }
            return .error(file, field: path(context.codingPath), context.debugDescription)
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key])
            return .error(file, field: field, "is required; add it")
        case let .typeMismatch(type, context):
            return .error(file, field: path(context.codingPath), "has the wrong type; expected \(Self.describe(type))")
        case let .valueNotFound(type, context):
            return .error(file, field: path(context.codingPath), "is empty; expected \(Self.describe(type))")
        @unknown default:
            return .error(file, "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping of keys to values" }
            return name
        }
    }
}
