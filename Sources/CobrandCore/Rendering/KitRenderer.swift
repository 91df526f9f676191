import Crypto
import Foundation
import Mustache
import Synchronization

/// Why a kit could not be rendered.
public enum RenderError: Error, Equatable, CustomStringConvertible {
    case unknownCampaign(String)
    case unknownPartner(String)
    case missingTemplate(name: String, kit: String)
    /// A rendered file breaks a content rule (size, alt text, untagged link...): a template problem.
    case contentRule(kit: String, file: String, problems: [String])
    /// An article's Markdown lacks front matter the feed needs.
    case article(Article.ArticleError)
    case bundle(KitBundle.BundleError)

    public var description: String {
        switch self {
        case let .unknownCampaign(id): return "no campaign '\(id)'; check Templates/\(id)/campaign.yaml"
        case let .unknownPartner(id): return "no partner '\(id)' in the roster"
        case let .missingTemplate(name, kit): return "\(kit): template Templates/\(name).mustache does not exist; create it"
        case let .contentRule(kit, file, problems):
            return problems.map { "\(kit): \(file) \($0)" }.joined(separator: "\n")
        case let .bundle(error): return error.description
        case let .article(error): return error.description
        }
    }
}

/// Renders kits from a loaded project. Pure: values in, bytes out; safe to call from many tasks at once.
public struct KitRenderer: Sendable {
    /// The kit preview page (`index.html`), under `Templates/`.
    public static let previewTemplate = "_shared/preview.html"

    public let project: Project
    /// Signs click, open and view URLs; nil when the project has no tracking base URL.
    public let tracking: TrackingSigner?
    /// Signs generated lead forms (`lead_form.signature`); nil leaves them unsigned.
    public let forms: LeadFormSigner?
    /// Signs emails' unsubscribe links; nil leaves them unsigned, and `cobrand serve` refuses them.
    public let unsubscribe: UnsubscribeSigner?
    private let campaignsByID: [String: Campaign]
    private let partnersByID: [String: Partner]
    /// Digest of the inputs every kit of a campaign shares.
    private let campaignDigests: [String: String]
    /// Digest of each locale folder.
    private let localeDigests: [LocaleTag: String]

    /// Identifies the generator build in inputs hashes, so a new binary re-renders every kit.
    public let generator: String
    /// Email and social images drawn so far, shared by the kits this renderer builds.
    let rasters: RasterCache
    private let rows = RowDigests()
    /// For each campaign and catalog locale, the inputs hash of its kits fed with what they all share.
    private let prefixes: [Prefix: SHA256]
    private let messageTrees: MessageTrees
    /// The tracking, lead-form and unsubscribe signers' fingerprints, in every inputs hash: HMACs made once.
    private let signerFingerprints: [String]

