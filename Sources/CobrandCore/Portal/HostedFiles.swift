import Foundation

/// The files of a built kit that `cobrand serve` answers publicly, so links in emails work wherever they are
/// sent: a landing or registration page (`<component>/index.html`, whose form posts to the same server), a
/// webinar's `event.ics`, a syndication feed, and the kit's images those pages load. Emails, the preview and
/// everything else stay behind the portal's sign-in.
public enum HostedFiles {
    /// The path under the server: `/p/<campaign>/<partner>/<locale>/<file>`; a page's folder ends in `/`.
    public static func path(_ id: KitID, file: String) -> String {
        "/p/\(id.campaign)/\(id.partner)/\(id.locale)/\(file)"
    }

    /// Whether `file`, a path inside a kit, is served publicly. Each segment must be a plain name, so no
    /// request can leave the kit.
    public static func isPublic(_ file: String) -> Bool {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, Partner.isValidID(parts[0]) else { return false }
        let name = parts[1]
        if parts[0] == "assets" {
            let stem = (name as NSString).deletingPathExtension
            return ["png", "jpg", "jpeg", "svg"].contains((name as NSString).pathExtension.lowercased())
                && (stem.first?.isLetter == true || stem.first?.isNumber == true) && stem.utf8.allSatisfy { isNameByte($0) }
        }
        return ["index.html", CalendarEvent.fileName, AtomFeed.fileName].contains(name)
    }

    /// The kit file behind a feed's public name, `<component>.xml` to `<component>/feed.xml` (`AtomFeed.path`).
    public static func feedFile(_ name: String) -> String? {
        guard name.hasSuffix(".xml"), Partner.isValidID(String(name.dropLast(4))) else { return nil }
        return "\(name.dropLast(4))/\(AtomFeed.fileName)"
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".")
    }
}
