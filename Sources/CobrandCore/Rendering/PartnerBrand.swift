/// The colours a partner's kits use, after the WCAG AA check.
///
/// The primary colour is drawn behind `onPrimary` text (header bands, buttons); the accent colour is
/// drawn as link text on the page background. A primary that fails 4.5:1 against the configured text on it
/// keeps its colour and gets the other readable text (dark `text` or light `background`, whichever contrasts
/// more): a yellow stays yellow with dark text. Only when neither passes, and for an accent that fails
/// against the background, the colour is replaced by the nearest darker or lighter shade that passes.
/// `adjustments` says what changed.
public struct PartnerBrand: Equatable, Sendable {
    public struct Adjustment: Equatable, Sendable {
        /// Roster column: `primary_color` or `accent_color`.
        public let column: String
        public let requested: Color
        public let against: Color
        public let used: Color
        /// The text colour kits draw on `used`, when it is not `against`.
        public var text: Color?

        public var message: String {
            let ratio = String(format: "%.2f", requested.contrast(with: against))
            if let text {
                return "\(requested) has contrast \(ratio):1 against \(against) text (WCAG AA needs 4.5:1); kits keep it and write "
                    + "\(text) text on it (\(String(format: "%.2f", used.contrast(with: text))):1). Set colors.on_primary or pick another colour to silence this."
            }
            return "\(requested) has contrast \(ratio):1 against \(against) "
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
        let requested = partner.primaryColor ?? colors.primary
        let readable = [colors.text, colors.background].filter { requested.contrast(with: $0) >= Color.minimumContrast }
            .max { requested.contrast(with: $0) < requested.contrast(with: $1) }
        if requested.contrast(with: colors.onPrimary) < Color.minimumContrast, let readable {
            primary = requested
            onPrimary = readable
            if let color = partner.primaryColor {
                adjustments.append(Adjustment(column: "primary_color", requested: color, against: colors.onPrimary, used: color, text: readable))
            }
        } else {
            primary = checked(partner.primaryColor, fallback: colors.primary, against: colors.onPrimary, column: "primary_color")
            onPrimary = colors.onPrimary
        }
        accent = checked(partner.accentColor, fallback: colors.accent, against: colors.background, column: "accent_color")
        text = colors.text
        background = colors.background
        self.adjustments = adjustments
    }
}
