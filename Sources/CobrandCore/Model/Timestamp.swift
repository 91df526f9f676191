import Foundation

/// Fixed-pattern date texts (iCalendar, RFC 3339, schedules): built from Gregorian calendar fields in a
/// given zone, never from locale-dependent formatters, so they are the same on every machine.
public enum Timestamp {
    public static let utc = TimeZone(identifier: "UTC") ?? .current

    /// `pattern` gets year, month, day, hour, minute and second as six `%d` arguments in that order.
    static func format(_ date: Date, in zone: TimeZone = utc, _ pattern: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: pattern, c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The UTC day of `date`, `YYYY-MM-DD`.
    public static func day(_ date: Date) -> String { format(date, "%04d-%02d-%02d") }

    /// RFC 3339 in UTC with whole seconds (`2027-01-15T08:00:00Z`), for JSON payloads and exports.
    public static func iso8601(_ date: Date) -> String { format(date, "%04d-%02d-%02dT%02d:%02d:%02dZ") }
}

extension Calendar {
    /// The Gregorian calendar in UTC, for day ranges in reports.
    public static var utcGregorian: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Timestamp.utc
        return calendar
    }
}
