import ArgumentParser
import CobrandCore
import CobrandFiles
import Foundation

extension Cobrand {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check everything a build reads and print every problem with file and line.",
            discussion: """
            Checks cobrand.yaml, templates, campaign manifests, catalogs, the roster, logos, slot files and brand \
            guardrails (colour contrast). Exits 1 if there is any error; warnings alone exit 0.

            Example:
              cobrand validate --project ./my-project
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: ArgumentHelp("Partner roster CSV instead of Assets/partners.csv.", valueName: "file"))
        var partners: String?

        func run() async throws {
            let files = try ProjectReader.read(project: options.projectURL, roster: partners, caniemail: ProcessInfo.processInfo.environment["COBRAND_CANIEMAIL"])
            let (project, loaded) = Project.load(files)
            let diagnostics = (loaded + (project.map(Validator.check) ?? [])).sorted()
            for diagnostic in diagnostics { print(diagnostic) }
            let errors = diagnostics.errors.count
            let warnings = diagnostics.warnings.count
            if let project {
                print("\(project.campaigns.count) campaign(s), \(project.partners.count) partner(s), \(project.catalogs.values.filter { !$0.isGenerated }.count) locale(s): \(errors) error(s), \(warnings) warning(s)")
            } else {
                print("\(errors) error(s), \(warnings) warning(s)")
            }
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
