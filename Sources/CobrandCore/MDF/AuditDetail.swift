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
        Self.object(fields, into: &out) { value, out in
            switch value {
            case .text(let text): JSONText.string(text, into: &out)
            case .texts(let texts):
                out += "["
                for (index, text) in texts.enumerated() {
                    if index > 0 { out += "," }
                    JSONText.string(text, into: &out)
                }
                out += "]"
            case .counts(let counts): Self.object(counts, into: &out) { count, out in out += String(count) }
            }
        }
        return out
    }

    private static func object<V>(_ members: [String: V], into out: inout String, _ value: (V, inout String) -> Void) {
        out += "{"
        for (index, member) in JSONText.sorted(members).enumerated() {
            if index > 0 { out += "," }
            JSONText.string(member.key, into: &out)
            out += ":"
            value(member.value, &out)
        }
        out += "}"
    }
}
