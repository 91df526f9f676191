import Foundation

/// RFC 4180 CSV, read with the line each record starts on so errors can point at it.
public enum CSV {
    public struct Record: Equatable, Sendable {
        /// 1-based line of the file where the record starts.
        public let line: Int
        public let fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(file: String, line: Int)
        case quoteInUnquotedField(file: String, line: Int)

        public var description: String {
            switch self {
            case let .unterminatedQuote(file, line):
                return "\(file):\(line): a quoted field is never closed; end it with \" or escape quotes inside it as \"\"."
            case let .quoteInUnquotedField(file, line):
                return "\(file):\(line): a \" appears inside an unquoted field; quote the whole field and write the quote as \"\"."
            }
        }
    }

    /// Parses `text` into records. Accepts LF and CRLF line ends and a UTF-8 byte-order mark; skips blank lines.
    /// A field that `line` neutralised (`'=…`, `'+49…`) reads back as it was, so exports round-trip.
    public static func parse(_ text: String, file: String) throws(ParseError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var index = 0

        func endRecord() {
            fields.append(restored(field))
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while index < chars.count {
            let c = chars[index]
            if inQuotes {
                if c == "\"" {
                    if index + 1 < chars.count, chars[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard field.isEmpty else { throw .quoteInUnquotedField(file: file, line: line) }
                    inQuotes = true
                    fieldWasQuoted = true
                case ",":
                    fields.append(restored(field))
                    field = ""
                    fieldWasQuoted = false
                case "\r":
                    break
                case "\n":
                    endRecord()
                    line += 1
                    recordLine = line
                default:
                    field.unicodeScalars.append(c)
                }
            }
            index += 1
        }
        if inQuotes { throw .unterminatedQuote(file: file, line: recordLine) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }

    /// One CSV line (with CRLF, as RFC 4180 says), quoting only fields that need it. Every CSV the product
    /// writes goes through here, so this is the one place that neutralises spreadsheet formulas.
    public static func line(_ fields: [String]) -> String {
        fields.map { raw in
            let field = neutralized(raw)
            if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return field
        }.joined(separator: ",") + "\r\n"
    }

    /// Characters that make Excel, LibreOffice and Google Sheets read a cell as a formula (OWASP's list).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A field that starts like a formula gets a leading `'`, so a spreadsheet shows it as text instead of
    /// running `=HYPERLINK(…)` or `=cmd|…` from a lead's name or a partner's note. A plain negative number
    /// (`-14`, a send day before a webinar) is no formula and stays a number.
    public static func neutralized(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, formulaStarts.contains(first),
              field.wholeMatch(of: /-[0-9]+(\.[0-9]+)?/) == nil else { return field }
        return "'" + field
    }

    /// Undoes `neutralized`: a `'` before a formula character is dropped.
    static func restored(_ field: String) -> String {
        let scalars = field.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, formulaStarts.contains(second) else { return field }
        return String(scalars.dropFirst())
    }
}
