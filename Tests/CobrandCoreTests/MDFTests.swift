import CobrandCore
import Foundation
import Testing

@Suite("MDF periods, allocation sheets and the audit chain")
struct MDFTests {
    @Test("periods are quarters, halves, months, years or explicit days", arguments: [
        ("2026-Q4", "2026-Q4", "2026-10-01", "2026-12-31"), ("2026-q1", "2026-Q1", "2026-01-01", "2026-03-31"),
        ("2028-02", "2028-02", "2028-02-01", "2028-02-29"), ("2027-02", "2027-02", "2027-02-01", "2027-02-28"),
        ("2026-H2", "2026-H2", "2026-07-01", "2026-12-31"), ("2026", "2026", "2026-01-01", "2026-12-31"),
        ("2026-10-15..2026-11-14", "2026-10-15..2026-11-14", "2026-10-15", "2026-11-14"),
    ])
    func period(text: String, id: String, start: String, end: String) throws {
        let period = try #require(Period(text))
        #expect(period.id == id && period.start == start && period.end == end)
    }

    @Test("nonsense is no period", arguments: ["2026-Q5", "2026-13", "Q4", "26-Q4", "2026-11-31..2026-12-01", "2026-12-01..2026-11-01", "", "2026-H3"])
    func notPeriod(text: String) {
        #expect(Period(text) == nil)
    }

    @Test("the default claim deadline counts days after the period's end")
    func deadline() {
        #expect(Period("2026-Q4")!.dayAfterEnd(adding: 60) == "2027-03-01")
        #expect(Period("2026-Q4")!.contains("2026-11-30") && !Period("2026-Q4")!.contains("2027-01-01"))
    }

    @Test("day texts and UTC timestamps by arithmetic agree with Foundation's Gregorian calendar, leap days and centuries included")
    func daysAgreeWithCalendar() throws {
        let calendar = Calendar.utcGregorian
        // Every day from 1899 to 2101 (1900 and 2100 are not leap years, 2000 is), at a time that walks through the day.
        for number in -25_567...47_847 {
            let date = Date(timeIntervalSince1970: Double(number) * 86_400 + Double(number.magnitude % 86_400))
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let text = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            #expect(Timestamp.day(date) == text)
            #expect(Timestamp.iso8601(date) == text + String(format: "T%02d:%02d:%02dZ", c.hour!, c.minute!, c.second!))
            #expect(Period.day(text) == calendar.startOfDay(for: date))
            #expect(Period.add(1, to: text) == Timestamp.day(date.addingTimeInterval(86_400)))
        }
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }

