import CobrandCore
import CobrandTesting
import Foundation
import Testing

@Suite("Lead intake")
struct LeadTests {
    @Test("a lead form's signature is the first 16 bytes of its HMAC in URL-safe base64 without padding (values from Python's hmac)", arguments: [
        (["alpha", "launch", "landing", "en-US"], "pGXcrv_cHp5TKfKPP_tCWw"), (["", "", "", ""], "DIYMFaNZKpTq3fwa1_SgXA"),
    ])
    func formSignature(parts: [String], expected: String) {
        let signer = LeadFormSigner(secret: Data(repeating: 7, count: 32))
        #expect(signer.signature(partner: parts[0], campaign: parts[1], asset: parts[2], locale: parts[3]) == expected)
        #expect(signer.verify(expected, partner: parts[0], campaign: parts[1], asset: parts[2], locale: parts[3]))
    }

    @Test("email addresses are normalised, and implausible ones refused", arguments: [
        ("  Jane.Doe@ACME.com ", "jane.doe@acme.com"), ("a+tag@sub.acme.co.uk", "a+tag@sub.acme.co.uk"),
        ("no-at-sign", nil), ("two@@acme.com", nil), ("jane@localhost", nil), ("jane doe@acme.com", nil),
        (".jane@acme.com", nil), ("jane..doe@acme.com", nil), ("jane@acme..com", nil), ("<x>@acme.com", nil),
        ("jane@1.2.3.4", nil), (String(repeating: "a", count: 65) + "@acme.com", nil),
    ] as [(String, String?)])
    func email(text: String, expected: String?) {
        #expect(EmailAddress(text)?.normalized == expected)
    }

    @Test("a subdomain counts as its registrable domain", arguments: [
        ("emea.acme.com", "acme.com"), ("ACME.com.", "acme.com"), ("shop.acme.co.uk", "acme.co.uk"), ("acme.co.uk", "acme.co.uk"),
        ("a.b.acme.com.au", "acme.com.au"), ("co.uk", nil), ("localhost", nil), ("10.0.0.1", nil), ("-bad-.com", nil),
        ("bücher.de", "bücher.de"),
    ] as [(String, String?)])
    func registrable(host: String, expected: String?) {
        #expect(Domains.registrable(host) == expected)
    }

    @Test("website addresses give their registrable domain")
    func website() {
        #expect(Domains.ofWebsite("https://www.emea.acme.com:8443/about?x=1") == "acme.com")
        #expect(Domains.ofWebsite("acme.de/kontakt") == "acme.de")
        #expect(Domains.ofWebsite("https://") == nil)
    }

    let intake = LeadIntake(partners: try! Fixture.loaded().partners, campaigns: ["launch": ["emails", "landing"]])

    func fields(_ changes: [String: String?] = [:]) -> [String: String] {
        var fields = ["partner": "alpha", "campaign": "launch", "asset": "landing", "locale": "en-US", "source": "landing",
                      "email": "Jane@Acme.com", "first_name": "Jane", "last_name": "Doe", "company": "Acme", "consent": "yes",
                      "consent_version": "abc123"]
        for (key, value) in changes { fields[key] = value }
        return fields
    }

    @Test("a valid submission becomes a lead with a normalised email and the company domain")
    func valid() throws {
        guard case let .lead(lead) = try intake.validate(fields()) else { Issue.record("not a lead"); return }
        #expect(lead.email.normalized == "jane@acme.com")
        #expect(lead.companyDomain == "acme.com")
        #expect(lead.consent && lead.consentVersion == "abc123")
        #expect(lead.firstName == "Jane" && lead.locale == "en-US" && lead.asset == "landing")
    }

    @Test("free-mail addresses say nothing about the company: the website does, or nothing")
    func freeMail() throws {
        guard case let .lead(withSite) = try intake.validate(fields(["email": "jane@gmail.com", "website": "https://www.emea.acme.com"])),
              case let .lead(without) = try intake.validate(fields(["email": "jane@googlemail.com"]))
        else { Issue.record("not leads"); return }
        #expect(withSite.companyDomain == "acme.com")
        #expect(without.companyDomain == nil)
    }

