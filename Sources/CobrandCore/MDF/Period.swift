import Foundation

/// An MDF period: a quarter (`2026-Q4`), a half (`2026-H1`), a month (`2026-11`), a year (`2026`), or
/// explicit days (`2026-10-01..2026-12-31`). Days are whole UTC days, both ends included.
public struct Period: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The text it was written as, normalised (`2026-q4` is `2026-Q4`); the key allocations are stored under.
    public let id: String
    /// First day, `YYYY-MM-DD`.
    public let start: String
    /// Last day, `YYYY-MM-DD`.
    public let end: String

    public var description: String { id }

    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces).uppercased()
        if let range = text.range(of: "..") {
            let first = String(text[..<range.lowerBound]), last = String(text[range.upperBound...])
            guard let from = Self.day(first), let to = Self.day(last), from <= to else { return nil }
            self.init(id: "\(first)..\(last)", start: first, end: last)
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let year = Int(parts[0]), parts[0].count == 4, (2000...2999).contains(year) else { return nil }
        let months: ClosedRange<Int>
        switch parts.count {
        case 1: months = 1...12
        case 2 where parts[1].count == 2 && parts[1].hasPrefix("Q"):
            guard let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { return nil }
            months = (quarter * 3 - 2)...(quarter * 3)
        case 2 where parts[1].count == 2 && parts[1].hasPrefix("H"):
            guard let half = Int(parts[1].dropFirst()), (1...2).contains(half) else { return nil }
            months = (half * 6 - 5)...(half * 6)
        case 2 where parts[1].count == 2:
            guard let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            months = month...month
        default: return nil
        }
        let lastDay = Self.daysIn(year: year, month: months.upperBound)
        self.init(id: text, start: String(format: "%04d-%02d-01", year, months.lowerBound),
                  end: String(format: "%04d-%02d-%02d", year, months.upperBound, lastDay))
    }

    init(id: String, start: String, end: String) {
        self.id = id
        self.start = start
        self.end = end
    }

    /// Whether `day` (`YYYY-MM-DD`) falls inside the period.
    public func contains(_ day: String) -> Bool { start <= day && day <= end }

    /// The day `days` after the period's last day: the default claim deadline.
    public func dayAfterEnd(adding days: Int) -> String { Self.add(days, to: end) }

    /// A valid `YYYY-MM-DD` day, as a date at 00:00 UTC.
    public static func day(_ text: String) -> Date? {
        dayNumber(text).map { Date(timeIntervalSince1970: Double($0) * 86_400) }
    }

    /// `YYYY-MM-DD` plus `days`; a text that is not a valid day is returned as it is.
    public static func add(_ days: Int, to text: String) -> String {
        guard let number = dayNumber(text) else { return text }
        let (year, month, day) = Timestamp.civil(days: number + days)
        return Timestamp.day(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 of a valid `YYYY-MM-DD` (no 2027-02-31, year 0001 or later).
    static func dayNumber(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1, (1...12).contains(month),
              (1...daysIn(year: year, month: month)).contains(day)
        else { return nil }
        return Timestamp.days(year: year, month: month, day: day)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
