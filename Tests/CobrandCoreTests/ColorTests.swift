import CobrandCore
import Testing

@Suite("Colours and contrast")
struct ColorTests {
    @Test("parses #RRGGBB only", arguments: [("#1f3A93", "#1F3A93"), ("#000000", "#000000")])
    func parse(text: String, normalised: String) {
        #expect(Color(hex: text)?.description == normalised)
    }

    @Test("rejects anything else", arguments: ["1F3A93", "#1F3A9", "#1F3A93;x", "#GGGGGG", "red", "#1F3A93 "])
    func reject(text: String) {
        #expect(Color(hex: text) == nil)
    }

    @Test("WCAG contrast ratios match published values")
    func ratios() {
        #expect(Color.black.contrast(with: .white) == 21)
        // #767676 is the classic lightest grey passing AA on white (4.54:1); #777777 fails (4.48:1).
        #expect(abs(Color(hex: "#767676")!.contrast(with: .white) - 4.542) < 0.001)
        #expect(abs(Color(hex: "#777777")!.contrast(with: .white) - 4.478) < 0.001)
    }

    @Test("a failing colour is replaced by the nearest shade that passes; a passing one is kept")
    func accessible() {
        let yellow = Color(hex: "#FFD23F")!
        // #8C7423 is 4.53:1 on white; the next lighter step, #8D7524, is 4.47:1 (checked independently).
        #expect(yellow.accessible(against: .white) == Color(hex: "#8C7423"))
        #expect(Color(hex: "#1F3A93")!.accessible(against: .white) == Color(hex: "#1F3A93"))
        #expect(Color(hex: "#333333")!.accessible(against: .black).contrast(with: .black) >= 4.5)
    }

    /// A light colour keeps its hue with dark text; only a colour no text colour can sit on is shifted.
    @Test("a partner primary gets the readable text colour first and is shifted only when neither text passes", arguments: [
        ("#FFD23F", "#FFD23F", "#1A1A1A",
         "#FFD23F has contrast 1.44:1 against #FFFFFF text (WCAG AA needs 4.5:1); kits keep it and write #1A1A1A text on it (12.05:1). Set colors.on_primary or pick another colour to silence this."),
        ("#1F3A93", "#1F3A93", "#FFFFFF", nil),
        ("#808080", "#767676", "#FFFFFF",
         "#808080 has contrast 3.95:1 against #FFFFFF (WCAG AA needs 4.5:1); kits use #767676 instead. Pick a darker or lighter colour to silence this."),
    ] as [(String, String, String, String?)])
    func brand(requested: String, primary: String, onPrimary: String, message: String?) {
        let partner = Partner(id: "p", name: "P", locales: [], primaryColor: Color(hex: requested), accentColor: Color(hex: "#C0392B"))
        let brand = PartnerBrand(partner: partner, colors: ProjectConfig.Colors())
        #expect(brand.primary == Color(hex: primary))
        #expect(brand.onPrimary == Color(hex: onPrimary))
        #expect(brand.primary.contrast(with: brand.onPrimary) >= Color.minimumContrast)
        #expect(brand.accent == Color(hex: "#C0392B"))
        #expect(brand.adjustments.map(\.message) == (message.map { [$0] } ?? []))
    }
}
