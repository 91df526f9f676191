import ArgumentParser
import CobrandCore
import CobrandFiles
import Foundation

extension Cobrand {
    struct Locales: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check message catalogs.",
            discussion: """
            Example:
              cobrand locales check --locale de-DE
            """,
            subcommands: [Check.self]
        )
    }
}

extension Cobrand.Locales {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per locale: missing, untranslated, unused and placeholder-mismatch keys.",
            discussion: """
            Exits 1 when a used key is missing in the default locale or a translation's placeholders differ
            from the default locale's; the other findings are warnings.

            Example:
              cobrand locales check --project . --locale ja-JP
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(name: .customLong("locale"), help: ArgumentHelp("Check only this locale (repeatable).", valueName: "tag"))
        var locales: [String] = []

        func validate() throws {
            for locale in locales where LocaleTag(locale) == nil {
                throw ValidationError("--locale '\(locale)' is not a locale tag such as de-DE")
            }
        }

        func run() async throws {
            let (project, _) = try options.load()
            let report = LocaleCheck(project: project, locales: Set(locales.compactMap { LocaleTag($0) }))
            for diagnostic in report.diagnostics { print(diagnostic) }
            print(report.table)
            if !report.diagnostics.errors.isEmpty { throw ExitCode(1) }
        }
    }
}
