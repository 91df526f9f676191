import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import CobrandUseCases
import Foundation

/// The `cobrand` command. Exit codes: 0 success, 1 user error (bad input or arguments), 2 internal error.
@main
struct Cobrand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cobrand",
        abstract: "Co-branded partner marketing kits: render, bundle, track.",
        discussion: """
        Run inside a project folder (Templates/, Locales/, Assets/, optional cobrand.yaml), or pass --project.

        Example:
          cobrand build --partner acme-cloud --locale de-DE
        """,
        version: Generator.version,
        subcommands: [Build.self, Validate.self, Serve.self, Locales.self, Partners.self, Admin.self, Usage.self, Leads.self, SuppressionList.self, Deals.self, CRM.self, FunnelCommand.self, Outbox.self, MDF.self, DB.self, Init.self, Bench.self]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            Foundation.exit(report(error))
        }
    }

    /// Prints an error the way its kind deserves and returns the exit code.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let exit as ExitCode:
            return exit.rawValue
        case let error as UserError:
            printError("error: \(error.message)")
            return 1
        case let error as ProjectError:
            printError(error.description)
            return 1
        case let error as ProjectReader.ReadError:
            printError("error: \(error)")
            return 1
        case let error as RenderError:
            printError("error: \(error)")
            return 1
        default:
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            if code == .validationFailure || code == .failure {
                // Argument errors: usage help names the fix.
                printError(fullMessage(for: error))
                return 1
            }
            printError("internal error: \(error)")
            return 2
        }
    }
}

/// Bad input from the user: printed without a stack of details, exit code 1.
struct UserError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `--project DIR`, shared by the commands that read a project.
struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Project folder.", valueName: "dir"))
    var project: String = "."

    var projectURL: URL { URL(fileURLWithPath: project, isDirectory: true).standardizedFileURL }

    /// Reads and loads the project, printing warnings; throws on errors in shared inputs.
    func load(roster: String? = nil) throws -> (Project, [Diagnostic]) {
        let files = try ProjectReader.read(project: projectURL, roster: roster, caniemail: ProcessInfo.processInfo.environment["COBRAND_CANIEMAIL"])
        let (project, diagnostics) = Project.load(files)
        guard let project else { throw ProjectError(diagnostics.errors) }
        return (project, diagnostics)
    }

    /// The signer for tracked links when `tracking_base_url` is set. The key is the database's tracking
    /// secret (made on first use), so `cobrand serve` on the same database verifies what `build` signed;
    /// `COBRAND_TRACKING_SECRET` overrides it where the build runs without the server's database.
    static func tracking(for project: Project, database: any Store,
                         environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> TrackingSigner? {
        guard let base = project.config.trackingBaseURL else { return nil }
        return TrackingSigner(baseURL: base, secret: try await trackingSecret(database: database, environment: environment))
    }

    /// The lead-form signer `build` and `serve` share: from the tracking secret, with or without tracking.
    static func forms(database: any Store, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> LeadFormSigner {
        LeadFormSigner(secret: try await trackingSecret(database: database, environment: environment))
    }

    /// The unsubscribe-link signer `build` and `serve` share, from the tracking secret.
    static func unsubscribe(database: any Store, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> UnsubscribeSigner {
        UnsubscribeSigner(secret: try await trackingSecret(database: database, environment: environment))
    }

    /// `COBRAND_TRACKING_SECRET`, else the database's (32 random bytes made on first use).
    static func trackingSecret(database: any Store, environment: [String: String]) async throws -> Data {
        if let secret = environment["COBRAND_TRACKING_SECRET"] {
            guard secret.utf8.count >= 32 else {
                throw UserError("COBRAND_TRACKING_SECRET is shorter than 32 characters; use a long random value or unset it to use the database's secret")
            }
            return Data(secret.utf8)
        }
        return try await database.secret(AppDatabase.trackingSecretName) {
            var random = SystemRandomNumberGenerator()
            return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        }
    }

    /// The CRM webhook deliverer, or nil without `crm.webhook_url`. The signing secret is
    /// `COBRAND_WEBHOOK_SECRET`, else one kept in the database (`cobrand outbox secret` prints it).
    static func deliverer(for project: Project, database: any Store,
                          environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> OutboxDeliverer? {
        guard let address = project.config.crm.webhookURL, let url = URL(string: address) else { return nil }
        return OutboxDeliverer(database: database, url: url, secret: try await webhookSecret(database: database, environment: environment),
                               policy: project.config.crm.retry)
    }

    static func webhookSecret(database: any Store, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Data {
        if let secret = environment["COBRAND_WEBHOOK_SECRET"] {
            guard secret.utf8.count >= 16 else { throw UserError("COBRAND_WEBHOOK_SECRET is shorter than 16 characters; use a long random value") }
            return Data(secret.utf8)
        }
        return try await database.secret(AppDatabase.webhookSecretName) {
            var random = SystemRandomNumberGenerator()
            return Data(Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })).utf8)
        }
    }

    /// `--db`, else `COBRAND_DATABASE_URL`, else `cobrand.sqlite` in the project folder: a file path is
    /// SQLite, a `postgres://` URL is PostgreSQL.
    func databasePath(_ db: String?) -> String {
        db ?? ProcessInfo.processInfo.environment["COBRAND_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? projectURL.appendingPathComponent("cobrand.sqlite").path
    }

    /// Where files that go with the database are kept: beside a SQLite file, or in the project folder (which
    /// every node mounts) with PostgreSQL.
    func dataFolder(_ db: String?) -> URL {
        let database = databasePath(db)
        return PostgresURL.isPostgres(database) ? projectURL : URL(fileURLWithPath: database).deletingLastPathComponent()
    }

    /// MDF proofs, by content: `<data folder>/mdf-proofs/<sha256>`.
    func proofFolder(_ db: String?) -> URL {
        dataFolder(db).appendingPathComponent("mdf-proofs", isDirectory: true)
    }

    /// Where partners' uploaded logos are kept, by content.
    func logoFolder(_ db: String?) -> URL {
        dataFolder(db).appendingPathComponent("partner-logos", isDirectory: true)
    }

    /// Opens the database `--db` names, migrating it; `node` names this process among several servers.
    func openDatabase(_ db: String?, node: String = PostgresStore.defaultNode, connections: Int = 20, eventBatch: Int = 5_000) async throws -> any Store {
        let path = databasePath(db)
        if PostgresURL.isPostgres(path) {
            do { return try await PostgresStore.open(url: path, maximumConnections: connections, node: node, eventBatch: eventBatch) } catch let error as AppDatabase.StoreError {
                throw UserError(error.description)
            } catch let error as PostgresURL.Invalid {
                throw UserError(error.description)
            } catch {
                throw UserError("--db \(PostgresURL.redacted(path)): \(PostgresStore.readable(error))")
            }
        }
        do { return try AppDatabase.open(path: path) } catch let error as AppDatabase.StoreError {
            throw UserError(error.description)
        }
    }
}
