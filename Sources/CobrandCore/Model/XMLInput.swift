import Foundation

/// Checks made before Foundation's XML parsers see untrusted bytes: on Linux they trap on an element name
/// that is not UTF-8 (`<\u{FF}`), on a NUL byte (`\0<\0`) and on an empty document, all found by `scripts/fuzz`.
enum XMLInput {
    /// Why `data` cannot be parsed safely, or nil.
    static func problem(_ data: Data) -> String? {
        if data.isEmpty { return "the file is empty" }
        if String(data: data, encoding: .utf8) == nil { return "the file is not UTF-8 text; save it as UTF-8" }
        if data.contains(0) { return "the file has a NUL byte, which XML does not allow" }
        return nil
    }
}
