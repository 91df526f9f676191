import Crypto
import Foundation

/// A partner's own changes from the portal, layered over their roster row and slot file. The store keeps
/// them; a build applies them, so a partner's publish and a full build render the same bytes.
public struct PartnerOverrides: Sendable, Equatable {
    /// Roster column to value; an empty value clears the column. `logo` is a stored upload's file name.
    public var profile: [String: String]
    /// Campaign, then locale (`""` for every locale), then field.
    public var slots: [String: [String: [String: String]]]

    public init(profile: [String: String] = [:], slots: [String: [String: [String: String]]] = [:]) {
        self.profile = profile
        self.slots = slots
    }

    public var isEmpty: Bool { profile.isEmpty && slots.isEmpty }

    /// SHA-256 over every value in a fixed order: part of each of the partner's kits' inputs hash.
    public var digest: String {
        var hasher = SHA256()
        func add(_ parts: String...) { for part in parts { hasher.update(data: Data(part.utf8)); hasher.update(data: Data([0])) } }
        for (column, value) in profile.sorted(by: { $0.key < $1.key }) { add("profile", column, value) }
        for (campaign, locales) in slots.sorted(by: { $0.key < $1.key }) {
            for (locale, fields) in locales.sorted(by: { $0.key < $1.key }) {
                for (field, value) in fields.sorted(by: { $0.key < $1.key }) { add("slot", campaign, locale, field, value) }
            }
        }
        return hasher.finalize().hex
    }
}

/// Where messages about a partner's portal changes point: the portal, not a file the vendor can open.
public enum OverrideSource {
    public static func file(_ partner: String) -> String { "portal changes of \(partner)" }
}

extension Project {
    /// The project with partners' portal changes applied over the roster and slot files. `logos` holds
    /// uploaded logo bytes by stored name. A change today's rules refuse (they were checked when saved, so
    /// only a changed manifest or roster does that) is left out and reported as a warning.
    public func applying(_ overrides: [String: PartnerOverrides], logos: [String: Data]) -> (project: Project, diagnostics: [Diagnostic]) {
        guard !overrides.isEmpty else { return (self, []) }
        var project = self
        var diagnostics: [Diagnostic] = []
        for (name, data) in logos {
            project.partnerLogos[name] = data
            project.digests["Assets/partners/\(name)"] = Checksum.sha256(data)
        }
        let logoFiles = Set(project.partnerLogos.keys)
        let campaigns = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0) })
        var partners = roster.partners
        for index in partners.indices {
            let partner = partners[index]
            guard let changes = overrides[partner.id], !changes.isEmpty else { continue }
            let file = OverrideSource.file(partner.id)
            if !changes.profile.isEmpty {
                let row = partner.rosterRow.merging(changes.profile) { _, new in new }
                let (checked, problems) = Roster.check(row: row, line: partner.line, file: file, locales: locales, logoFiles: logoFiles)
                if let checked {
                    partners[index] = checked
                } else {
                    diagnostics += problems.errors.map { .warning(file, field: $0.field, "not applied: \($0.message)") }
                }
            }
            var slots = project.slots[partner.id] ?? [:]
            for (campaignID, locales) in changes.slots {
                guard let campaign = campaigns[campaignID] else { continue }
                var values = slots[campaignID] ?? SlotValues()
                for (locale, fields) in locales {
                    for (field, value) in fields {
                        guard let rule = campaign.fields[field] else { continue }
                        if value.isEmpty {  // back to the vendor's default
                            if let tag = LocaleTag(locale) { values.byLocale[tag]?[field] = nil } else { values.values[field] = nil }
                        } else if let problem = rule.problem(with: value) {
                            diagnostics.append(.warning(file, field: "\(campaignID).\(field)", "not applied: \(problem)"))
                        } else if let tag = LocaleTag(locale) {
                            values.byLocale[tag, default: [:]][field] = value
                        } else {
                            values.values[field] = value
                        }
                    }
                }
                slots[campaignID] = values
            }
            project.slots[partner.id] = slots
            project.overrideDigests[partner.id] = changes.digest
        }
        project.roster = Roster(partners: partners, diagnostics: roster.diagnostics)
        return (project, diagnostics)
    }
}
