import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Text work on UTF-8 bytes for the large strings of a kit (whole emails in the preview): Foundation's
/// `replacingOccurrences` and `range(of:)` go through CFString on Linux, and Mustache's escaping looks up
/// every `Character` in a dictionary; together they were a sixth of a build (`perf`, issue 19).
public enum HTMLText {
    /// `text` escaped for HTML text and quoted attributes, byte for byte as Mustache's `{{ }}` escapes it
    /// (`&`, `<`, `>`, `"` and `'`), so a template can put it in `{{{ }}}`.
    /// Without `apostrophe`, `'` stays as it is (`String.htmlEscaped`). `text` itself when nothing needs escaping.
    public static func escaped(_ text: String, apostrophe: Bool = true) -> String {
        func entity(_ byte: UInt8) -> StaticString? {
            switch byte {
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            case UInt8(ascii: "\""): "&quot;"
            case UInt8(ascii: "'") where apostrophe: "&#39;"
            default: nil
            }
        }
        var utf8 = text
        return utf8.withUTF8 { bytes -> String? in
            // Mustache escapes whole `Character`s: `&` or `<` followed by a combining mark, or after a prepended
            // mark (U+0600), is one Character, not in its table, and stays as it is. An ASCII byte joins a Character
            // only with a non-ASCII neighbour, so then the text goes Character by Character; otherwise byte by byte,
            // on the buffer (a preview escapes whole emails).
            var grows = 0
            for index in bytes.indices {
                guard let replacement = entity(bytes[index]) else { continue }
                let joinsNeighbour = (index + 1 < bytes.count && bytes[index + 1] >= 0x80) || (index > 0 && bytes[index - 1] >= 0x80)
                if joinsNeighbour { return escapedByCharacter(text, entity) }
                grows += replacement.utf8CodeUnitCount - 1
            }
            guard grows > 0 else { return nil }
            // Written in place, each run between two entities copied whole: the output's exact length is known.
            return String(unsafeUninitializedCapacity: bytes.count + grows) { out in
                var (written, runStart) = (0, 0)
                func copy(_ part: UnsafeBufferPointer<UInt8>) {
                    _ = UnsafeMutableBufferPointer(rebasing: out[written...]).initialize(fromContentsOf: part)
                    written += part.count
                }
                for index in bytes.indices {
                    guard let replacement = entity(bytes[index]) else { continue }
                    copy(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    replacement.withUTF8Buffer(copy)
                    runStart = index + 1
                }
                copy(UnsafeBufferPointer(rebasing: bytes[runStart...]))
                assert(written == bytes.count + grows)
                return written
            }
        } ?? text
    }

    private static func escapedByCharacter(_ text: String, _ entity: (UInt8) -> StaticString?) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / 16)
        for character in text {
            if let ascii = character.asciiValue, let replacement = entity(ascii) { out += replacement.description } else { out.append(character) }
        }
        return out
    }

    /// Whether `text` contains `target`, compared as bytes.
    public static func contains(_ target: String, in text: String) -> Bool {
        var text = text
        let needle = Array(target.utf8)
        return text.withUTF8 { first(needle, in: $0, from: 0) != nil }
    }

    /// Whether `data` (an SVG, say) contains `target`'s bytes (`Data.firstRange(of:)` compares through generic collections).
    public static func contains(_ target: String, in data: Data) -> Bool {
        let needle = Array(target.utf8)
        return data.withUnsafeBytes { first(needle, in: $0.assumingMemoryBound(to: UInt8.self), from: 0) != nil }
    }

    /// `text` with every occurrence of `target` replaced; `text` itself (no copy) when there is none.
    public static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        replacingRuns(from: target, through: nil, with: replacement, in: text)
    }

    /// `text` with every run that starts with `prefix` and goes up to, not including, the next `end` byte (or the
    /// end of the text) replaced, as when a URL is cut out of its attribute up to the closing quote. A nil `end`
    /// replaces `prefix` alone.
    public static func replacingRuns(from prefix: String, through end: UInt8?, with replacement: String, in text: String) -> String {
        var text = text
        let needle = Array(prefix.utf8)
        guard !needle.isEmpty else { return text }
        let replaced = text.withUTF8 { source -> String? in
            guard let base = source.baseAddress, first(needle, in: source, from: 0) != nil else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(source.count)
            var position = 0
            while let found = first(needle, in: source, from: position) {
                out.append(contentsOf: UnsafeBufferPointer(start: base + position, count: found - position))
                out.append(contentsOf: replacement.utf8)
                var after = found + needle.count
                if let end { while after < source.count, source[after] != end { after += 1 } }
                position = after
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + position, count: source.count - position))
            return String(decoding: out, as: UTF8.self)
        }
        return replaced ?? text
    }

    /// The offset of the first `needle` in `source` at or after `from`: `memchr` to its first byte, `memcmp` for
    /// the rest (glibc's `memmem` is not visible to Swift).
    private static func first(_ needle: [UInt8], in source: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = source.baseAddress, let lead = needle.first else { return nil }
        return needle.withUnsafeBytes { bytes -> Int? in
            guard let pattern = bytes.baseAddress else { return nil }
            var at = from
            while at + needle.count <= source.count {
                guard let hit = memchr(base + at, Int32(lead), source.count - needle.count + 1 - at) else { return nil }
                let offset = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + offset, pattern, needle.count) == 0 { return offset }
                at = offset + 1
            }
            return nil
        }
    }
}
