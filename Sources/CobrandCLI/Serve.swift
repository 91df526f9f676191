import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandServer
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension Cobrand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP server: partner portal, tracking endpoints and health check.",
            discussion: """
            Events are queued in memory and written every 20 ms in one transaction; SIGINT or SIGTERM stops the
            server gracefully and writes what is queued, so a normal stop loses nothing. While the database
            cannot take events they wait in <db>.events-spool/ and are replayed in order; past the limits
            below, new hits get 503.

            Example:
              cobrand serve --port 8080 --db cobrand.sqlite
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: "Port to listen on.")
        var port: Int = 8080

        @Option(help: ArgumentHelp("Address to listen on.", valueName: "addr"))
        var host: String = "127.0.0.1"

        @Option(help: ArgumentHelp("Database: a SQLite file or a postgres:// URL (default: COBRAND_DATABASE_URL, else <project>/cobrand.sqlite).", valueName: "file|url"))
        var db: String?

        @Option(help: ArgumentHelp("The build's output folder, where bundles are (default: <project>/Output).", valueName: "dir"))
        var out: String?

        @Option(help: ArgumentHelp("Event loop threads answering requests (default: number of cores).", valueName: "n"))
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Least severe log level: trace, debug, info, notice, warning, error, critical. Tracking hits log at debug.", valueName: "level"))
        var logLevel: Logger.Level = .info

        @Option(help: ArgumentHelp("Log lines as text or json (one object per line, on standard error).", valueName: "format"))
        var logFormat: LogFormat = .text

        enum LogFormat: String, ExpressibleByArgument { case text, json }

        @Option(help: ArgumentHelp("A proxy (address or CIDR range, repeatable) whose X-Forwarded-For names the client, such as 127.0.0.1 for a TLS proxy on this machine.", valueName: "cidr"))
        var trustedProxy: [String] = []

        @Option(help: ArgumentHelp("Open connections at most; more wait in the listen backlog.", valueName: "n"))
        var maxConnections: Int = 4_096

        @Option(help: ArgumentHelp("Seconds a connection may send nothing before it is closed.", valueName: "s"))
        var idleTimeout: Int = 60

        @Option(help: ArgumentHelp("Seconds a request's head (request line and headers) may take to arrive.", valueName: "s"))
        var headerTimeout: Int = 10

        @Option(help: ArgumentHelp("Megabytes of events spooled to disk while the database is unavailable.", valueName: "mb"))
        var eventSpoolLimit: Int = 256

        @Option(help: ArgumentHelp("Events kept in memory when the spool cannot take them; beyond this, hits get 503.", valueName: "n"))
        var eventQueueLimit: Int = 100_000

        @Option(help: ArgumentHelp("This server's name among several on one PostgreSQL database, in logs and its event spool's folder (events-spool/NAME, replayed when it starts again); one per server (default: the host name).", valueName: "name"))
        var node: String = ProcessInfo.processInfo.hostName

        @Option(help: ArgumentHelp("PostgreSQL connections this node opens at most.", valueName: "n"))
        var dbConnections: Int = 20

        @Option(help: ArgumentHelp("Tracked events per INSERT statement on PostgreSQL.", valueName: "n"))
        var eventBatch: Int = 5_000

        func validate() throws {
            guard (3...1_000).contains(dbConnections) else {
                throw ValidationError("--db-connections must be 3 to 1000 (a publish or an outbox round holds one while it works on others)")
            }
            guard (1...100_000).contains(eventBatch) else { throw ValidationError("--event-batch must be 1 to 100000") }
            guard !node.isEmpty, node.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ValidationError("--node must be letters, digits, '-', '_' or '.'")
            }
            guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
            guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1 to 64") }
            guard (1...1_048_576).contains(eventSpoolLimit) else { throw ValidationError("--event-spool-limit must be 1 to 1048576 (megabytes)") }
            do { _ = try TrustedProxies(trustedProxy) } catch { throw ValidationError(error.description) }
            var files = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
            let limit = UInt64(files.rlim_cur)
            let usable = Int(clamping: min(limit, 1 << 40)) - 256
            guard (1...max(1, usable)).contains(maxConnections) else {
                throw ValidationError("--max-connections must be 1 to \(usable): the open-file limit is \(limit) and the server needs 256 for itself (raise it with ulimit -n)")
            }
            guard (1...3_600).contains(idleTimeout), (1...3_600).contains(headerTimeout) else {
                throw ValidationError("--idle-timeout and --header-timeout must be 1 to 3600 seconds")
            }
            guard (1_000...10_000_000).contains(eventQueueLimit) else { throw ValidationError("--event-queue-limit must be 1000 to 10000000") }
        }

        func connectionLimits() -> ConnectionLimits {
            var limits = ConnectionLimits()
            limits.maxConnections = maxConnections
            limits.idleTimeout = .seconds(idleTimeout)
            limits.headerTimeout = .seconds(headerTimeout)
            return limits
        }

        func run() async throws {
            var logger = switch logFormat {
            case .text: Logger(label: "cobrand")
            case .json: Logger(label: "cobrand") { JSONLogHandler(label: $0) }
            }
            logger.logLevel = logLevel
            logger[metadataKey: "node"] = .string(node)
            let (project, _) = try options.load()
            // Every page the server renders has its template, so no request meets a 500 for a missing one.
            let missing = Validator.missingServerTemplates(project)
            guard missing.isEmpty else {
                throw UserError(missing.map(\.description).joined(separator: "\n") + "\ncobrand serve renders its pages from these templates; add them (a new `cobrand init` project has them all)")
            }
            let database = try await options.openDatabase(db, node: node, connections: dbConnections, eventBatch: eventBatch)
            // The build signs with the same secret (see `build`), so its links verify here.
            let base = project.config.trackingBaseURL ?? "http://\(host):\(port)"
            let projectWithBase = { () -> Project in var copy = project; copy.config.trackingBaseURL = base; return copy }()
            guard let signer = try await ProjectOptions.tracking(for: projectWithBase, database: database) else { return }
            let salt = try await database.secret(AppDatabase.ipSaltName) {
                var random = SystemRandomNumberGenerator()
                return Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &random) })
            }
            try await database.sync(partners: project.partners, now: Date())
            var limits = EventWriter.Limits()
            limits.spoolBytes = Int64(eventSpoolLimit) << 20
            limits.queuedEvents = eventQueueLimit
            // Each node spools its own events: beside a SQLite file, or per node name in the project folder.
            let spoolFolder = PostgresURL.isPostgres(options.databasePath(db))
                ? options.dataFolder(db).appendingPathComponent("events-spool/\(node)", isDirectory: true)
                : URL(fileURLWithPath: options.databasePath(db) + ".events-spool", isDirectory: true)
            let claim: EventSpool.Claim
            do { claim = try EventSpool.claim(spoolFolder) } catch let error as EventSpool.SpoolError { throw UserError(error.description) }
            let spool = try EventSpool(folder: spoolFolder)
            let writer = EventWriter(database: database, spool: spool, limits: limits, logger: logger)
            let proxies = try TrustedProxies(trustedProxy)
            let forms = try await ProjectOptions.forms(database: database)
            let unsubscribe = try await ProjectOptions.unsubscribe(database: database)
            let routes = TrackingRoutes(signer: signer, writer: writer, salt: salt, proxies: proxies, now: { Date() })
            let output = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? options.projectURL.appendingPathComponent("Output")
            // A build killed mid-commit is finished before any bundle is served.
            try await KitStore.recover(output)
            let portal = PortalRoutes(project: project, database: database, output: output, writer: writer, salt: salt, proxies: proxies, now: { Date() })
            // Publishing signs links as `cobrand build` does: with the configured tracking base only.
            let publisher = Publisher(project: project, database: database, output: output, logoFolder: options.logoFolder(db),
                                      tracking: try await ProjectOptions.tracking(for: project, database: database), forms: forms,
                                      unsubscribe: unsubscribe)
            let admin = AdminRoutes(project: project, database: database, formSecret: salt, logoFolder: options.logoFolder(db), now: { Date() })
            let leads = LeadRoutes(project: project, database: database, salt: salt, proxies: proxies, forms: forms, now: { Date() })
            let deals = DealRoutes(database: database, rules: project.config.deals.rules, salt: salt, proxies: proxies, now: { Date() })
            let claims = ClaimRoutes(database: database, campaigns: Set(project.campaigns.map(\.id)),
                                     proofFolder: options.proofFolder(db), now: { Date() })
            let outbox = OutboxService(database: database, deliverer: try await ProjectOptions.deliverer(for: project, database: database), logger: logger,
                                       now: { Date() })
            let app = CobrandServer.application(tracking: routes, portal: portal, admin: admin, leads: leads, deals: deals, claims: claims,
                                                mdfRules: project.config.mdf.reconciliation, publisher: publisher,
                                                unsubscribe: UnsubscribeRoutes(project: project, database: database, signer: unsubscribe, salt: salt,
                                                                               proxies: proxies, now: { Date() }),
                                                crm: CRMRoutes(database: database, secret: try await ProjectOptions.webhookSecret(database: database),
                                                               now: { Date() }),
                                                outbox: outbox, host: host, port: port,
                                                limits: connectionLimits(), threads: threads, logger: logger)
            logger.info("serving", metadata: ["address": "\(host):\(port)", "db": "\(PostgresURL.redacted(options.databasePath(db)))",
                                              "portal": "http://\(host):\(port)/portal", "admin": "http://\(host):\(port)/admin"])
            try await app.runService()
            withExtendedLifetime(claim) {}
            let stranded = writer.stop()
            logger.info("stopped", metadata: ["events_not_kept": "\(stranded)"])
        }
    }
}
