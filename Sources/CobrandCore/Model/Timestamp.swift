import Foundation

/// Fixed-pattern date texts (iCalendar, RFC 3339, schedules): built from Gregorian calendar fields in a
/// given zone, never from locale-dependent formatters, so they are the same on every machine.
public enum Timestamp {
    public static let utc = TimeZone(identifier: "UTC") ?? .current

    /// `pattern` gets year, month, day, hour, minute and second as six `%d` arguments in that order.
    static func format(_ date: Date, in zone: TimeZone = utc, _ pattern: String) -> String {
        let c = fields(date, in: zone)
        return String(format: pattern, c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// The UTC day of `date`, `YYYY-MM-DD`.
    public static func day(_ date: Date) -> String {
        let c = fields(date, in: utc)
        return day(year: c.year, month: c.month, day: c.day)
    }

    /// RFC 3339 in UTC with whole seconds (`2027-01-15T08:00:00Z`), for JSON payloads and exports.
    public static func iso8601(_ date: Date) -> String {
        let c = fields(date, in: utc)
        return "\(day(year: c.year, month: c.month, day: c.day))T\(digits(c.hour, 2)):\(digits(c.minute, 2)):\(digits(c.second, 2))Z"
    }

    /// `YYYY-MM-DD`.
    static func day(year: Int, month: Int, day: Int) -> String { "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))" }

    /// Gregorian fields of `date` in `zone`. UTC, the common case, is plain arithmetic: a `Calendar` costs
    /// microseconds per call, which reconciliation and the event writer pay thousands of times.
    static func fields(_ date: Date, in zone: TimeZone) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let interval = date.timeIntervalSince1970
        guard zone == utc || zone.identifier == "UTC" || zone.identifier == "GMT", interval.isFinite, interval.magnitude < 1e15 else {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return (c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        }
        let seconds = Int(interval.rounded(.down))
        let (days, time) = (seconds.floorDivided(by: 86_400), seconds.floorModulo(86_400))
        let (year, month, day) = civil(days: days)
        return (year, month, day, time / 3_600, time % 3_600 / 60, time % 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (`civil_from_days`).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
    }

    /// `value` zero-padded to `width` digits.
    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Int {
    /// Division rounding toward minus infinity, so times before 1970 fall on the right day.
    fileprivate func floorDivided(by divisor: Int) -> Int { (self - floorModulo(divisor)) / divisor }

    fileprivate func floorModulo(_ divisor: Int) -> Int { ((self % divisor) + divisor) % divisor }
}

extension Calendar {
    /// The Gregorian calendar in UTC, for day ranges in reports.
    public static var utcGregorian: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Timestamp.utc
        return calendar
    }
}
