import CobrandCore
import CobrandStore
import CobrandFiles
import CobrandTesting
import Foundation
import GRDB
import Testing

/// Runs the built `cobrand` executable as a user would and checks exit codes and output.
@Suite("The cobrand command")
struct CommandTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var executable: URL {
        // The test bundle sits in the same build folder as the products.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cobrand")
    }

    func cobrand(_ arguments: String...) throws -> Run { try cobrand(arguments: arguments) }

    func cobrand(arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func temp() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-cli-\(UUID().uuidString)")
    }

    @Test("build prints a summary; a second build renders nothing")
    func build() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let first = try cobrand("build", "--project", folder.path)
        #expect(first.status == 0)
        #expect(first.stdout.hasPrefix("Built 3 kits (3 rendered, 0 unchanged), 30 files, "))
        let second = try cobrand("build", "--project", folder.path, "--jobs", "1")
        #expect(second.stdout.hasPrefix("Built 3 kits (0 rendered, 3 unchanged), 30 files, "))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Output/index.json").path))
    }

    @Test("a bad roster row is reported, the other partners are built, and the exit code is 1")
    func badRow() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder, ["Assets/partners.csv": Fixture.roster + "gamma,Gamma,en-US,,,#12G45Z,,,g@gamma.example,,1 Road,,\n"])
        let run = try cobrand("build", "--project", folder.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("Assets/partners.csv:5: error: primary_color: '#12G45Z' is not a colour; write #RRGGBB\n"))
        #expect(run.stderr.hasSuffix("error: 1 problem(s) in the roster, partner logos or slot files; those partners were not built (see above)\n"))
        #expect(run.stdout.hasPrefix("Built 3 kits"))
    }

    @Test("validate lists every problem and exits 1; a clean project exits 0")
    func validate() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder, ["Templates/launch/hello.txt.mustache": "{{#oops}}\n"])
        let broken = try cobrand("validate", "--project", folder.path)
        #expect(broken.status == 1)
        #expect(broken.stdout == """
            Templates/launch/hello.txt.mustache:2: error: template syntax error at column 1: a section is opened but never closed; add its {{/name}} tag
            1 error(s), 0 warning(s)

            """)
        try Fixture.write(to: folder)
        let clean = try cobrand("validate", "--project", folder.path)
        #expect(clean.status == 0)
        #expect(clean.stdout.hasSuffix("1 campaign(s), 2 partner(s), 2 locale(s): 0 error(s), 1 warning(s)\n"))
    }

    @Test("argument mistakes exit 1 with the usage", arguments: [
        ["build", "--shard", "0/2"], ["build", "--jobs", "0"], ["build", "--locale", "german"], ["frobnicate"],
    ])
    func usage(arguments: [String]) throws {
        let process = try cobrandArgs(arguments)
        #expect(process.status == 1)
        #expect(process.stderr.contains("Usage: cobrand"))
    }

    func cobrandArgs(_ arguments: [String]) throws -> Run {
        switch arguments.count {
        case 1: return try cobrand(arguments[0])
        case 3: return try cobrand(arguments[0], arguments[1], arguments[2])
        default: Issue.record("unexpected arity"); return Run(status: -1, stdout: "", stderr: "")
        }
    }

    @Test("a postgres:// --db that cannot be reached is an error naming the URL without its password, and creates no file")
    func postgresUnreachable() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let run = try cobrand("deals", "list", "--project", folder.path, "--db", "postgres://u:secret@127.0.0.1:1/app?sslmode=disable&connect_timeout=2")
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: --db postgres://u:***@127.0.0.1:1/app?sslmode=disable&connect_timeout=2: PostgreSQL connection failed"), "\(run.stderr)")
        #expect(!run.stderr.contains("secret"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("postgres:").path))
    }

    /// The same commands on PostgreSQL: `.ci/run` sets the URL (each run of this test gets a schema of its own).
    @Test("with --db postgres://, a deal one command registers is listed by the next",
          .enabled(if: ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"] != nil))
    func postgresCommands() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let base = try #require(ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"])
        let url = base + (base.contains("?") ? "&" : "?") + "search_path=cli_\(UUID().uuidString.prefix(8).lowercased())&connect_timeout=60"
        let registered = try cobrand("deals", "register", "--project", folder.path, "--db", url, "--partner", "alpha", "--domain", "globex.example",
                                     "--name", "Globex", "--value", "18000", "--currency", "USD", "--product", "Stream", "--close", "2027-03-31")
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.hasPrefix("deal 1: pending (review-no-tracked-lead)"))
        let listed = try cobrand("deals", "list", "--project", folder.path, "--db", url)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("globex.example"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("cobrand.sqlite").path))
    }

    @Test("crm import applies a CRM export all or nothing: a bad row or an unknown deal is named by its line and changes nothing")
    func crmImport() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let registered = try cobrand("deals", "register", "--project", folder.path, "--partner", "alpha", "--domain", "globex.example",
                                     "--name", "Globex", "--value", "18000", "--currency", "USD", "--product", "Stream", "--close", "2027-03-31")
        #expect(registered.status == 0, "\(registered.stderr)")
        let header = "event_id,type,deal_id,crm_id,stage,amount,currency,close_date,updated_at\n"
        let won = "opp-1-won,deal,1,006Q1,won,48000.00,USD,2026-02-10,2026-02-10T09:30:00Z\n"
        let file = folder.appendingPathComponent("crm.csv")
        for (rows, message) in [(won + "opp-1-x,deal,1,006Q1,closed,,,2026-02-10,2026-02-10T09:30:00Z\n", "crm.csv:3: stage 'closed' is not open, won or lost"),
                                (won + "opp-2-won,deal,2,,won,1.00,USD,2026-02-10,2026-02-10T09:30:00Z\n", "crm.csv:3: event 'opp-2-won': no deal with id 2")] {
            try (header + rows).write(to: file, atomically: true, encoding: .utf8)
            let refused = try cobrand("crm", "import", "--project", folder.path, file.path)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
            #expect(refused.stderr.contains("nothing was imported"))
            #expect(try cobrand("deals", "show", "1", "--project", folder.path).stdout.hasPrefix("deal 1: pending"))
        }
        try (header + won + won).write(to: file, atomically: true, encoding: .utf8)
        let imported = try cobrand("crm", "import", "--project", folder.path, file.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasSuffix("2 update(s): 1 applied, 1 already applied, 0 older than what is known\n"))
        let shown = try cobrand("deals", "show", "1", "--project", folder.path).stdout
        #expect(shown.hasPrefix("deal 1: won (won-in-crm)"))
        #expect(shown.contains("  CRM: won at 48000.00 USD, closed 2026-02-10 (CRM id 006Q1)"))
    }

    @Test("an unknown --partner names the roster; a missing project folder says how to make one")
    func unknownNames() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let run = try cobrand("build", "--project", folder.path, "--partner", "nobody")
        #expect(run.status == 1)
        #expect(run.stderr == "error: --partner nobody: no such partner in Assets/partners.csv (or its row has errors; run cobrand validate)\n")
        let missing = try cobrand("validate", "--project", folder.appendingPathComponent("nope").path)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: \(folder.appendingPathComponent("nope").path): no such project folder; pass --project DIR or run cobrand init DIR\n")
    }

    @Test("init scaffolds a project that builds; init again refuses")
    func initCommand() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try cobrand("init", folder.path).status == 0)
        let build = try cobrand("build", "--project", folder.path)
        #expect(build.status == 0)
        #expect(build.stdout.hasPrefix("Built 1 kits (1 rendered, 0 unchanged), 9 files, "))
        let again = try cobrand("init", folder.path)
        #expect(again.status == 1)
        #expect(again.stderr == "error: \(folder.path) exists and is not empty; choose a new folder name\n")
    }

    @Test("locales export then import round-trips; a malformed file changes nothing and exits 1")
    func xliff() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let file = folder.appendingPathComponent("de.xlf").path
        let export = try cobrand("locales", "export", "--project", folder.path, "--locale", "de-DE", "--out", file)
        #expect(export.status == 0)
        #expect(export.stdout == "Wrote 7 units (1 untranslated) in 2 files to \(file)\n")
        let catalog = folder.appendingPathComponent("Locales/de-DE/messages.yaml")
        let before = try Data(contentsOf: catalog)
        try Data("<xliff version=\"2.0\"><file>".utf8).write(to: URL(fileURLWithPath: file + ".bad"))
        let bad = try cobrand("locales", "import", "--project", folder.path, file + ".bad")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("error: \(file).bad: not well-formed XML"))
        #expect(try Data(contentsOf: catalog) == before)
        let good = try cobrand("locales", "import", "--project", folder.path, file)
        #expect(good.status == 0)
        #expect(good.stdout == "Imported 6 translations for de-DE into Locales/de-DE/messages.yaml\n")
        let check = try cobrand("locales", "check", "--project", folder.path)
        #expect(check.status == 0)
    }

    @Test("with tracking_base_url, build signs links with the database's secret and syncs partners and kits")
    func trackedBuild() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try #require(Fixture.files["cobrand.yaml"]) + "tracking_base_url: https://t.example\n"
        try Fixture.write(to: folder, ["cobrand.yaml": config])
        let run = try cobrand("build", "--project", folder.path)
        #expect(run.status == 0, "\(run.stderr)")
        let database = try AppDatabase.open(path: folder.appendingPathComponent("cobrand.sqlite").path)
        let secret = try database.secret(AppDatabase.trackingSecretName) { Data() }
        #expect(secret.count == 32)
        let html = try String(contentsOf: folder.appendingPathComponent("Output/kits/launch/alpha/en-US/landing/index.html"), encoding: .utf8)
        let token = try #require(html.components(separatedBy: "href=\"https://t.example/t/c/").dropFirst().first?.components(separatedBy: "\"").first)
        #expect(TrackingSigner(baseURL: "https://t.example", secret: secret).verify(token)?.partner == "alpha")
        #expect(try database.kits(partner: "beta").map(\.dir) == ["kits/launch/beta/de-DE"])
        let issued = try cobrand("partners", "token", "alpha", "--project", folder.path)
        #expect(issued.status == 0)
        #expect(try database.grant(for: issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == .init(role: .partner, partner: "alpha"))
    }

    @Test("partners' portal changes: build applies them (the other partner's kit keeps its bytes), approve lets a waiting one in, export gives roster rows")
    func overrides() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try #require(Fixture.files["cobrand.yaml"]) + "self_service:\n  fields:\n    phone: {}\n    logo: {approval: required}\n"
        try Fixture.write(to: folder, ["cobrand.yaml": config])
        let project = ["--project", folder.path]
        #expect(try cobrand(arguments: ["build"] + project).status == 0)
        let betaZip = folder.appendingPathComponent("Output/bundles/launch/beta/launch-beta-de-DE.zip")
        let betaBefore = try Data(contentsOf: betaZip)

        let database = try AppDatabase.open(path: folder.appendingPathComponent("cobrand.sqlite").path)
        let logo = try LogoUpload(filename: "mine.svg", data: Data("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 2 2\"><rect width=\"2\" height=\"2\"/></svg>".utf8),
                                  maxBytes: 10_000, maxPixels: 1)
        try BlobStore(folder: folder.appendingPathComponent("partner-logos")).put(logo.data, as: logo.storedName)
        try database.saveChanges(partner: "alpha", [
            .init(field: "phone", oldValue: "+1 555 0100", newValue: "+1 555 0199", needsApproval: false),
            .init(campaign: "launch", locale: "en-US", field: "intro", oldValue: nil, newValue: "Our intro", needsApproval: false),
            .init(field: "logo", oldValue: "alpha.svg", newValue: logo.storedName, needsApproval: true),
        ], actor: "partner:alpha", now: Date())
        let built = try cobrand(arguments: ["build"] + project)
        #expect(built.stdout.hasPrefix("Built 3 kits (2 rendered, 1 unchanged)"), "\(built.stdout)\(built.stderr)")
        #expect(try Data(contentsOf: betaZip) == betaBefore)
        let landing = try String(contentsOf: folder.appendingPathComponent("Output/kits/launch/alpha/en-US/landing/index.html"), encoding: .utf8)
        #expect(landing.contains("<p class=\"intro\">Our intro</p>"))
        let pendingLogo = try Data(contentsOf: folder.appendingPathComponent("Output/kits/launch/alpha/en-US/assets/partner-logo.svg"))
        #expect(String(decoding: pendingLogo, as: UTF8.self).contains("<rect width=\"4\""), "the waiting logo is not in the kit yet")

        let pending = try cobrand(arguments: ["partners", "changes", "--pending"] + project)
        #expect(pending.stdout.hasPrefix("#3 pending  alpha  logo: \"alpha.svg\" -> \"\(logo.storedName)\"  by partner:alpha at "))
        let approved = try cobrand(arguments: ["partners", "approve", "alpha"] + project)
        #expect(approved.status == 0 && approved.stdout.contains("#3 approved"), "\(approved.stderr)")
        #expect(try cobrand(arguments: ["partners", "approve", "alpha"] + project).stderr.contains("alpha has no change waiting for approval"))
        #expect(try cobrand(arguments: ["build"] + project).stdout.hasPrefix("Built 3 kits (2 rendered, 1 unchanged)"))
        let approvedLogo = try Data(contentsOf: folder.appendingPathComponent("Output/kits/launch/alpha/en-US/assets/partner-logo.svg"))
        #expect(approvedLogo == logo.data)

        let listed = try cobrand(arguments: ["partners", "overrides"] + project)
        #expect(listed.stdout.contains("alpha  phone: \"+1 555 0100\" -> \"+1 555 0199\"\n") && listed.stdout.contains("alpha  launch.intro (en-US): \"Our intro\"\n"))
        let export = folder.appendingPathComponent("updates/roster.csv")
        try FileManager.default.createDirectory(at: export.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(try cobrand(arguments: ["partners", "overrides", "--export", export.path] + project).status == 0)
        let rows = try CSV.parse(String(contentsOf: export, encoding: .utf8), file: "roster.csv")
        #expect(rows.count == 2)
        let row = Dictionary(uniqueKeysWithValues: zip(rows[0].fields, rows[1].fields))
        #expect(row["id"] == "alpha" && row["phone"] == "+1 555 0199" && row["logo"] == "alpha.svg" && row["name"] == "Alpha Partners")
        #expect(try Data(contentsOf: folder.appendingPathComponent("updates/partners/alpha.svg")) == logo.data)
        // The exported rows check clean as a roster.
        let roster = Roster(csv: try String(contentsOf: export, encoding: .utf8), file: "roster.csv", locales: [LocaleTag("en-US")!, LocaleTag("de-DE")!],
                            logoFiles: ["alpha.svg"])
        #expect(roster.diagnostics.errors.isEmpty && roster.partners.first?.phone == "+1 555 0199")
    }

    @Test("every command's help has an example", arguments: ["build", "validate", "init", "bench", "locales", "locales check", "locales export", "locales import",
                                                                   "partners token", "partners overrides", "partners changes", "partners approve", "admin token", "usage report",
                                                                   "suppression", "crm", "crm import"])
    func help(command: String) throws {
        let words = command.split(separator: " ").map(String.init)
        let run = words.count == 1 ? try cobrand(words[0], "--help") : try cobrand(words[0], words[1], "--help")
        #expect(run.status == 0)
        #expect(run.stdout.contains("Example"))
    }

    @Test("mdf: allocate, import a period all or nothing, balances, and an audit log that names an edited row")
    func mdf() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let project = ["--project", folder.path]
        #expect(try cobrand(arguments: ["mdf", "allocate", "--partner", "alpha", "--period", "2026-Q4", "--amount", "5000", "--currency", "EUR"] + project)
            .stdout == "alpha 2026-Q4 (2026-10-01 to 2026-12-31): 5000.00 EUR, claims until 2027-03-01\n")
        let bad = folder.appendingPathComponent("bad.csv")
        try "partner,amount,currency\nbeta,12.345,EUR\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try cobrand(arguments: ["mdf", "import", "--period", "2026-Q4", bad.path] + project)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("bad.csv:2: error: amount: '12.345 EUR'"))
        let good = folder.appendingPathComponent("q4.csv")
        try "partner,amount,currency,deadline\nalpha,6000,EUR,\nbeta,2500.50,EUR,2027-01-31\n".write(to: good, atomically: true, encoding: .utf8)
        #expect(try cobrand(arguments: ["mdf", "import", "--period", "2026-q4", good.path] + project).stdout == "Imported 2 allocation(s) for 2026-Q4.\n")
        #expect(try cobrand(arguments: ["mdf", "balances", "--period", "2026-Q4", "--format", "csv"] + project).stdout == """
            partner,period,currency,allocated,claimed,approved,paid,remaining,deadline\r
            alpha,2026-Q4,EUR,6000.00,0.00,0.00,0.00,6000.00,2027-03-01\r
            beta,2026-Q4,EUR,2500.50,0.00,0.00,0.00,2500.50,2027-01-31\r

            """)
        #expect(try cobrand(arguments: ["mdf", "audit", "verify"] + project).stdout == "audit log intact: 3 row(s)\n")
        // Edit one row behind cobrand's back, as someone with the sqlite3 CLI would.
        let file = try DatabaseQueue(path: folder.appendingPathComponent("cobrand.sqlite").path)
        try file.write { db in try db.execute(sql: #"UPDATE mdfAudit SET detail = replace(detail, '"2500.50"', '"25000.50"') WHERE id = 3"#) }
        try file.close()
        let tampered = try cobrand(arguments: ["mdf", "audit", "verify"] + project)
        #expect(tampered.status == 1)
        #expect(tampered.stderr == "error: audit row 3 fails: its content does not match its hash (the row was edited)\n")
    }

    /// Some of everything: allocations (audited), a deal, a claim; what the database commands copy.
    func seed(_ project: [String]) throws {
        #expect(try cobrand(arguments: ["mdf", "allocate", "--partner", "alpha", "--period", "2026-Q4", "--amount", "5000", "--currency", "EUR"] + project).status == 0)
        #expect(try cobrand(arguments: ["mdf", "allocate", "--partner", "beta", "--period", "2026-Q4", "--amount", "2500.50", "--currency", "EUR"] + project).status == 0)
        #expect(try cobrand(arguments: ["deals", "register", "--partner", "alpha", "--domain", "globex.example", "--name", "Globex", "--value", "18000",
                                        "--currency", "USD", "--product", "Stream", "--close", "2027-03-31"] + project).status == 0)
    }

    @Test("db backup copies a SQLite database in use to a file that opens with the same rows; a PostgreSQL --db is pointed at pg_dump")
    func backup() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let project = ["--project", folder.path]
        try seed(project)
        let copy = folder.appendingPathComponent("backups/copy.sqlite")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        let run = try cobrand(arguments: ["db", "backup", copy.path] + project)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("its MDF audit chain (2 entries) verifies\n"))
        #expect(try cobrand(arguments: ["deals", "list", "--db", copy.path] + project).stdout == (try cobrand(arguments: ["deals", "list"] + project).stdout))
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.deletingLastPathComponent().path) == ["copy.sqlite"])
        let postgres = try cobrand(arguments: ["db", "backup", copy.path, "--db", "postgres://u:secret@db.internal/app?sslmode=require&search_path=acme"] + project)
        #expect(postgres.status == 1)
        #expect(postgres.stderr == "error: --db is PostgreSQL: back it up with pg_dump --format=custom --file=cobrand.dump --schema=acme 'postgres://u:***@db.internal/app?sslmode=require'\n")
    }

    @Test("db migrate-to copies SQLite into PostgreSQL: every command then reads the same; a database with data is refused",
          .enabled(if: ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"] != nil))
    func migrateTo() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let project = ["--project", folder.path]
        try seed(project)
        let base = try #require(ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"])
        let url = base + (base.contains("?") ? "&" : "?") + "search_path=move_\(UUID().uuidString.prefix(8).lowercased())&connect_timeout=60"
        let moved = try cobrand(arguments: ["db", "migrate-to", url] + project)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("row counts match, the MDF audit chain (2 entries) verifies"))
        for command in [["deals", "list"], ["mdf", "balances", "--period", "2026-Q4"], ["mdf", "audit", "verify"], ["outbox", "status"]] {
            let sqlite = try cobrand(arguments: command + project), postgres = try cobrand(arguments: command + ["--db", url] + project)
            #expect(postgres.status == 0 && postgres.stdout == sqlite.stdout, "\(command): \(postgres.stderr)")
        }
        // New rows continue the copied ids.
        let next = try cobrand(arguments: ["deals", "register", "--partner", "beta", "--domain", "initech.example", "--name", "Initech", "--value", "900",
                                           "--currency", "USD", "--product", "Stream", "--close", "2027-03-31", "--db", url] + project)
        #expect(next.stdout.hasPrefix("deal 2: "), "\(next.stderr)")
        let again = try cobrand(arguments: ["db", "migrate-to", url] + project)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already has data"))
    }

    /// A fleet build as a CI matrix runs it: four shards, each in its own output folder, into one PostgreSQL.
    @Test("four shards into one PostgreSQL: the portal lists every kit, the merged index is the unsharded build's, and a dropped partner goes only when all shards finish",
          .enabled(if: ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"] != nil))
    func fleetBuild() async throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        // Eight partners, so every shard has some: copies of beta's row under new ids.
        let rows = Fixture.roster.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let beta = try #require(rows.first { $0.hasPrefix("beta,") })
        let roster = rows + (1...6).map { beta.replacingOccurrences(of: "beta,Beta GmbH", with: "p\($0),Partner \($0)") }
        let everyone = folder.appendingPathComponent("everyone.csv"), fewer = folder.appendingPathComponent("fewer.csv")
        try roster.filter { !$0.isEmpty }.joined(separator: "\n").write(to: everyone, atomically: true, encoding: .utf8)
        try roster.filter { !$0.isEmpty && !$0.hasPrefix("p3,") }.joined(separator: "\n").write(to: fewer, atomically: true, encoding: .utf8)
        let base = try #require(ProcessInfo.processInfo.environment["COBRAND_TEST_POSTGRES_URL"])
        // A loaded 2-core runner can take more than the default 10 s to accept the subprocesses' connections.
        let url = base + (base.contains("?") ? "&" : "?") + "search_path=fleet_\(UUID().uuidString.prefix(8).lowercased())&connect_timeout=60"
        let project = ["--project", folder.path]
        func index(_ out: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(out).appendingPathComponent("index.json")) }

        for shard in 1...4 {
            let run = try cobrand(arguments: ["build", "--partners", everyone.path, "--shard", "\(shard)/4", "--build-id", "first", "--db", url,
                                              "--out", folder.appendingPathComponent("shard\(shard)").path] + project)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(shard < 4 ? "shard \(shard)/4 reported, \(shard) of 4 so far" : "all 4 shards reported"), "\(run.stdout)")
        }
        let mergedFolder = folder.appendingPathComponent("merged")
        let early = try cobrand(arguments: ["build", "--merge-index", "--db", url, "--out", mergedFolder.path] + project)
        #expect(early.status == 1 && early.stderr.contains("kit(s) the database lists are not in \(mergedFolder.path)"), "\(early.stderr)")
        // The shards' folders copied together, as a CI matrix's artifacts are.
        for shard in 1...4 {
            let source = folder.appendingPathComponent("shard\(shard)")
            for case let path as String in FileManager.default.enumerator(atPath: source.path) ?? .init() where !path.hasSuffix("index.json") {
                var isFolder: ObjCBool = false
                let from = source.appendingPathComponent(path), to = mergedFolder.appendingPathComponent(path)
                guard FileManager.default.fileExists(atPath: from.path, isDirectory: &isFolder), !isFolder.boolValue,
                      !FileManager.default.fileExists(atPath: to.path) else { continue }
                try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: from, to: to)
            }
        }
        let merged = try cobrand(arguments: ["build", "--merge-index", "--db", url, "--out", mergedFolder.path] + project)
        #expect(merged.status == 0, "\(merged.stderr)")
        let store = try await PostgresStore.open(url: url, maximumConnections: 2)
        let listed = try await store.kits()
        // The unsharded build, on the same database (so with the same signing secret) into a folder of its own.
        #expect(try cobrand(arguments: ["build", "--partners", everyone.path, "--out", folder.appendingPathComponent("whole").path, "--db", url]
                            + project).status == 0)
        #expect(try index("merged") == (try index("whole")))
        let whole = try #require(try OutputIndex.read(from: folder.appendingPathComponent("whole")))
        #expect(whole.kits.count == 9)
        #expect(listed.map(\.dir) == whole.kits.map(\.dir), "the portal lists every kit the shards built")
        for partner in Set(whole.kits.map(\.partner)) {
            #expect(try await store.kits(partner: partner).map(\.dir).sorted() == whole.kits.filter { $0.partner == partner }.map(\.dir).sorted())
        }

        // A build id is one build's: a shard reporting again is refused before it renders anything.
        let again = try cobrand(arguments: ["build", "--partners", everyone.path, "--shard", "2/4", "--build-id", "first", "--db", url,
                                            "--out", folder.appendingPathComponent("again").path] + project)
        #expect(again.status == 1)
        #expect(again.stderr.hasSuffix("error: shard 2/4 of fleet build first has reported already; give each build its own --build-id (such as the CI run's id)\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("again").path))

        // p3 leaves the roster: its kits stay while shards of the next build are still out.
        for shard in 1...4 {
            let run = try cobrand(arguments: ["build", "--partners", fewer.path, "--shard", "\(shard)/4", "--build-id", "second", "--db", url,
                                              "--out", folder.appendingPathComponent("shard\(shard)").path] + project)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try await store.kits(partner: "p3").isEmpty == (shard == 4), "after shard \(shard) of 4")
            #expect(try await (store.partner("p3") == nil) == (shard == 4))
        }
        #expect(try await store.kits().count == whole.kits.filter { $0.partner != "p3" }.count)
    }

    /// A lead's name comes from a public form; a spreadsheet must show it, never run it (OWASP CSV injection).
    @Test("leads and deals exports write formula-like fields as text", arguments: [["leads", "list"], ["deals", "list"]])
    func csvInjection(command: [String]) throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let database = try AppDatabase.open(path: folder.appendingPathComponent("cobrand.sqlite").path)
        let intake = LeadIntake(partners: [Partner(id: "alpha", name: "Alpha", locales: [LocaleTag("en-US")!])], campaigns: ["launch": ["landing"]])
        guard case let .lead(lead) = try intake.validate([
            "partner": "alpha", "campaign": "launch", "asset": "landing", "source": "landing", "email": "eve@megacorp.example", "consent": "yes",
            "first_name": "=HYPERLINK(\"https://evil.example\",\"x\")", "last_name": "@SUM(A1:A9)", "company": "=cmd|' /C calc'!A0",
        ]) else { Issue.record("not a lead"); return }
        let id = try database.record(lead, ipHash: "h", now: Date(timeIntervalSince1970: 1_800_000_000)).id
        let request = try DealRequest.validated(partner: "alpha", domain: "megacorp.example", accountName: "+SUM(1,2)", value: "100", currency: "USD",
                                                products: ["-2+3"], expectedClose: "2027-03-31", leadID: id)
        _ = try database.register(request, rules: DealRules(), idempotencyKey: nil, now: Date(timeIntervalSince1970: 1_800_000_000))
        let csv = try cobrand(arguments: command + ["--format", "csv", "--project", folder.path]).stdout
        let fields = try CSV.parse(csv, file: "export.csv").flatMap(\.fields)
        let raw = csv.split(whereSeparator: { $0 == "," || $0 == "\r\n" || $0 == "\n" }).map { $0.drop { $0 == "\"" } }
        #expect(!raw.contains { ["=", "+", "-", "@"].contains($0.first) }, "\(csv)")
        if command[0] == "leads" {
            #expect(csv.contains(",\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\",'@SUM(A1:A9),'=cmd|' /C calc'!A0,"))
            #expect(fields.contains("=HYPERLINK(\"https://evil.example\",\"x\")"))
        } else {
            #expect(csv.contains(",\"'+SUM(1,2)\","))
            #expect(fields.contains("+SUM(1,2)"))
        }
    }

    @Test("suppression export writes each partner's unsubscribed addresses as CSV, atomically to --out; list shows them")
    func suppression() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder)
        let database = try AppDatabase.open(path: folder.appendingPathComponent("cobrand.sqlite").path)
        for (partner, address) in [("alpha", "=cmd@evil.example"), ("beta", "bo@example.org"), ("alpha", "ann@example.org")] {
            try database.suppress(try Suppression.make(partner: partner, campaign: "launch", address: address, source: .page),
                                  now: Date(timeIntervalSince1970: 1_800_000_000))
        }
        let out = folder.appendingPathComponent("alpha.csv")
        let run = try cobrand("suppression", "export", "--partner", "alpha", "--out", out.path, "--project", folder.path)
        #expect(run.status == 0 && run.stderr.contains("Wrote 2 address(es)"))
        #expect(try String(contentsOf: out, encoding: .utf8) == """
            partner,email,campaign,source,unsubscribed_at\r
            alpha,'=cmd@evil.example,launch,page,2027-01-15T08:00:00Z\r
            alpha,ann@example.org,launch,page,2027-01-15T08:00:00Z\r

            """)
        #expect(try cobrand("suppression", "list", "--project", folder.path).stdout.hasSuffix("3 address(es)\n"))
    }

    @Test("serve refuses to start while a portal or admin template is missing, naming it")
    func serveNeedsTemplates() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Fixture.write(to: folder, try Fixture.serverPages().merging(["Templates/_shared/admin/outbox.html.mustache": nil]) { $1 })
        // An address this machine does not have: were the check gone, binding would fail rather than serve forever.
        let run = try cobrand("serve", "--host", "203.0.113.1", "--port", "9", "--project", folder.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("Templates/_shared/admin/outbox.html.mustache: error: is missing; cobrand serve renders a page from it"))
    }
}
