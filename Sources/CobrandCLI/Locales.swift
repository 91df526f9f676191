import ArgumentParser
import CobrandCore
import CobrandFiles
import Foundation

extension Cobrand {
    struct Locales: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check message catalogs; exchange translations as XLIFF.",
            discussion: """
            Example:
              cobrand locales check --locale de-DE
            """,
            subcommands: [Check.self, Export.self, Import.self]
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

extension Cobrand.Locales {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an XLIFF 2.0 file for translators: source = default locale, target = --locale.",
            discussion: """
            One <file> per campaign (shared messages in 'shared'), a <unit> per message and per plural form,
            placeholders as <ph>, brand terms (the vendor name and cobrand.yaml's brand_terms) marked translate="no",
            translator notes from comments above keys in the default locale's catalogs.

            Example:
              cobrand locales export --locale de-DE --out de-DE.xlf
            """
        )

        @OptionGroup var options: ProjectOptions

        @Option(help: ArgumentHelp("Target locale.", valueName: "tag"))
        var locale: String

        @Option(help: ArgumentHelp("Where to write (default: <locale>.xlf in the current folder).", valueName: "file"))
        var out: String?

        func validate() throws {
            guard LocaleTag(locale) != nil else { throw ValidationError("--locale '\(locale)' is not a locale tag such as de-DE") }
        }

        func run() async throws {
            let (project, _) = try options.load()
            guard let tag = LocaleTag(locale), tag != project.config.defaultLocale else {
                throw UserError("--locale \(locale) is the default locale, the source of every translation; export another locale")
            }
            let document = XLIFF.document(project: project, locale: tag, states: project.reviewStates[tag] ?? [:], notes: project.notes)
            let xml = XLIFF.encode(document, brandTerms: project.config.brandTerms)
            let url = URL(fileURLWithPath: out ?? "\(tag).xlf")
            try AtomicFile.write(Data(xml.utf8), to: url)
            let units = document.files.reduce(0) { $0 + $1.units.count }
            let open = document.files.reduce(0) { $0 + $1.units.filter { $0.state == .initial }.count }
            print("Wrote \(units) units (\(open) untranslated) in \(document.files.count) files to \(url.path)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read translations from an XLIFF 2.0 or 1.2 file into Locales/<target>/.",
            discussion: """
            Checks everything first: well-formed XML, XLIFF version, source = default locale, every unit a known
            key, every placeholder kept. On any problem nothing is written. Reviewed and final states are kept
            in Locales/<locale>/review-states.csv.

            Example:
              cobrand locales import de-DE.xlf
            """
        )

        @OptionGroup var options: ProjectOptions

        @Argument(help: ArgumentHelp("The XLIFF file.", valueName: "file"))
        var file: String

        func run() async throws {
            let (project, _) = try options.load()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw UserError("\(file): cannot be read; check the path")
            }
            let translations: XLIFF.Translations
            do { translations = try XLIFF.read(data, file: file, project: project) } catch { throw UserError(error.description) }
            let files = CatalogWriter.files(for: translations, project: project)
            try CatalogFiles.write(files, project: options.projectURL)
            print("Imported \(translations.texts.count) translations for \(translations.locale) into \(files.keys.sorted().joined(separator: ", "))")
        }
    }
}
