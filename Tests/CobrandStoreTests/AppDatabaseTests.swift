import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Testing

/// A seeded generator so token tests are repeatable (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct TempDatabase: ~Copyable {
    let path: String
    init() { path = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-\(UUID().uuidString).sqlite").path }
    deinit {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

@Suite("SQLite store")
struct AppDatabaseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a new file is created in WAL mode with the v1 schema; reopening migrates nothing twice")
    func open() throws {
        let file = TempDatabase()
        let database = try AppDatabase.open(path: file.path)
        let (mode, tables) = try database.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
        }
        #expect(mode == "wal")
        #expect(tables == ["accessToken", "crmEvent", "deal", "dealDecision", "event", "eventSpoolSegment", "fleetShard", "grdb_migrations", "kit", "lead", "leadSubmission", "mdfAllocation", "mdfAudit", "mdfClaim", "mdfProof", "outbox", "partner", "partnerAddress", "partnerChange", "partnerOverride", "partnerVisit", "session", "setting", "suppression"])
        _ = try AppDatabase.open(path: file.path)
    }

    @Test("a v1 database (the previous version) upgrades in place and keeps its data")
    func upgrade() async throws {
        let file = TempDatabase()
        // Build a v1 database by hand: run only the first migration.
        let pool = try DatabasePool(path: file.path)
        var v1 = DatabaseMigrator()
        v1.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE setting (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            try db.execute(sql: "INSERT INTO setting VALUES ('tracking.secret', x'0102')")
        }
        try v1.migrate(pool)
        try pool.close()
        let database = try AppDatabase.open(path: file.path)
        let applied = try await database.strings("SELECT identifier FROM grdb_migrations ORDER BY identifier")
        #expect(applied == ["v1", "v10-event-spool", "v11-tracked-leads", "v12-suppression", "v2-sessions", "v3-session-roles", "v4-leads", "v5-deals", "v6-mdf-allocations", "v7-mdf-claims", "v8-mdf-payments", "v9-partner-overrides", "v13-constraints", "v14-fleet-builds", "v15-crm-outcomes"].sorted())
        #expect(try await database.secret(AppDatabase.trackingSecretName) { Data() } == Data([1, 2]))
    }

    @Test("a v2 database upgrades in place: its signed-in partners stay signed in")
    func upgradeSessions() async throws {
        let file = TempDatabase()
        let pool = try DatabasePool(path: file.path)
        var v2 = DatabaseMigrator()
        v2.registerMigration("v1") { _ in }
        v2.registerMigration("v2-sessions") { db in
            try db.execute(sql: "CREATE TABLE session (idHash TEXT PRIMARY KEY, partner TEXT NOT NULL, expiresAt DATETIME NOT NULL)")
            try db.execute(sql: "INSERT INTO session VALUES (?, 'acme', ?)", arguments: [Checksum.sha256(Data("cookie".utf8)), now.addingTimeInterval(60)])
        }
        try v2.migrate(pool)
        try pool.close()
        let database = try AppDatabase.open(path: file.path)
        #expect(try await database.sessionPartner("cookie", now: now) == "acme")
        #expect(try await database.session("cookie", now: now) == AppDatabase.Grant(role: .partner, partner: "acme"))
    }

    @Test("sessions identify their partner until they expire or end; only hashes are stored", arguments: Engine.all)
    func sessions(engine: Engine) async throws {
        try await engine.with { database in
            var random = SeededRandom(state: 7)
            let id = try await database.startSession(partner: "a", now: now, lifetime: 60, using: &random)
            #expect(try await database.sessionPartner(id, now: now.addingTimeInterval(59)) == "a")
            #expect(try await database.sessionPartner(id, now: now.addingTimeInterval(60)) == nil)
            #expect(try await database.sessionPartner(id + "x", now: now) == nil)
            #expect(try await database.strings("SELECT idHash FROM session").contains(id) == false)
            try await database.endSession(id)
            #expect(try await database.sessionPartner(id, now: now) == nil)
        }
    }

    @Test("an admin session grants admin and never a partner's portal", arguments: Engine.all)
    func adminSessions(engine: Engine) async throws {
        try await engine.with { database in
            var random = SeededRandom(state: 8)
            let id = try await database.startSession(for: .init(role: .admin, partner: nil), now: now, using: &random)
            #expect(try await database.session(id, now: now) == AppDatabase.Grant(role: .admin, partner: nil))
            #expect(try await database.sessionPartner(id, now: now) == nil)
        }
    }

    @Test("a database from a newer cobrand is refused with a clear message")
    func newer() throws {
        let file = TempDatabase()
        let database = try AppDatabase.open(path: file.path)
        try database.writer.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        let error = try #require(throws: AppDatabase.StoreError.self) { try AppDatabase.open(path: file.path) }
        #expect(error == .newerSchema(path: file.path, unknown: ["v99"]))
        #expect(error.description == "\(file.path) was written by a newer cobrand (schema v99 is unknown here); upgrade cobrand, or use another --db")
    }

    @Test("a secret is generated once and then read back", arguments: Engine.all)
    func secret(engine: Engine) async throws {
        try await engine.with { database in
            let first = try await database.secret(AppDatabase.trackingSecretName) { Data(repeating: 1, count: 32) }
            let second = try await database.secret(AppDatabase.trackingSecretName) { Data(repeating: 2, count: 32) }
            #expect(first == Data(repeating: 1, count: 32))
            #expect(second == first)
        }
    }

    @Test("partners and kits follow the roster and index; each partner sees only its own kits", arguments: Engine.all)
    func sync(engine: Engine) async throws {
        try await engine.with { database in
            let de = LocaleTag("de-DE")!
            try await database.sync(partners: [Partner(id: "a", name: "A", locales: [de]), Partner(id: "b", name: "B", locales: [de])], now: now)
            func kit(_ partner: String, _ sha: String, _ at: Date) -> AppDatabase.Kit {
                .init(dir: "kits/c/\(partner)/de-DE", campaign: "c", partner: partner, locale: "de-DE", bundle: "bundles/c/\(partner)/c-\(partner)-de-DE.zip",
                      sha256: sha, files: 9, bytes: 1000, builtAt: at)
            }
            try await database.sync(kits: [kit("a", "1", now), kit("b", "2", now)])
            try await database.sync(kits: [kit("a", "1", now.addingTimeInterval(60)), kit("b", "3", now.addingTimeInterval(60))])
            #expect(try await database.kits(partner: "a") == [kit("a", "1", now)])
            #expect(try await database.kits(partner: "b") == [kit("b", "3", now.addingTimeInterval(60))])
            try await database.sync(partners: [Partner(id: "a", name: "A2", locales: [de])], now: now)
            #expect(try await database.strings("SELECT name FROM partner") == ["A2"])
        }
    }

    @Test("event times are stored exactly as GRDB stores dates, and read back as the same instant",
          arguments: [0, 1_800_000_000.123, 1_800_000_000.9994, 951_782_400.5, 4_102_444_799.999])
    func eventTime(seconds: Double) throws {
        let database = try AppDatabase(DatabaseQueue())
        let date = Date(timeIntervalSince1970: seconds)
        try database.insert([AssetEvent(kind: .open, partner: "p", campaign: "c", asset: "a", locale: "en-US", occurredAt: date,
                                        ipHash: "h", agentClass: "other")])
        let stored = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT occurredAt FROM event") }
        #expect(stored == String.fromDatabaseValue(date.databaseValue))
        let back = try #require(try database.writer.read { db in try Date.fetchOne(db, sql: "SELECT occurredAt FROM event") })
        #expect(abs(back.timeIntervalSince(date)) < 0.001)
    }

    @Test("event times are written as GRDB writes dates, to the millisecond, for 20,000 instants from 1970 to 2100")
    func eventTimes() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let date = Date(timeIntervalSince1970: Double(state >> 11) / Double(1 << 53) * 4_102_444_800)
            let ours = AppDatabase.storageText(millis: AppDatabase.millis(date))
            if let grdb = String.fromDatabaseValue(date.databaseValue), ours != grdb, mismatches.count < 5 { mismatches.append("\(ours) vs \(grdb)") }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("events go in 64, 16, 4 and 1 rows to a statement: every field of every row, empty ones too, reads back as written, in order",
          arguments: [1, 63, 64, 65, 200])
    func eventRows(count: Int) throws {
        let database = try AppDatabase(DatabaseQueue())
        let start = Date(timeIntervalSince1970: 1_800_000_000.25)
        let events = (0..<count).map { (index: Int) -> AssetEvent in
            let click = index % 3 == 0
            let locale = index % 2 == 0 ? "ar-AE" : "en-US"
            let target: String? = click ? "https://example.com/\(index)?q=ü" : nil
            let time = start.addingTimeInterval(Double(index / 4) / 1000)
            return AssetEvent(kind: click ? .click : .open, partner: "partner-\(index % 7)", campaign: "c\(index % 2)", asset: "a\(index)",
                              locale: locale, target: target, occurredAt: time, ipHash: index % 5 == 0 ? "" : "h\(index)", agentClass: "desktop")
        }
        try database.insert(events)
        let rows = try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM event ORDER BY id") }
        let columns = ["kind", "partner", "campaign", "asset", "locale", "target", "occurredAt", "ipHash", "agentClass"]
        let back = rows.map { row in columns.map { row[$0] as String? } }
        let written = events.map { event -> [String?] in
            [event.kind.rawValue, event.partner, event.campaign, event.asset, event.locale, event.target,
             String.fromDatabaseValue(event.occurredAt.databaseValue), event.ipHash, event.agentClass]
        }
        #expect(back == written)
    }

    @Test("an insert refused mid-statement throws SQLite's error, writes none of the batch, and the next insert works")
    func eventInsertRefused() throws {
        let database = try AppDatabase(DatabaseQueue())
        try database.writer.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON event WHEN NEW.asset = 'a40' BEGIN SELECT RAISE(ABORT, 'refused a40'); END")
        }
        let events = (0..<70).map {
            AssetEvent(kind: .open, partner: "p", campaign: "c", asset: "a\($0)", locale: "en-US", occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
                       ipHash: "h", agentClass: "desktop")
        }
        #expect {
            try database.insert(events)
        } throws: { error in
            (error as? DatabaseError)?.message == "refused a40" && (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
        }
        #expect(try database.eventCount() == 0)
        try database.insert(Array(events.prefix(40)))
        #expect(try database.eventCount() == 40)
    }

    @Test("the schema refuses an unknown event kind", arguments: Engine.all)
    func eventKind(engine: Engine) async throws {
        try await engine.with { database in
            await #expect(performing: {
                try await database.execute("""
                    INSERT INTO event (kind, partner, campaign, asset, locale, occurredAt, ipHash, agentClass)
                    VALUES ('like', 'p', 'c', 'a', 'l', '2027-01-01 00:00:00', 'h', 'x')
                    """)
            }, throws: engine.isConstraintViolation)
        }
    }

    @Test("tokens grant their role and partner, are stored only as hashes, and stop working when revoked", arguments: Engine.all)
    func tokens(engine: Engine) async throws {
        try await engine.with { database in
            var random = SeededRandom(state: 42)
            let token = try await database.issueToken(role: .partner, partner: "a", now: now, using: &random)
            let admin = try await database.issueToken(role: .admin, partner: nil, now: now, using: &random)
            #expect(token.count == 43)
            #expect(try await database.grant(for: token) == .init(role: .partner, partner: "a"))
            #expect(try await database.grant(for: admin) == .init(role: .admin, partner: nil))
            #expect(try await database.grant(for: token + "x") == nil)
            let stored = try await database.strings("SELECT tokenHash FROM accessToken")
            #expect(!stored.contains(token) && stored.count == 2)
            #expect(try await database.revokeTokens(role: .partner, partner: "a", now: now) == 1)
            #expect(try await database.grant(for: token) == nil)
            #expect(try await database.grant(for: admin) != nil)
        }
    }

    @Test("revoking tokens ends their sessions at once; a partner removed from the roster loses its tokens and sessions on sync",
          arguments: Engine.all, [AppDatabase.Role.partner, .admin])
    func lostAccess(engine: Engine, role: AppDatabase.Role) async throws {
        try await engine.with { database in
            var random = SeededRandom(state: 7)
            let de = LocaleTag("de-DE")!
            try await database.sync(partners: [Partner(id: "a", name: "A", locales: [de]), Partner(id: "b", name: "B", locales: [de])], now: now)
            let partner = role == .partner ? "a" : nil
            let token = try await database.issueToken(role: role, partner: partner, now: now, using: &random)
            let session = try await database.startSession(for: .init(role: role, partner: partner), now: now, using: &random)
            let other = try await database.startSession(partner: "b", now: now, using: &random)
            #expect(try await database.session(session, now: now) != nil)
            try await database.revokeTokens(role: role, partner: partner, now: now)
            #expect(try await database.grant(for: token) == nil)
            #expect(try await database.session(session, now: now) == nil)
            #expect(try await database.sessionPartner(other, now: now) == "b", "another partner's session stays")

            let bToken = try await database.issueToken(role: .partner, partner: "b", now: now, using: &random)
            try await database.sync(partners: [Partner(id: "a", name: "A", locales: [de])], now: now.addingTimeInterval(60))
            #expect(try await database.grant(for: bToken) == nil)
            #expect(try await database.sessionPartner(other, now: now) == nil)
            try await database.sync(partners: [Partner(id: "a", name: "A", locales: [de]), Partner(id: "b", name: "B", locales: [de])], now: now)
            #expect(try await database.grant(for: bToken) == nil, "coming back to the roster does not revive a revoked token")
        }
    }

    @Test("visitors are kept as a salted hash and a coarse agent class", arguments: [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", Visitor.AgentClass.desktop),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", .mobile),
        ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", .mailProxy),
        ("curl/8.0.1", .bot),
        ("", .other),
    ])
    func visitor(agent: String, expected: Visitor.AgentClass) {
        #expect(Visitor.agentClass(agent) == expected)
        let salt = Data("salt".utf8)
        #expect(Visitor.ipHash("203.0.113.7", salt: salt) != Visitor.ipHash("203.0.113.7", salt: Data("other".utf8)))
        #expect(!Visitor.ipHash("203.0.113.7", salt: salt).contains("203"))
    }
}