    @Test("a filled-in honeypot is spam, whatever else the form says")
    func honeypot() throws {
        #expect(try intake.validate(fields(["website_url": "http://spam.example", "email": "bad"])) == .spam)
    }

    @Test("every bad field is named", arguments: [
        (["partner": "nobody"], "partner", "unknown"), (["partner": nil], "partner", "required"),
        (["campaign": "other"], "campaign", "unknown"), (["asset": "nope"], "asset", "unknown"),
        (["locale": "fr-FR"], "locale", "unknown"), (["source": "fax"], "source", "invalid"), (["source": nil], "source", "required"),
        (["email": "jane"], "email", "invalid"), (["email": "  "], "email", "required"), (["country": "Germany"], "country", "invalid"),
        (["phone": "call me"], "phone", "invalid"), (["website": "not a site"], "website", "invalid"),
        (["first_name": String(repeating: "x", count: 101)], "first_name", "too_long"), (["company": "a\u{0}b"], "company", "invalid"),
        (["partner": "beta", "locale": "de-DE", "consent": nil], "consent", "required"),
    ] as [([String: String?], String, String)])
    func invalid(changes: [String: String?], field: String, code: String) {
        #expect(throws: FieldError.self) { try intake.validate(fields(changes)) }
        do {
            _ = try intake.validate(fields(changes))
        } catch {
            #expect(error.field == field)
            #expect(error.code == code)
        }
    }

    @Test("consent is optional where the partner's country needs no opt-in, and the locale defaults to the partner's first")
    func consentOptional() throws {
        guard case let .lead(lead) = try intake.validate(fields(["consent": nil, "locale": nil, "country": "us"])) else {
            Issue.record("not a lead"); return
        }
        #expect(!lead.consent && lead.consentVersion == nil)
        #expect(lead.locale == "en-US" && lead.country == "US")
    }

    @Test("a rate limiter lets a burst through, then one per refill interval, per key")
    func rateLimit() {
        var limiter = RateLimiter(limit: 3, period: 60)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var answers: [Bool] = []
        for _ in 0..<4 { answers.append(limiter.allow("a", now: start)) }
        answers.append(limiter.allow("b", now: start))
        for seconds in [19.0, 21, 22] { answers.append(limiter.allow("a", now: start.addingTimeInterval(seconds))) }
        #expect(answers == [true, true, true, false, true, false, true, false])
    }
}

@Suite("Trusted proxies")
struct TrustedProxiesTests {
    @Test("X-Forwarded-For is believed only from a trusted proxy, read from the right", arguments: [
        // (trusted, peer, header, client)
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["127.0.0.1"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", "198.51.100.7, 10.9.9.9", "198.51.100.7"),
        (["10.0.0.0/8"], "10.1.2.3", "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        (["10.0.0.0/8"], "10.1.2.3", "not-an-ip, 198.51.100.7", "198.51.100.7"),
        (["10.0.0.0/8"], "10.1.2.3", "198.51.100.7, junk", "10.1.2.3"),
        (["10.0.0.0/8"], "10.1.2.3", "10.2.2.2", "10.2.2.2"),
        (["::1/128"], "::1", "2001:db8::5", "2001:db8::5"),
        (["192.168.0.0/23"], "192.168.1.200", "198.51.100.1", "198.51.100.1"),
        (["192.168.0.0/23"], "192.168.2.1", "198.51.100.1", "192.168.2.1"),
    ] as [([String], String, String, String)])
    func client(trusted: [String], peer: String, header: String, client: String) throws {
        #expect(try TrustedProxies(trusted).client(peer: peer, forwardedFor: header) == client)
    }

    @Test("a range that does not parse is refused with the fix", arguments: ["10.0.0.0/33", "localhost", "10.0.0/8", "::1/129", "1.2.3.4/x"])
    func invalid(text: String) {
        #expect(throws: TrustedProxies.InvalidRange(text: text)) { try TrustedProxies([text]) }
    }
}
