import Foundation

/// A ready-to-send email as an RFC 5322 / RFC 2045 `multipart/alternative` message (`.eml`).
///
/// Headers that are not plain printable ASCII are encoded per RFC 2047, so no partner value can break a
/// header line or inject another; both bodies are UTF-8 in base64. Everything is derived from the
/// inputs (boundary, Message-ID, Date), so the same inputs give the same bytes.
public struct EmailMessage: Sendable, Equatable {
    public struct Address: Sendable, Equatable {
        public let name: String
        public let email: String
        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    public var from: Address
    public var subject: String
    public var date: Date
    public var timeZone: TimeZone
    public var messageID: String
    /// `List-Unsubscribe` targets: an https URL and a mailto: URL (RFC 2369, RFC 8058 one-click).
    public var listUnsubscribe: [String]
    public var text: String
    public var html: String
    /// Files after the text and HTML (a webinar's `.ics`): the message becomes `multipart/mixed`.
    public var attachments: [Attachment] = []

    public struct Attachment: Sendable, Equatable {
        public let name: String
        /// The full Content-Type value, such as `text/calendar; charset=UTF-8; method=PUBLISH`.
        public let contentType: String
        public let data: Data
        /// `name` keeps only letters, digits, `.`, `-` and `_`, and `contentType` loses line breaks and quotes:
        /// neither can break out of its header.
        public init(name: String, contentType: String, data: Data) {
            let safe = name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0)) }
            self.name = safe.isEmpty ? "attachment" : String(String.UnicodeScalarView(safe))
            self.contentType = String(contentType.unicodeScalars.filter { !["\r", "\n", "\""].contains($0) })
            self.data = data
        }
    }

    public init(from: Address, subject: String, date: Date, timeZone: TimeZone, messageID: String,
                listUnsubscribe: [String], text: String, html: String) {
        self.from = from
        self.subject = subject
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID
        self.listUnsubscribe = listUnsubscribe
        self.text = text
        self.html = html
    }

    public func encoded() -> Data {
        let textBody = Self.base64Lines(Data(text.utf8))
        let htmlBody = Self.base64Lines(Data(html.utf8))
        // Base64 never contains '-' or '=' runs like this, so the boundary cannot occur in a body.
        let boundary = "=_cobrand-" + String(Checksum.sha256(Data((textBody + htmlBody).utf8)).prefix(24))
        var lines = [
            "From: \(Self.mailbox(from))",
            "To: undisclosed-recipients:;",
            Self.header("Subject", subject),
            "Date: \(Self.rfc5322Date(date, timeZone))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
        ]
        if !listUnsubscribe.isEmpty {
            lines.append("List-Unsubscribe: " + listUnsubscribe.map { "<\($0)>" }.joined(separator: ",\r\n "))
            // RFC 8058 §3.1: one-click only with an https address that identifies the recipient by itself.
            if listUnsubscribe.contains(where: { $0.lowercased().hasPrefix("https:") && UnsubscribeLink.identifiesRecipient($0) }) {
                lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
            }
        }
        // Neither boundary is a prefix of the other (hex digits hold no 'm'), so no parser can confuse them.
        let mixed = "=_cobrand-mixed-" + boundary.dropFirst("=_cobrand-".count)
        if !attachments.isEmpty {
            lines += ["Content-Type: multipart/mixed; boundary=\"\(mixed)\"", "", "This is a multi-part message in MIME format.", "--\(mixed)"]
        }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
            "--\(boundary)",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            textBody,
            "--\(boundary)",
            "Content-Type: text/html; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            htmlBody,
            "--\(boundary)--",
        ]
        for attachment in attachments {
            lines += [
                "--\(mixed)",
                "Content-Type: \(attachment.contentType); name=\"\(attachment.name)\"",
                "Content-Disposition: attachment; filename=\"\(attachment.name)\"",
                "Content-Transfer-Encoding: base64",
                "",
                Self.base64Lines(attachment.data),
            ]
        }
        if !attachments.isEmpty { lines.append("--\(mixed)--") }
        lines.append("")
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    /// `"Display Name" <addr>`, the name quoted or RFC 2047-encoded as needed.
    static func mailbox(_ address: Address) -> String {
        let name = address.name
        if name.isEmpty { return "<\(address.email)>" }
        if isPlainASCII(name) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address.email)>"
        }
        return encodedWords(name).joined(separator: "\r\n ") + " <\(address.email)>"
    }

    /// `Name: value`, folded; RFC 2047 encoded-words when the value is not plain printable ASCII.
    static func header(_ name: String, _ value: String) -> String {
        if isPlainASCII(value) && value.count + name.count < 76 { return "\(name): \(value)" }
        if isPlainASCII(value) {
            // Fold at spaces to keep lines under 78 characters.
            var lines: [String] = []
            var current = "\(name):"
            for word in value.split(separator: " ", omittingEmptySubsequences: false) {
                if current.count + word.count + 1 > 76, current.count > name.count + 1 {
                    lines.append(current)
                    current = ""
                }
                current += " " + word
            }
            lines.append(current)
            return lines.joined(separator: "\r\n")
        }
        return "\(name): " + encodedWords(value).joined(separator: "\r\n ")
    }

    static func isPlainASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !text.contains("=?")
    }

    /// `=?UTF-8?B?...?=` words of at most 75 characters, split between characters, never inside one.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words
    }

    static func base64Lines(_ data: Data) -> String {
        data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }

    /// `Tue, 02 Mar 2027 09:30:00 +0100`, built from calendar fields (no locale-dependent formatter).
    static func rfc5322Date(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date) / 60
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d %@%02d%02d",
                      days[((c.weekday ?? 1) - 1) % 7], c.day ?? 1, months[((c.month ?? 1) - 1) % 12], c.year ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0, offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
    }
}
