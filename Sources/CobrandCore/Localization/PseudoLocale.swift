/// The pseudo-locale `en-XA`: every default-locale message accented, about 40% longer and bracketed,
/// so a normal build shows text that is not localized (it stays plain) and layouts that break when
/// translations run long. Placeholders are kept intact.
public enum PseudoLocale {
    public static let tag = LocaleTag(literal: "en-XA")

    static let accents: [Character: Character] = [
        "a": "á", "b": "ƀ", "c": "ç", "d": "ð", "e": "é", "f": "ƒ", "g": "ĝ", "h": "ĥ", "i": "í", "j": "ĵ", "k": "ķ", "l": "ļ",
        "m": "ɱ", "n": "ñ", "o": "ö", "p": "þ", "q": "ǫ", "r": "ŕ", "s": "š", "t": "ţ", "u": "ü", "v": "ṽ", "w": "ŵ", "x": "ẋ",
        "y": "ý", "z": "ž", "A": "Å", "B": "Ɓ", "C": "Ç", "D": "Ð", "E": "É", "F": "Ƒ", "G": "Ĝ", "H": "Ĥ", "I": "Î", "J": "Ĵ",
        "K": "Ķ", "L": "Ļ", "M": "Ṁ", "N": "Ñ", "O": "Ö", "P": "Þ", "Q": "Ǫ", "R": "Ŕ", "S": "Š", "T": "Ţ", "U": "Û", "V": "Ṽ",
        "W": "Ŵ", "X": "Ẋ", "Y": "Ý", "Z": "Ž",
    ]

    /// `Hello {partner.name}` becomes `[Ĥéļļö {partner.name} ·····]`.
    public static func transform(_ message: String) -> String {
        var result = ""
        var visible = 0
        var inPlaceholder = false
        for character in message {
            if character == "{" { inPlaceholder = true }
            if inPlaceholder {
                result.append(character)
            } else {
                result.append(accents[character] ?? character)
                visible += 1
            }
            if character == "}" { inPlaceholder = false }
        }
        let padding = String(repeating: "·", count: max(1, (visible * 4 + 9) / 10))
        return "[" + result + " " + padding + "]"
    }

    /// Accents only, for values formatted by Foundation (dates) so they too show as localized.
    public static func accented(_ text: String) -> String { String(text.map { accents[$0] ?? $0 }) }

    /// The pseudo catalog made from the default locale's catalog.
    public static func catalog(from source: Catalog) -> Catalog {
        var catalog = Catalog(locale: tag, messages: source.messages.mapValues(transform), file: "(pseudo-locale from \(source.locale))")
        catalog.setPlurals(source.plurals.mapValues { $0.mapValues(transform) })
        catalog.isGenerated = true
        return catalog
    }
}
