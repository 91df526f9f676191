/// An MDF audit entry's details, written as canonical JSON: keys in byte order, no whitespace, `"`, `\` and
/// control characters escaped, everything else as it is (the bytes `JSONEncoder` writes with `.sortedKeys`
/// and `.withoutEscapingSlashes`, which older entries were written with). The chain hashes this text, so it
/// must never change for the same details; written directly because reconciliation writes thousands at once.
public struct AuditDetail: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case texts([String])
        case counts([String: Int])
    }

    public var fields: [String: Value]

    public init(_ fields: [String: Value]) { self.fields = fields }

    public var json: String {
        var out = ""
        Self.object(fields.map { ($0.key, $0.value) }, into: &out) { value, out in
            switch value {
            case .text(let text): Self.string(text, into: &out)
            case .texts(let texts):
                out += "["
                for (index, text) in texts.enumerated() {
                    if index > 0 { out += "," }
                    Self.string(text, into: &out)
                }
                out += "]"
            case .counts(let counts): Self.object(counts.map { ($0.key, $0.value) }, into: &out) { count, out in out += String(count) }
            }
        }
        return out
    }

    private static func object<V>(_ members: [(String, V)], into out: inout String, _ value: (V, inout String) -> Void) {
        out += "{"
        for (index, (key, member)) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
            if index > 0 { out += "," }
            string(key, into: &out)
            out += ":"
            value(member, &out)
        }
        out += "}"
    }

    private static func string(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
