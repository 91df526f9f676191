import Foundation
import Mustache

/// The raw files of a project, by project-relative path. The file-system adapter fills it;
/// tests build one in memory.
public struct ProjectFiles: Sendable {
    public var files: [String: Data]
    /// Where the roster is, relative to the project or absolute (`--partners`).
    public var rosterPath: String
    /// caniemail's `features.json`, shipped with the product, not a project file; nil skips the email-client
    /// check. Its digest is part of every kit's inputs hash (the preview's compatibility table comes from it).
    public var emailSupport: Data?
    /// Set by the project reader: a missing `emailSupport` is then a warning, not silence.
    public var emailSupportExpected = false

    public init(files: [String: Data], rosterPath: String = Project.defaultRosterPath, emailSupport: Data? = nil) {
        self.files = files
        self.rosterPath = rosterPath
        self.emailSupport = emailSupport
    }

    public subscript(path: String) -> Data? { files[path] }
}

/// Everything a build reads, parsed and checked, with the templates compiled.
public struct Project: Sendable {
    public static let defaultRosterPath = "Assets/partners.csv"
    public static let configPath = "cobrand.yaml"

    public var config: ProjectConfig
    /// Campaigns sorted by id.
    public var campaigns: [Campaign]
    /// Template sources by path under `Templates/` without `.mustache` (`_shared/layouts/email.html`).
    public var templateSources: [String: String]
    /// Compiled templates by name: the path with `/` written as `.` (`_shared.layouts.email.html`),
    /// because Mustache closing tags cannot contain `/`.
    public var library: MustacheLibrary
    /// Markdown articles by path under `Templates/` (`<campaign>/articles/<id>.md`).
    public var articleSources: [String: String]

    /// The library name of a template path: `_shared/layouts/email.html` is `_shared.layouts.email.html`.
    public static func templateName(_ path: String) -> String { String(path.map { $0 == "/" ? "." : $0 }) }
    public var catalogs: [LocaleTag: Catalog]
    public var roster: Roster
    /// Partner logo bytes by file name under `Assets/partners/`.
    public var partnerLogos: [String: Data]
    /// Other files under `Assets/` by path relative to `Assets/`.
    public var assets: [String: Data]
    /// Partner slot values: partner id, then campaign id.
    public var slots: [String: [String: SlotValues]]
    /// SHA-256 of every input file by project-relative path: what a kit's inputs hash is made of.
    public var digests: [String: String]
    /// Digest of each partner's applied portal changes (`applying(_:logos:)`), also in the inputs hash.
    public var overrideDigests: [String: String] = [:]
    /// The roster's file name for messages.
    public var rosterPath: String
    /// Review states of imported translations (`Locales/<locale>/review-states.csv`): unit id to state.
    public var reviewStates: [LocaleTag: [String: XLIFF.State]] = [:]
    /// Translator notes: comments above keys in the default locale's catalogs.
    public var notes: [String: String] = [:]
    /// caniemail findings by email template (`<campaign>/<template>.html`) over its layouts and partials;
    /// empty when the product's caniemail data is missing.
    public var emailFindings: [String: [EmailCompatibility.Finding]] = [:]
    /// The clients emails are checked against (`email.clients`).
    public var emailClients: [EmailClient] { config.email.clients }
    /// Digest of the caniemail data the previews' compatibility tables come from, for the inputs hash.
    public var emailSupportDigest = ""

    public static let reviewStatesFile = "review-states.csv"

    public var partners: [Partner] { roster.partners }
    public var locales: Set<LocaleTag> { Set(catalogs.keys) }

    /// The Markdown of an article for `locale`: `<id>.<tag>.md` along the fallback chain, else `<id>.md`.
    public func article(_ id: String, campaign: String, locale: LocaleTag) -> (markdown: String, file: String)? {
        let base = "\(campaign)/articles/\(id)"
        for tag in locale.fallbackChain(defaultLocale: config.defaultLocale) {
            if let text = articleSources["\(base).\(tag).md"] { return (text, "Templates/\(base).\(tag).md") }
        }
        return articleSources["\(base).md"].map { ($0, "Templates/\(base).md") }
    }

    /// The catalogs to look a message up in for `locale`.
    public func strings(for locale: LocaleTag) -> LocalizedStrings {
        LocalizedStrings(chain: locale.fallbackChain(defaultLocale: config.defaultLocale).compactMap { catalogs[$0] })
    }

    /// Parses and checks every input. Returns nil with the errors when shared inputs (config, templates,
    /// manifests, catalogs) are broken; roster rows and slot files with errors only drop their partner.
    public static func load(_ input: ProjectFiles) -> (project: Project?, diagnostics: [Diagnostic]) {
        var loader = Loader(input: input)
        let project = loader.load()
        return (project, loader.diagnostics.sorted())
    }
}
