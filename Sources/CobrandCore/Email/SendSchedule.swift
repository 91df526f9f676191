import Foundation

/// When a step of a sequence goes out: start date plus the step's day, at a local time in the partner's zone.
public enum SendSchedule {
    /// Parses `YYYY-MM-DD`.
    public static func day(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return DateComponents(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Parses `HH:MM`.
    public static func time(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, text.count == 5, (0...23).contains(parts[0]), (0...59).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    /// The send instant, or nil when the date or time does not parse (the loader reports those).
    public static func date(start: String, day offset: Int, time: String?, timeZone: TimeZone) -> Date? {
        guard var components = day(start), let (hour, minute) = Self.time(time ?? "09:00") else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        components.hour = hour
        components.minute = minute
        guard let first = calendar.date(from: components) else { return nil }
        return calendar.date(byAdding: .day, value: offset, to: first)
    }

    /// `YYYY-MM-DD HH:MM` in `timeZone`, for sequence.csv.
    public static func local(_ date: Date, _ timeZone: TimeZone) -> String {
        Timestamp.format(date, in: timeZone, "%04d-%02d-%02d %02d:%02d")
    }
}
