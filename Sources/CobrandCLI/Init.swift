import ArgumentParser
import CobrandFiles
import Foundation

extension Cobrand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a small project that builds at once: a roster, one campaign, one locale.",
            discussion: """
            The folder must not exist or be empty. Then run `cobrand build --project DIR`.

            Example:
              cobrand init my-kits && cobrand build --project my-kits
            """
        )

        @Argument(help: ArgumentHelp("Folder to create.", valueName: "dir"))
        var directory: String

        func run() async throws {
            let url = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
            do {
                let count = try Scaffold.write(to: url)
                print("Created \(count) files in \(url.path). Next: cobrand build --project \(directory)")
            } catch let error as Scaffold.ScaffoldError {
                throw UserError(error.description)
            }
        }
    }
}
