@testable import CobrandCore
import Foundation
import Testing

@Suite("Roster validation")
struct RosterTests {
    let locales: Set<LocaleTag> = [LocaleTag("en-US")!, LocaleTag("de-DE")!, LocaleTag("fr")!]
    let logos: Set<String> = ["good.svg", "named.png"]
    let header = "id,name,locales,logo,primary_color,contact_email,timezone"

    func roster(_ rows: String...) -> Roster {
        Roster(csv: ([header] + rows).joined(separator: "\n"), file: "Assets/partners.csv", locales: locales, logoFiles: logos)
    }

    @Test("a field is trimmed as Foundation trims white space and line breaks", arguments: [
        "", " ", "Acme", " Acme ", "\tAcme\n", "A c m e", "\u{00A0}Acme\u{2003}", "\r\n", "Acme\u{85}", "\u{301}é ",
    ])
    func trimmed(text: String) {
        #expect(text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("a valid row becomes a partner with every field read")
    func validRow() {
        let csv = """
            id,name,locales,website,logo,primary_color,accent_color,contact_name,contact_email,phone,address,country,timezone,tier,region
            good,Good Co,en-US; de-de,https://good.example/x,,#1f3a93,#C0392B,Gina Good,gina@good.example,+1 (555) 010-0,"1 Road
            Town",us,America/New_York,gold,NA
            """
        let roster = Roster(csv: csv, file: "p.csv", locales: locales, logoFiles: logos)
        #expect(roster.diagnostics == [])
        #expect(roster.partners == [Partner(
            id: "good", name: "Good Co", locales: [LocaleTag("en-US")!, LocaleTag("de-DE")!], website: "https://good.example/x",
            logo: "good.svg", primaryColor: Color(red: 0x1F, green: 0x3A, blue: 0x93), accentColor: Color(red: 0xC0, green: 0x39, blue: 0x2B),
            contactName: "Gina Good", contactEmail: "gina@good.example", phone: "+1 (555) 010-0", address: "1 Road\nTown",
            country: "US", timezone: "America/New_York", tier: "gold", region: "NA", line: 2)])
    }

    @Test("each kind of bad row is reported with line, column and fix, and the row is left out", arguments: [
        ("Bad_ID,X,en-US,,,,", Diagnostic.error("Assets/partners.csv", line: 2, field: "id",
            "'Bad_ID' is not a valid id; use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit")),
        ("p1,X,en-US,,#12G45Z,,", .error("Assets/partners.csv", line: 2, field: "primary_color", "'#12G45Z' is not a colour; write #RRGGBB")),
        ("p1,X,xx-YY,,,,", .error("Assets/partners.csv", line: 2, field: "locales",
            "unknown locale 'xx-YY'; add Locales/xx-YY/ or Locales/xx/, or use one of: de-DE, en-US, fr")),
        ("p1,X,en-US,missing.svg,,,", .error("Assets/partners.csv", line: 2, field: "logo",
            "logo file Assets/partners/missing.svg does not exist; add it or correct the name")),
        ("p1,X,en-US,../../etc/passwd.svg,,,", .error("Assets/partners.csv", line: 2, field: "logo",
            "'../../etc/passwd.svg' is not a logo file name; name a .svg, .png or .jpg file inside Assets/partners/")),
        ("p1,X,en-US,,,not-an-email,", .error("Assets/partners.csv", line: 2, field: "contact_email",
            "'not-an-email' is not an email address; write name@example.com")),
        ("p1,X,en-US,,,,Mars/Olympus", .error("Assets/partners.csv", line: 2, field: "timezone",
            "'Mars/Olympus' is not an IANA time zone; write one such as Europe/Berlin")),
        ("p1,,en-US,,,,", .error("Assets/partners.csv", line: 2, field: "name", "is empty; write the partner's display name")),
        ("p1,\"Two\nLines\",en-US,,,,", .error("Assets/partners.csv", line: 2, field: "name", "contains a line break or control character; write it on one line")),
        ("p1,X,,,,,", .error("Assets/partners.csv", line: 2, field: "locales",
            "is empty; list one or more locales separated by ';', such as en-US;de-DE")),
    ])
    func badRow(row: String, expected: Diagnostic) {
        let result = roster(row)
        #expect(result.diagnostics == [expected])
        #expect(result.partners.isEmpty)
    }

    @Test("privacy_url is an http(s) address, like website")
    func privacyURL() {
        let header = "id,name,locales,privacy_url"
        let good = Roster(csv: "\(header)\np1,X,en-US,https://p1.example/privacy", file: "Assets/partners.csv", locales: locales, logoFiles: [])
        #expect(good.diagnostics == [] && good.partners.map(\.privacyURL) == ["https://p1.example/privacy"])
        let bad = Roster(csv: "\(header)\np1,X,en-US,javascript:alert(1)", file: "Assets/partners.csv", locales: locales, logoFiles: [])
        #expect(bad.diagnostics == [.error("Assets/partners.csv", line: 2, field: "privacy_url",
            "'javascript:alert(1)' is not a web address; write https://example.com/privacy")])
        #expect(bad.partners.isEmpty)
    }

    @Test("a regional tag is known through its language catalog: fr-CA through fr")
    func languageFallback() {
        let result = roster("p1,X,fr-CA,,,,")
        #expect(result.diagnostics == [])
        #expect(result.partners.map(\.locales) == [[LocaleTag("fr-CA")!]])
    }

    @Test("a duplicate id names the first line; the first row is kept")
    func duplicate() {
        let result = roster("p1,First,en-US,,,,", "p2,Other,en-US,,,,", "p1,Second,en-US,,,,")
        #expect(result.diagnostics == [.error("Assets/partners.csv", line: 4, field: "id",
            "'p1' is already used on line 2; give each partner its own id")])
        #expect(result.partners.map(\.name) == ["First", "Other"])
    }

    @Test("every bad row is reported, good rows still load")
    func manyRows() {
        let result = roster("ok,Fine,en-US,,,,", "BAD,X,en-US,,#123,,", "ok2,Fine,en-US,,,bad@,")
        #expect(result.partners.map(\.id) == ["ok"])
        #expect(result.diagnostics.map { "\($0.line ?? 0):\($0.field ?? "")" } == ["3:id", "3:primary_color", "4:contact_email"])
    }

    @Test("a missing required column stops the roster; unknown columns only warn")
    func headerProblems() {
        let result = Roster(csv: "id,name,colour\np1,X,red\n", file: "r.csv", locales: locales, logoFiles: [])
        #expect(result.diagnostics == [
            .warning("r.csv", line: 1, field: "colour", "unknown column, ignored; known columns: id, name, locales, website, privacy_url, logo, primary_color, accent_color, contact_name, contact_email, phone, address, country, timezone, tier, region"),
            .error("r.csv", line: 1, field: "locales", "required column is missing; add it to the header row"),
        ])
        #expect(result.partners.isEmpty)
    }
}
