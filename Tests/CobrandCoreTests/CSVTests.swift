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

    /// OWASP's CSV injection rule: a leading = + - @ TAB or CR makes spreadsheets run the cell.
    @Test("fields that start like a formula are written as text and read back as they were", arguments: [
        ("=HYPERLINK(\"https://evil.example\",\"x\")", "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\""),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("-14", "-14"),
        ("-1.5", "-1.5"),
        ("-1-1", "'-1-1"),
        ("\tx", "'\tx"),
        ("\rx", "\"'\rx\""),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
    ])
    func formulas(field: String, written: String) throws {
        let line = CSV.line([field, "next"])
        #expect(line == written + ",next\r\n")
        #expect(try CSV.parse(line, file: "x.csv") == [CSV.Record(line: 1, fields: [field, "next"])])
    }
}

@Suite("URL-encoded forms")
struct URLEncodedFormTests {
    @Test("browser forms decode; + is a space; the first of a repeated name wins", arguments: [
        ("a=1&b=x+y&c=%C3%A9&a=2", ["a": "1", "b": "x y", "c": "é"]),
        ("email=jane%40acme.com&empty=&flag", ["email": "jane@acme.com", "empty": "", "flag": ""]),
        ("&&x=%2B1", ["x": "+1"]),
        ("", [:]),
    ])
    func decodes(body: String, fields: [String: String]) throws {
        #expect(try URLEncodedForm.fields(body) == fields)
    }

    /// `URLComponents.percentEncodedQuery = "a=%ZZ"` traps: this once crashed the server from a public form.
    @Test("bad escapes are an error naming the pair, never a trap", arguments: ["a=%ZZ", "b=%", "c=%E9", "%zz=1"])
    func malformed(body: String) {
        #expect(throws: URLEncodedForm.Malformed(pair: body)) { try URLEncodedForm.fields(body) }
    }
}

@Suite("Text limits and isolation")
struct TextLimitTests {
    static let zalgo = "a" + String(repeating: "\u{0301}", count: 500)  // one character, 1,001 bytes

    @Test("a limit counts characters and caps bytes", arguments: [
        ("Jane", 10, nil as String?),
        (String(repeating: "x", count: 11), 10, "is 11 characters long; shorten it to at most 10"),
        (zalgo, 10, "is 1001 bytes long (combining marks count); shorten it to at most 40 bytes"),
        ("東京都港区", 5, nil),
    ])
    func limit(text: String, max: Int, problem: String?) {
        #expect(TextLimit.problem(text, maxLength: max) == problem)
    }

    @Test("partner text in admin pages is escaped and isolated, so an RLO cannot reorder the line")
    func isolated() {
        #expect("\u{202E}gpj.exe<b>".htmlIsolated == "<bdi>\u{202E}gpj.exe&lt;b&gt;</bdi>")
    }
}
