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

    /// Loads untyped YAML (for catalogs, whose keys are the data).
    static func load(_ text: String, file: String) throws(ProjectError) -> Any? {
        do {
            return try Yams.load(yaml: text)
        } catch let error as YamlError {
            throw ProjectError([diagnostic(for: error, file: file)])
        } catch {
            throw ProjectError([.error(file, "cannot be read as YAML: \(error)")])
        }
    }

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
