import Foundation

/// The portal's customisation form, as pure logic: what a partner may edit, what they see in each box, and
/// which submitted values are changes, each checked by the rules the vendor's own files are checked by.
public struct SelfServiceForm: Sendable {
    /// One box of the form.
    public struct Field: Sendable, Equatable {
        /// The form field's name: `profile.phone`, `slot.cloud-migration.offer`, `slot.cloud-migration.intro.de-DE`.
        public let name: String
        /// `""` for the profile, else the campaign.
        public let campaign: String
        /// `""` for every locale.
        public let locale: String
        /// Roster column or slot field.
        public let field: String
        /// The value in effect.
        public let current: String
        /// A change waiting for the vendor, if any.
        public let pending: String?
        public let needsApproval: Bool
        /// Shown when the box is empty: the vendor's default for a slot.
        public let placeholder: String
        /// `allowed` values of a slot, for a choice list.
        public let choices: [String]?
        public let isURL: Bool
        public let maxLength: Int?
        public let multiline: Bool
    }

    /// A checked change, or the message for the box that needs fixing.
    public struct Outcome: Sendable {
        public var changes: [(field: Field, value: String)] = []
        /// Form field name to message.
        public var errors: [String: String] = [:]
    }

    public let fields: [Field]

    /// The form for `partnerID` in `project`, a project with the partner's changes in effect applied; `pending`
    /// holds the values waiting for approval by form field name.
    public init(project: Project, partnerID: String, pending: [String: String]) {
        guard let partner = project.partners.first(where: { $0.id == partnerID }) else {
            fields = []
            return
        }
        let selfService = project.config.selfService
        let row = partner.rosterRow
        var fields = selfService.editable.filter { $0 != "logo" }.map { column in
            let formName = Self.name(campaign: "", locale: "", field: column)
            return Field(name: formName, campaign: "", locale: "", field: column, current: row[column] ?? "",
                         pending: pending[formName], needsApproval: selfService.fields[column] == .required, placeholder: "", choices: nil,
                         isURL: column == "website", maxLength: column == "address" ? 300 : 120, multiline: column == "address")
        }
        let slots = project.slots[partner.id] ?? [:]
        for campaign in project.campaigns {
            for (name, rule) in campaign.fields.sorted(by: { $0.key < $1.key }) {
                // Free text is written per language; choices and web addresses hold for every locale.
                let perLocale = rule.allowed == nil && rule.type == .text
                for locale in perLocale ? partner.locales.map(\.identifier) : [""] {
                    let tag = LocaleTag(locale) ?? partner.locales.first ?? project.config.defaultLocale
                    let formName = Self.name(campaign: campaign.id, locale: locale, field: name)
                    let current = locale.isEmpty ? slots[campaign.id]?.values[name] : slots[campaign.id]?.value(name, locale: tag)
                    let fallback = rule.defaultKey.flatMap { project.strings(for: tag).lookup($0)?.text } ?? rule.defaultValue ?? ""
                    fields.append(Field(name: formName, campaign: campaign.id, locale: locale, field: name, current: current ?? "",
                                        pending: pending[formName], needsApproval: rule.approval == .required, placeholder: fallback,
                                        choices: rule.allowed, isURL: rule.type == .url, maxLength: rule.maxLength, multiline: perLocale))
                }
            }
        }
        self.fields = fields
    }

    /// The form field name of a stored change.
    public static func name(campaign: String, locale: String, field: String) -> String {
        campaign.isEmpty ? "profile.\(field)" : "slot.\(campaign).\(field)" + (locale.isEmpty ? "" : ".\(locale)")
    }

    /// The submitted values that differ from what the box showed, each checked: profile fields by the
    /// roster's rules (with its messages), slots by the manifest's limits. Any error means nothing is saved.
    public func check(_ submitted: [String: String], partner: Partner, project: Project) -> Outcome {
        var outcome = Outcome()
        var row = partner.rosterRow
        for field in fields {
            guard let raw = submitted[field.name] else { continue }
            let value = field.multiline ? raw.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                                        : raw.trimmingCharacters(in: .whitespaces)
            guard value != (field.pending ?? field.current) else { continue }
            if field.campaign.isEmpty {
                row[field.field] = value
            } else if !value.isEmpty, let problem = project.campaigns.first(where: { $0.id == field.campaign })?.fields[field.field]?.problem(with: value) {
                outcome.errors[field.name] = problem
                continue
            }
            outcome.changes.append((field, value))
        }
        let profileChanges = outcome.changes.filter { $0.field.campaign.isEmpty }
        if !profileChanges.isEmpty {
            let (_, diagnostics) = Roster.check(row: row, line: partner.line, file: OverrideSource.file(partner.id), locales: project.locales,
                                                logoFiles: Set(project.partnerLogos.keys))
            for problem in diagnostics.errors {
                guard let column = problem.field, profileChanges.contains(where: { $0.field.field == column }) else { continue }
                outcome.errors[Self.name(campaign: "", locale: "", field: column)] = problem.message
            }
        }
        return outcome
    }

    /// How the kits will draw the partner's colours after the contrast check, for the form to show.
    public static func colorNotes(partner: Partner, project: Project) -> [String: String] {
        Dictionary(PartnerBrand(partner: partner, colors: project.config.colors).adjustments.map { ("profile.\($0.column)", $0.message) },
                   uniquingKeysWith: { first, _ in first })
    }
}
