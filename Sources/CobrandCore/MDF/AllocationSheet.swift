import Foundation

/// A CSV of one period's allocations: `partner,amount,currency[,deadline]`, one row per partner. Parsed
/// whole before anything is written: every bad row is reported with its line and the fix.
public enum AllocationSheet {
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let partner: String
        public let amount: Money
        public let deadline: String?
    }

    public struct Problems: Error, Equatable, CustomStringConvertible {
        public let messages: [String]
        public var description: String { messages.joined(separator: "\n") }

        public init(messages: [String]) { self.messages = messages }
    }

    public static func parse(_ text: String, file: String, partners: Set<String>) throws -> [Row] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text, file: file) } catch { throw Problems(messages: [error.description]) }
        guard let header = records.first else { throw Problems(messages: ["\(file): is empty; write a header line partner,amount,currency"]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let partnerColumn = names.firstIndex(of: "partner"), let amountColumn = names.firstIndex(of: "amount"),
              let currencyColumn = names.firstIndex(of: "currency")
        else {
            throw Problems(messages: ["\(file):\(header.line): the header must name the columns partner, amount and currency (and optionally deadline)"])
        }
        let deadlineColumn = names.firstIndex(of: "deadline")
        var rows: [Row] = [], problems: [String] = [], seen: [String: Int] = [:]
        for record in records.dropFirst() {
            func field(_ index: Int) -> String { index < record.fields.count ? record.fields[index].trimmingCharacters(in: .whitespaces) : "" }
            let partner = field(partnerColumn), amount = field(amountColumn), currency = field(currencyColumn)
            let deadline = deadlineColumn.map(field).flatMap { $0.isEmpty ? nil : $0 }
            let at = "\(file):\(record.line)"
            guard partners.contains(partner) else {
                problems.append("\(at): error: partner: '\(partner)' is not in the roster; correct the id or add the partner first")
                continue
            }
            if let first = seen[partner] {
                problems.append("\(at): error: partner: '\(partner)' appears again (first on line \(first)); keep one row per partner")
                continue
            }
            seen[partner] = record.line
            guard let money = Money(major: amount, currency: currency) else {
                problems.append("\(at): error: amount: '\(amount) \(currency)' is not an amount such as 5000 or 5000.50 with a currency code such as EUR")
                continue
            }
            if let deadline, Period.day(deadline) == nil {
                problems.append("\(at): error: deadline: '\(deadline)' is not a day; write YYYY-MM-DD or leave it empty")
                continue
            }
            rows.append(Row(line: record.line, partner: partner, amount: money, deadline: deadline))
        }
        guard problems.isEmpty else { throw Problems(messages: problems) }
        return rows
    }
}
