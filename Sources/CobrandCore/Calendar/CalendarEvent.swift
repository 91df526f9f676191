import Foundation

/// An RFC 5545 calendar with one event, published (`METHOD:PUBLISH`) with the time zone it is held in.
///
/// The event's local start and end are written with `TZID=` and a `VTIMEZONE` built from the IANA zone's
/// real transitions around the event, so clients show the right time even across daylight-saving changes.
public struct CalendarEvent: Sendable, Equatable {
    /// A webinar kit's calendar file, also served by `cobrand serve` and attached to emails.
    public static let fileName = "event.ics"

    public var uid: String
    public var sequence: Int
    /// When this version of the event was published; fixed by the inputs so builds stay reproducible.
    public var stamp: Date
    public var start: Date
    public var end: Date
    public var timeZone: TimeZone
    public var summary: String
    public var description: String
    public var url: String
    public var organizerName: String
    public var organizerEmail: String

    public init(uid: String, sequence: Int, stamp: Date, start: Date, end: Date, timeZone: TimeZone, summary: String,
                description: String, url: String, organizerName: String, organizerEmail: String) {
        self.uid = uid
        self.sequence = sequence
        self.stamp = stamp
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.summary = summary
        self.description = description
        self.url = url
        self.organizerName = organizerName
        self.organizerEmail = organizerEmail
    }

    public func encoded() -> Data {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Cobrand//\(Generator.name)//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ]
        lines += Self.vtimezone(timeZone, around: start)
        lines += [
            "BEGIN:VEVENT",
            "UID:\(Self.text(uid))",
            "SEQUENCE:\(sequence)",
            "DTSTAMP:\(Self.utc(stamp))",
            "DTSTART;TZID=\(timeZone.identifier):\(Self.local(start, timeZone))",
            "DTEND;TZID=\(timeZone.identifier):\(Self.local(end, timeZone))",
            "SUMMARY:\(Self.text(summary))",
            "DESCRIPTION:\(Self.text(description))",
            "LOCATION:\(Self.text(url))",
            "URL:\(url)",
            "ORGANIZER;CN=\(Self.parameter(organizerName)):mailto:\(organizerEmail)",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return Data((lines.map(Self.fold).joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// STANDARD and DAYLIGHT observances for the transitions from a year before to a year after `date`.
    static func vtimezone(_ zone: TimeZone, around date: Date) -> [String] {
        var lines = ["BEGIN:VTIMEZONE", "TZID:\(zone.identifier)"]
        let from = date.addingTimeInterval(-366 * 86_400)
        let until = date.addingTimeInterval(366 * 86_400)
        var transitions: [Date] = []
        var cursor = from
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < until {
            transitions.append(next)
            cursor = next
        }
        if transitions.isEmpty {
            let offset = offsetText(zone.secondsFromGMT(for: date))
            lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:\(offset)", "TZOFFSETTO:\(offset)", "END:STANDARD"]
        } else {
            for transition in transitions {
                let before = zone.secondsFromGMT(for: transition.addingTimeInterval(-1))
                let after = zone.secondsFromGMT(for: transition)
                let kind = zone.isDaylightSavingTime(for: transition) ? "DAYLIGHT" : "STANDARD"
                // DTSTART is the local wall time at the moment of the change, in the offset before it.
                let localStart = transition.addingTimeInterval(TimeInterval(before))
                lines += ["BEGIN:\(kind)", "DTSTART:\(floating(localStart))",
                          "TZOFFSETFROM:\(offsetText(before))", "TZOFFSETTO:\(offsetText(after))", "END:\(kind)"]
            }
        }
        return lines + ["END:VTIMEZONE"]
    }

    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return String(format: "%@%02d%02d", sign, minutes / 60, minutes % 60)
    }

    static func utc(_ date: Date) -> String { floating(date) + "Z" }

    static func local(_ date: Date, _ zone: TimeZone) -> String {
        floating(date.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: date))))
    }

    /// `YYYYMMDDTHHMMSS` of a date read as UTC (callers shift it first for local times).
    static func floating(_ date: Date) -> String { Timestamp.format(date, "%04d%02d%02dT%02d%02d%02d") }

    /// TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines.
    static func text(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\r\n", with: "\\n")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\n")
    }

    /// A parameter value, quoted; DQUOTE and control characters cannot appear in one, so they are dropped.
    static func parameter(_ value: String) -> String {
        "\"" + String(value.unicodeScalars.filter { $0 != "\"" && $0.properties.generalCategory != .control }) + "\""
    }

    /// Folds a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 3.1).
    static func fold(_ line: String) -> String {
        var result = ""
        var width = 0
        for character in line {
            let size = String(character).utf8.count
            if width + size > 75 {
                result += "\r\n "
                width = 1
            }
            result.append(character)
            width += size
        }
        return result
    }
}
