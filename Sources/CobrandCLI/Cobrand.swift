import ArgumentParser
import CobrandCore
import CobrandFiles
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
        subcommands: [Build.self, Validate.self, Locales.self, Init.self, Bench.self]
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
        let files = try ProjectReader.read(project: projectURL, roster: roster)
        let (project, diagnostics) = Project.load(files)
        guard let project else { throw ProjectError(diagnostics.errors) }
        return (project, diagnostics)
    }

    /// The signer for tracked links when `tracking_base_url` is set; its secret comes from the environment.
    static func tracking(for project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TrackingSigner? {
        guard let base = project.config.trackingBaseURL else { return nil }
        guard let secret = environment["COBRAND_TRACKING_SECRET"], secret.utf8.count >= 32 else {
            throw UserError("cobrand.yaml sets tracking_base_url, so links are signed: set COBRAND_TRACKING_SECRET to the tracking server's secret (32 characters or more), or remove tracking_base_url")
        }
        return TrackingSigner(baseURL: base, secret: Data(secret.utf8))
    }
}