    /// - Parameter drawings: where images drawn by earlier builds are kept; nil draws every image.
    public init(project: Project, tracking: TrackingSigner? = nil, forms: LeadFormSigner? = nil, unsubscribe: UnsubscribeSigner? = nil,
                generator: String = Generator.name, drawings: (any RasterStore)? = nil) {
        rasters = RasterCache(store: drawings, generator: generator)
        self.project = project
        messageTrees = MessageTrees(project: project)
        self.tracking = tracking
        self.forms = forms
        self.unsubscribe = unsubscribe
        self.generator = generator
        signerFingerprints = [tracking?.fingerprint ?? "untracked", forms?.signature(partner: "", campaign: "", asset: "", locale: "") ?? "unsigned",
                              unsubscribe?.fingerprint ?? "unsigned"]
        campaignsByID = Dictionary(uniqueKeysWithValues: project.campaigns.map { ($0.id, $0) })
        partnersByID = Dictionary(project.partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = project.digests.sorted { $0.key < $1.key }
        func digest(_ include: (String) -> Bool) -> String {
            var hasher = SHA256()
            for (path, hash) in sorted where include(path) { hasher.update(data: Data("\(path)\0\(hash)\n".utf8)) }
            return hasher.finalize().hex
        }
        var campaignDigests: [String: String] = [:]
        for campaign in project.campaigns {
            // Post artwork too: a new picture must redraw the share images.
            let assets = Set(campaign.usedAssets.map { "Assets/\($0)" } + [project.config.vendor.logo.map { "Assets/\($0)" }].compactMap { $0 })
            campaignDigests[campaign.id] = digest { path in
                path == Project.configPath || path.hasPrefix("Templates/_shared/") || path.hasPrefix("Templates/\(campaign.id)/")
                    || assets.contains(path)
            }
        }
        self.campaignDigests = campaignDigests
        let localeDigests = Dictionary(uniqueKeysWithValues: project.catalogs.keys.map { tag in
            (tag, digest { $0.hasPrefix("Locales/\(tag.identifier)/") })
        })
        self.localeDigests = localeDigests
        var prefixes: [Prefix: SHA256] = [:]
        for campaign in project.campaigns {
            for locale in project.catalogs.keys {
                let prefix = Prefix(campaign: campaign.id, locale: locale)
                prefixes[prefix] = Self.prefix(prefix, generator: generator, signers: signerFingerprints,
                    campaign: campaignDigests[campaign.id] ?? "", emailSupport: project.emailSupportDigest,
                    chain: Self.chain(locale, defaultLocale: project.config.defaultLocale, digests: localeDigests))
            }
        }
        self.prefixes = prefixes
    }

    /// `locale`'s fallback chain, each locale followed by its catalog's digest.
    private static func chain(_ locale: LocaleTag, defaultLocale: LocaleTag, digests: [LocaleTag: String]) -> [String] {
        locale.fallbackChain(defaultLocale: defaultLocale).flatMap { [$0.identifier, digests[$0] ?? ""] }
    }

    /// Every kit the project describes: each campaign for each partner in each of its locales, sorted.
    public var allKits: [KitID] {
        project.campaigns.flatMap { campaign in
            project.partners.flatMap { partner in
                partner.locales.map { KitID(campaign: campaign.id, partner: partner.id, locale: $0) }
            }
        }.sorted()
    }

    /// SHA-256 over everything the kit is made from: generator, config, templates, manifest, assets,
    /// catalogs of the fallback chain, the partner's roster row, logo, slot values and portal changes, and the
    /// caniemail data behind the preview's compatibility table.
    public func inputsHash(for id: KitID) -> String {
        let prefix = Prefix(campaign: id.campaign, locale: id.locale)
        var hasher = prefixes[prefix]
            ?? Self.prefix(prefix, generator: generator, signers: signerFingerprints, campaign: campaignDigests[id.campaign] ?? "",
                           emailSupport: project.emailSupportDigest,
                           chain: Self.chain(id.locale, defaultLocale: project.config.defaultLocale, digests: localeDigests))
        Self.add(id.partner, to: &hasher)
        let files = [project.digests["Assets/slots/\(id.partner).yaml"] ?? "", project.overrideDigests[id.partner] ?? ""]
        if let partner = partnersByID[id.partner] {
            rows.digest(of: partner, and: (partner.logo.map { [project.digests["Assets/partners/\($0)"] ?? ""] } ?? []) + files)
                .withUnsafeBytes { hasher.update(bufferPointer: $0) }
        } else {
            for text in files { Self.add(text, to: &hasher) }
        }
        return hasher.finalize().hex
    }

    /// What every kit of a campaign in a locale shares, hashed once: the hash of each kit goes on from a copy.
    private struct Prefix: Hashable {
        let campaign: String
        let locale: LocaleTag
    }

    private static func prefix(_ kits: Prefix, generator: String, signers: [String], campaign: String, emailSupport: String,
                               chain: [String]) -> SHA256 {
        var hasher = SHA256()
        for text in [generator, kits.campaign, kits.locale.identifier] + signers + [campaign, emailSupport] + chain { add(text, to: &hasher) }
        return hasher
    }

    /// `text` and a NUL, so that no two sequences of texts hash alike.
    private static func add(_ text: String, to hasher: inout SHA256) {
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
    }

    /// Each partner's roster row and the digests of its own files (logo, slots, portal changes), hashed once
    /// for all its kits and kept for the renderer's life, as the project cannot change under it: `files` is
    /// asked for only the first time a partner is seen.
    final class RowDigests: Sendable {
        private let digests = Mutex<[String: SHA256.Digest]>([:])

        func digest(of partner: Partner, and files: @autoclosure () -> [String] = []) -> SHA256.Digest {
            if let digest = digests.withLock({ $0[partner.id] }) { return digest }
            // The row's columns, not its line: moving a row in the file changes nothing in its kits.
            var hasher = SHA256()
            let row = partner.rosterRow
            KitRenderer.add("\(row.count)", to: &hasher)
            for (column, value) in row.sorted(by: { $0.key < $1.key }) {
                KitRenderer.add(column, to: &hasher)
                KitRenderer.add(value, to: &hasher)
            }
            for file in files() { KitRenderer.add(file, to: &hasher) }
            let digest = hasher.finalize()
            digests.withLock { $0[partner.id] = digest }
            return digest
        }
    }

    /// Renders the kit's component files, assets, preview and manifest, and zips them.
    public func render(_ id: KitID) throws(RenderError) -> RenderedKit {
        guard let campaign = campaignsByID[id.campaign] else { throw .unknownCampaign(id.campaign) }
        guard let partner = partnersByID[id.partner] else { throw .unknownPartner(id.partner) }
        let context = KitContext(project: project, campaign: campaign, partner: partner, locale: id.locale, tracking: tracking, forms: forms,
                                 unsubscribe: unsubscribe, messages: messageTrees.tree(for: id.locale))
        var files = context.assetFiles()

        for component in campaign.components {
            switch component.kind {
            case .emailSequence:
                files += try renderEmails(component, context: context, id: id, start: component.startDate)
            case .webinar:
                files += try renderWebinar(component, context: context, id: id)
            case .landingPage:
                let path = "\(component.id)/index.html"
                let model = context.model(forFileAt: path, component: component, asset: component.id)
                files.append(try checkedPage(path, try render("\(campaign.id)/\(component.template ?? "").html", model, id), id))
            case .syndication:
                files += try renderSyndication(component, context: context, id: id)
            case .social:
                for file in try renderSocial(component, context: context, id: id) where !files.contains(where: { $0.path == file.path }) {
                    files.append(file)
                }
            case .document:
                files += try renderDocument(component, context: context, id: id)
            }
        }

        // Emails of one kit draw the same logo at the same size: one file.
        var seen = Set<String>()
        files = files.filter { seen.insert($0.path).inserted }
        let inputsHash = inputsHash(for: id)
        let listed = files + [KitFile(path: "manifest.json", data: Data())]
        let preview = KitFile(path: "index.html", text: try render(Self.previewTemplate, context.previewModel(files: listed), id))
        files.append(preview)
        let manifest = KitBundle.manifest(for: id, inputsHash: inputsHash, files: files)
        files.append(KitFile(path: "manifest.json", data: manifest.encoded()))
        files.sort { $0.path < $1.path }
        let zip: Data
        do { zip = try KitBundle.zip(files, root: id.slug) } catch { throw .bundle(error) }
        return RenderedKit(id: id, inputsHash: inputsHash, files: files, zip: zip, zipSHA256: Checksum.sha256(zip))
    }

    /// An HTML page after the content rules (alt texts, tagged links).
    func checkedPage(_ path: String, _ html: String, _ id: KitID) throws(RenderError) -> KitFile {
        let problems = ContentRules.pageProblems(html, tracking: tracking)
        guard problems.isEmpty else { throw .contentRule(kit: id.description, file: path, problems: problems) }
        return KitFile(path: path, text: html)
    }

    func render(_ template: String, _ model: [String: Any], _ id: KitID) throws(RenderError) -> String {
        guard let text = project.library.render(model, withTemplate: Project.templateName(template)) else {
            throw .missingTemplate(name: template, kit: id.description)
        }
        return text
    }
}
