import CobrandCore
import Testing

@Suite("CSV")
struct CSVTests {
    @Test("quoted fields keep commas, quotes and newlines; records know their first line")
    func quoted() throws {
        let records = try CSV.parse("\u{FEFF}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n\nlast,\n", file: "f.csv")
        #expect(records == [
            CSV.Record(line: 1, fields: ["a", "b"]),
            CSV.Record(line: 2, fields: ["x, y", "say \"hi\""]),
            CSV.Record(line: 3, fields: ["multi\nline", "z"]),
            CSV.Record(line: 6, fields: ["last", ""]),
        ])
    }

    @Test("an unterminated quote names the line the record starts on")
    func unterminated() {
        let error = #expect(throws: CSV.ParseError.self) { try CSV.parse("a,b\n1,\"open\n2,3\n", file: "p.csv") }
        #expect(error == .unterminatedQuote(file: "p.csv", line: 2))
        #expect(error?.description == "p.csv:2: a quoted field is never closed; end it with \" or escape quotes inside it as \"\".")
    }

    @Test("a stray quote inside an unquoted field is an error")
    func strayQuote() {
        let error = #expect(throws: CSV.ParseError.self) { try CSV.parse("a,b\nx\"y,z\n", file: "p.csv") }
        #expect(error == .quoteInUnquotedField(file: "p.csv", line: 2))
    }

    @Test("writing quotes only the fields that need it")
    func write() {
        #expect(CSV.line(["plain", "a,b", "say \"x\"", "two\nlines"]) == "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\"\r\n")
    }
}