@Suite("Usage reports")
struct UsageTests {
    @Test("events are counted per partner, campaign, asset and locale inside the range only", arguments: Engine.all)
    func usage(engine: Engine) async throws {
        try await engine.with { database in
            let day = Date(timeIntervalSince1970: 1_800_000_000)
            func event(_ kind: AssetEvent.Kind, _ partner: String, _ at: TimeInterval, ip: String = "h1") -> AssetEvent {
                AssetEvent(kind: kind, partner: partner, campaign: "launch", asset: "hello", locale: "en-US", occurredAt: day.addingTimeInterval(at), ipHash: ip, agentClass: "desktop")
            }
            try await database.insertEvents([
                event(.open, "a", 0), event(.open, "a", 10, ip: "h2"), event(.click, "a", 20), event(.download, "a", 30),
                event(.view, "b", 40), event(.open, "a", 86_400), event(.open, "a", -1),
            ])
            let rows = try await database.usage(from: day, until: day.addingTimeInterval(86_400))
            #expect(rows == [
                .init(partner: "a", campaign: "launch", asset: "hello", locale: "en-US", opens: 2, clicks: 1, views: 0, downloads: 1, visitors: 2),
                .init(partner: "b", campaign: "launch", asset: "hello", locale: "en-US", opens: 0, clicks: 0, views: 1, downloads: 0, visitors: 1),
            ])
            #expect(try await database.usage(from: day, until: day.addingTimeInterval(86_400), partner: "b").map(\.partner) == ["b"])
        }
    }
}

