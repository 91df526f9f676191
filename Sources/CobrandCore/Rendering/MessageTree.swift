import Synchronization

/// A locale's catalog messages as templates see them (`{{t.email.subject}}`): nested at the dots of their
/// keys. Made once per locale and renderer; a kit then fills in only the messages with `{placeholders}`,
/// instead of formatting and nesting every message of the locale again (a tenth of each kit's render).
struct MessageTree: @unchecked Sendable {
    // Unchecked: `[String: Any]` is not Sendable, but this one is built once and only read; a kit's changes
    // go to its own copy (copy-on-write).
    private let shared: [String: Any]
    /// The messages with placeholders that templates can reach: where each sits in `shared`, and its text.
    private let placeheld: [(path: [String], text: String)]
    /// Every message by key, unformatted; a plural message by its `other` form.
    let flat: [String: String]

    init(_ strings: LocalizedStrings) {
        var flat: [String: String] = [:]
        for key in strings.keys {
            if let found = strings.lookup(key) { flat[key] = found.text }
        }
        // Without a count, a plural message shows its `other` form.
        for catalog in strings.chain {
            for (key, forms) in catalog.plurals where flat[key] == nil { flat[key] = forms[.other] ?? "" }
        }
        let shared = Self.nest(flat)
        // A message whose key ends under another message's (`a.b` beside `a`) is out of reach, as in `nest`.
        placeheld = flat.compactMap { key, text in
            guard text.utf8.contains(UInt8(ascii: "{")) else { return nil }
            let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            return Self.leaf(at: path[...], in: shared) == text ? (path, text) : nil
        }
        self.shared = shared
        self.flat = flat
    }

    /// The tree with `values` in its messages' placeholders (`Catalog.format`).
    func filled(_ values: [String: String]) -> [String: Any] {
        var tree = shared
        for (path, text) in placeheld {
            let filled = Catalog.format(text, values)
            if filled != text { Self.set(filled, at: path[...], in: &tree) }
        }
        return tree
    }

    /// Groups keys by their first dot, level by level; a message and a group of the same name keep the message.
    static func nest(_ flat: [String: String]) -> [String: Any] {
        var leaves: [String: Any] = [:]
        var groups: [String: [String: String]] = [:]
        for (key, value) in flat {
            if let dot = key.firstIndex(of: ".") {
                groups[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = value
            } else {
                leaves[key] = value
            }
        }
        for (key, group) in groups where leaves[key] == nil { leaves[key] = nest(group) }
        return leaves
    }

    private static func leaf(at path: ArraySlice<String>, in tree: [String: Any]) -> String? {
        guard let first = path.first else { return nil }
        return path.count == 1 ? tree[first] as? String : (tree[first] as? [String: Any]).flatMap { leaf(at: path.dropFirst(), in: $0) }
    }

    private static func set(_ text: String, at path: ArraySlice<String>, in tree: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            tree[first] = text
        } else if var group = tree[first] as? [String: Any] {
            // Dropped from the tree first, so a group this kit already copied is changed in place, not copied again.
            tree[first] = nil
            set(text, at: path.dropFirst(), in: &group)
            tree[first] = group
        }
    }
}

extension KitRenderer {
    /// Each locale's `MessageTree`, made when a kit of that locale is first rendered.
    final class MessageTrees: Sendable {
        private let project: Project
        private let trees = Mutex<[LocaleTag: MessageTree]>([:])

        init(project: Project) { self.project = project }

        func tree(for locale: LocaleTag) -> MessageTree {
            if let tree = trees.withLock({ $0[locale] }) { return tree }
            let tree = MessageTree(project.strings(for: locale))
            trees.withLock { $0[locale] = tree }
            return tree
        }
    }
}
