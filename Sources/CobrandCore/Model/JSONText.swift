/// JSON strings written directly, with exactly the escapes `JSONEncoder` uses (`"`, `\`, `\b`, `\f`, `\n`,
/// `\r`, `\t`, other control characters as `\u00XX`; slashes and non-ASCII as they are), for the files whose
/// bytes must not change and that are written thousands of times (audit details, `index.json`).
public enum JSONText {
    public static func string(_ text: String, into out: inout String) {
        out += "\""
        // Most texts need no escape: appended whole, which is many times faster than scalar by scalar.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out += text
            out += "\""
            return
        }
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

    /// Keys in the order `.sortedKeys` writes them: byte order.
    public static func sorted<Value>(_ members: [String: Value]) -> [(key: String, value: Value)] {
        members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}