@Suite("Leads store")
struct LeadStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func lead(_ email: String, campaign: String = "launch", source: String = "landing", consent: Bool = false,
              firstName: String? = nil, phone: String? = nil) -> Lead {
        Lead(partner: "alpha", campaign: campaign, asset: "landing", locale: "en-US", source: source, email: EmailAddress(email)!,
             firstName: firstName, lastName: nil, company: nil, country: nil, phone: phone, website: nil, companyDomain: "acme.com",
             consent: consent, consentVersion: consent ? "v1" : nil)
    }

    @Test("the same person at the same partner is one lead: a later submission changes none of its fields, and every submission counts", arguments: Engine.all)
    func dedupe(engine: Engine) async throws {
        try await engine.with { database in
            let first = try await database.record(lead("Jane@Acme.com", consent: true, firstName: "Jane"), ipHash: "h", now: now)
            let second = try await database.record(lead("jane@acme.com", campaign: "summit", source: "webinar", phone: "+1 555"), ipHash: "h",
                                             now: now.addingTimeInterval(60))
            #expect(first.created && !second.created && first.id == second.id)
            let stored = try #require(try await database.leads().first)
            #expect(try await database.leads().count == 1)
            #expect(stored.firstName == "Jane" && stored.phone == nil)
            #expect(stored.consent && stored.consentVersion == "v1" && stored.consentAt == now)
            #expect(stored.campaign == "launch" && stored.source == "landing" && stored.submissions == 2 && stored.updatedAt == now)
            let sources = try await database.strings("SELECT campaign || '/' || source FROM leadSubmission ORDER BY id")
            #expect(sources == ["launch/landing", "summit/webinar"])
        }
    }

    @Test("every lead change writes an outbox row in the same transaction, with a unique key and the lead as JSON", arguments: Engine.all)
    func outbox(engine: Engine) async throws {
        try await engine.with { database in
            try await database.record(lead("jane@acme.com"), ipHash: "h", now: now)
            try await database.record(lead("jane@acme.com"), ipHash: "h", now: now)
            try await database.record(lead("joe@acme.com"), ipHash: "h", now: now)
            let rows = try await database.outbox()
            #expect(rows.map(\.type) == ["lead.created", "lead.updated", "lead.created"])
            #expect(Set(rows.map(\.eventKey)).count == 3)
            #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 })
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(rows[1].payload.utf8)) as? [String: Any])
            #expect(payload["id"] as? String == rows[1].eventKey)
            #expect(payload["occurred_at"] as? String == "2027-01-15T08:00:00Z")
            let lead = try #require(payload["lead"] as? [String: Any])
            #expect(lead["email"] as? String == "jane@acme.com")
            #expect(lead["submissions"] as? Int == 2)
            #expect(lead["company_domain"] as? String == "acme.com")
        }
    }

    @Test("a lead that cannot be stored leaves no outbox row behind", arguments: Engine.all)
    func atomic(engine: Engine) async throws {
        try await engine.with { database in
            // A constraint no new row meets stands in for a full disk.
            try await database.execute(engine == .sqlite ? "CREATE TRIGGER fail BEFORE INSERT ON leadSubmission BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                                       : "ALTER TABLE leadSubmission ADD CONSTRAINT fail CHECK (false) NOT VALID")
            await #expect(performing: { try await database.record(lead("jane@acme.com"), ipHash: "h", now: now) }, throws: engine.isConstraintViolation)
            #expect(try await database.leads().isEmpty)
            #expect(try await database.outbox().isEmpty)
        }
    }
}
