import Mustache

/// How a template's `{{ }}` values are escaped: what its source is parsed after.
///
/// HTML goes through `HTMLText.escaped`, Mustache's own escaping byte for byte (`HTMLTextTests`): the library's
/// looks up every `Character` in a dictionary, a tenth of a full build's CPU (issue 19). Its pragma has a line of
/// its own, where it is standalone and leaves no text, so the author's first line parses as it would alone.
/// Plain text is not escaped. Its pragma stays on the author's first line, as it always has: on a line of its own
/// it would change the output of a text template that starts with a standalone tag (that line's newline would go).
enum TemplateEscaping {
    /// The name it is registered under: its own, so the library's "HTML" stays the library's.
    static let html: String = {
        MustacheContentTypes.register(HTMLEscaping(), named: "COBRAND_HTML")
        return "{{% CONTENT_TYPE: COBRAND_HTML}}\n"
    }()

    static let text = "{{% CONTENT_TYPE: TEXT}}"

    /// What the template called `name` is parsed after, and how many lines that adds before the author's first.
    static func prefix(forTemplateNamed name: String) -> (text: String, lines: Int) {
        name.hasSuffix(".txt") ? (text, 0) : (html, 1)
    }

    struct HTMLEscaping: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLText.escaped(text) }
    }
}
