/// The colours a partner's kits use, after the WCAG AA check.
///
/// The primary colour is drawn behind `onPrimary` text (header bands, buttons); the accent colour is
/// drawn as link text on the page background. A partner colour that fails 4.5:1 against its pair is
/// replaced by the nearest darker or lighter shade that passes; `adjustments` says what changed.
public struct PartnerBrand: Equatable, Sendable {
    public struct Adjustment: Equatable, Sendable {
        /// Roster column: `primary_color` or `accent_color`.
        public let column: String
        public let requested: Color
        public let against: Color
        public let used: Color

        public var message: String {
            let ratio = requested.contrast(with: against)
            return "\(requested) has contrast \(String(format: "%.2f", ratio)):1 against \(against) "
                + "(WCAG AA needs 4.5:1); kits use \(used) instead. Pick a darker or lighter colour to silence this."
        }
    }

    public let primary: Color
    public let accent: Color
    public let onPrimary: Color
    public let text: Color
    public let background: Color
    public let adjustments: [Adjustment]

    public init(partner: Partner, colors: ProjectConfig.Colors) {
        var adjustments: [Adjustment] = []
        func checked(_ requested: Color?, fallback: Color, against: Color, column: String) -> Color {
            let color = requested ?? fallback
            let used = color.accessible(against: against)
            if let requested, used != requested {
                adjustments.append(Adjustment(column: column, requested: requested, against: against, used: used))
            }
            return used
        }
        primary = checked(partner.primaryColor, fallback: colors.primary, against: colors.onPrimary, column: "primary_color")
        accent = checked(partner.accentColor, fallback: colors.accent, against: colors.background, column: "accent_color")
        onPrimary = colors.onPrimary
        text = colors.text
        background = colors.background
        self.adjustments = adjustments
    }
}
