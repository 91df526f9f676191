import Foundation

/// Length limits on partner and visitor text. Characters are counted as people see them (graphemes), and
/// bytes are capped too: one grapheme can carry any number of combining marks, so a limit of 100
/// characters alone does not bound what is stored.
public enum TextLimit {
    /// UTF-8 bytes allowed per character of a limit: room for any script and most emoji.
    public static let bytesPerCharacter = 4

    /// Why `text` is too long for `maxLength` characters, or nil when it fits.
    public static func problem(_ text: String, maxLength: Int) -> String? {
        if text.count > maxLength { return "is \(text.count) characters long; shorten it to at most \(maxLength)" }
        let bytes = text.utf8.count, maxBytes = maxLength * bytesPerCharacter
        if bytes > maxBytes { return "is \(bytes) bytes long (combining marks count); shorten it to at most \(maxBytes) bytes" }
        return nil
    }

    public static func fits(_ text: String, maxLength: Int) -> Bool { problem(text, maxLength: maxLength) == nil }
}