    @Test("a day text that is not a real day is none, and adding to it leaves it as it is",
          arguments: ["2027-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "0000-01-01", "2026-1-015", "2026/01/15", "2026-01-1x", ""])
    func notDay(text: String) {
        #expect(Period.day(text) == nil)
        #expect(Period.add(3, to: text) == text)
    }

    @Test("an allocation sheet is read whole, and every bad row named with its line and fix")
    func sheet() throws {
        let rows = try AllocationSheet.parse("partner,amount,currency,deadline\nalpha,5000,EUR,\nbeta,1200.50,usd,2027-03-31\n",
                                             file: "q4.csv", partners: ["alpha", "beta"])
        #expect(rows.map(\.amount) == [Money(amountMinor: 500_000, currency: "EUR"), Money(amountMinor: 120_050, currency: "USD")])
        #expect(rows.map(\.deadline) == [nil, "2027-03-31"])
        #expect(throws: AllocationSheet.Problems(messages: [
            "q4.csv:2: error: partner: 'gamma' is not in the roster; correct the id or add the partner first",
            "q4.csv:3: error: amount: '12,5 EUR' is not an amount such as 5000 or 5000.50 with a currency code such as EUR",
            "q4.csv:5: error: partner: 'alpha' appears again (first on line 4); keep one row per partner",
            "q4.csv:6: error: deadline: '31.03.2027' is not a day; write YYYY-MM-DD or leave it empty",
        ])) {
            try AllocationSheet.parse("partner,amount,currency,deadline\ngamma,1,EUR,\nbeta,\"12,5\",EUR,\nalpha,1,EUR,\nalpha,2,EUR,\ndelta,1,EUR,31.03.2027\n",
                                      file: "q4.csv", partners: ["alpha", "beta", "delta"])
        }
        #expect(throws: AllocationSheet.Problems.self) { try AllocationSheet.parse("who,what\n", file: "x.csv", partners: []) }
    }

    @Test("audit details are the bytes JSONSerialization wrote for older entries (sorted keys, slashes as they are), for every ASCII character and beyond")
    func auditDetailJSON() throws {
        var every = ""
        for byte in UInt8(0)..<0x80 { every.unicodeScalars.append(Unicode.Scalar(byte)) }
        every += "\u{2028}é😀\u{FEFF}/"
        let detail = AuditDetail([
            "status": .text("review"), "reasons": .texts([every, "", "cost per lead 250.00 EUR/lead"]), "proofs": .texts([]),
            "results": .counts(["page_views": 3, "leads": -2, "emails_sent": 1_000_000]), "previous_status": .text(every),
            "amount": .text("1200.50"), "partner": .text("p\"1"), "approved": .text("0.00"),
        ])
        let object: [String: Any] = detail.fields.mapValues { value -> Any in
            switch value {
            case .text(let text): text
            case .texts(let texts): texts
            case .counts(let counts): counts
            }
        }
        let expected = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(detail.json == String(decoding: expected, as: UTF8.self))
    }

    @Test("the audit chain detects an edited, removed or reordered entry and names it")
    func chain() {
        var rows: [(entry: AuditChain.Entry, previous: String, hash: String)] = []
        var previous = AuditChain.genesis
        for id in 1...4 as ClosedRange<Int64> {
            let entry = AuditChain.Entry(id: id, at: "2027-01-15T08:00:0\(id)Z", actor: "cli:ann", action: "allocate",
                                         subject: "allocation:p\(id)/2026-Q4", detail: #"{"amount":"\#(id)000.00"}"#)
            let hash = AuditChain.hash(entry, previous: previous)
            rows.append((entry, previous, hash))
            previous = hash
        }
        #expect(AuditChain.firstBroken(rows) == nil)
        var edited = rows
        edited[2].entry = AuditChain.Entry(id: 3, at: rows[2].entry.at, actor: "cli:ann", action: "allocate", subject: rows[2].entry.subject,
                                           detail: #"{"amount":"9000.00"}"#)
        #expect(AuditChain.firstBroken(edited)?.id == 3)
        var removed = rows
        removed.remove(at: 1)
        #expect(AuditChain.firstBroken(removed)?.id == 3)
        #expect(AuditChain.firstBroken([rows[1], rows[0]])?.id == 2)
    }
}

@Suite("MDF claims")
struct ClaimValidationTests {
    func field(campaign: String? = "launch", activity: String? = "email", start: String? = "2026-11-02", end: String? = "2026-11-20",
               amount: String? = "2400", currency: String? = "EUR", invoice: String? = "INV-1", results: [String: Int]? = ["emails_sent": 5000]) -> String? {
        do {
            _ = try ClaimRequest.validated(partner: "alpha", campaign: campaign, activity: activity, start: start, end: end, amount: amount,
                                           currency: currency, invoice: invoice, results: results, campaigns: ["launch"])
            return nil
        } catch {
            return error.field
        }
    }

    @Test("a claim's fields are checked, each bad one named")
    func fields() {
        #expect(field() == nil)
        #expect(field(campaign: "other") == "campaign")
        #expect(field(activity: "billboard") == "activity")
        #expect(field(start: "2026-11-31") == "activity_start")
        #expect(field(end: "2026-11-01") == "activity_end")
        #expect(field(amount: "0") == "amount")
        #expect(field(amount: "24.001") == "amount")
        #expect(field(invoice: " ") == "invoice")
        #expect(field(results: ["likes": 3]) == "results")
        #expect(field(results: ["attendees": -1]) == "results")
    }

    @Test("a proof keeps only a clean display name and is addressed by its content")
    func proof() throws {
        let proof = try ClaimProof(name: "../../etc/passwd\u{0}\n", data: Data("x".utf8))
        #expect(proof.name == "passwd")
        #expect(proof.sha256 == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
        #expect(throws: FieldError.self) { try ClaimProof(name: "empty.pdf", data: Data()) }
    }
}
