/// One problem found in a project's inputs, with where it is and how to fix it.
///
/// `validate` prints every diagnostic; `build` refuses to start on errors in shared inputs
/// (templates, manifests, catalogs) and skips partners whose roster row, logo or slot file has errors.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible, Comparable {
    public enum Severity: String, Sendable, Comparable {
        case warning, error
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    public let severity: Severity
    /// Project-relative path of the file at fault.
    public let file: String
    /// 1-based line, when the problem has one.
    public let line: Int?
    /// Column, key path or field name, when the problem has one.
    public let field: String?
    /// What is wrong and how to fix it.
    public let message: String

    public init(_ severity: Severity, file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public static func error(_ file: String, line: Int? = nil, field: String? = nil, _ message: String) -> Diagnostic {
        Diagnostic(.error, file: file, line: line, field: field, message)
    }

    public static func warning(_ file: String, line: Int? = nil, field: String? = nil, _ message: String) -> Diagnostic {
        Diagnostic(.warning, file: file, line: line, field: field, message)
    }

    /// `file:line: error: field: message`, the shape compilers use so editors can jump to it.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        let prefix = field.map { "\($0): " } ?? ""
        return "\(place): \(severity.rawValue): \(prefix)\(message)"
    }

    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.file, lhs.line ?? 0, lhs.field ?? "", lhs.message) < (rhs.file, rhs.line ?? 0, rhs.field ?? "", rhs.message)
    }
}

extension Array where Element == Diagnostic {
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
}

/// Thrown when inputs that every kit shares are broken, so no kit can be built.
public struct ProjectError: Error, Equatable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics.sorted() }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
