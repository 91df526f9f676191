import CXMLTree
import Foundation

/// An XML document as values, read by libxml2 itself. Foundation's `XMLDocument` leaks every document it parses
/// on Linux (about 6 KB each; `scripts/fuzz` ran the server's SVG cleaner out of memory) and its `XMLParser`
/// loses attribute order. Refused before parsing: empty input, bytes that are not UTF-8, NUL and any DOCTYPE
/// (entities can expand without bound or read files). No network, no DTD, no recovery from broken markup.
struct XMLTree: Equatable, Sendable {
    /// Processing instructions before the root element, by target (`xml-stylesheet`).
    var instructions: [String]
    var root: Element

    enum Node: Equatable, Sendable {
        case element(Element)
        case text(String)
        /// Comments and processing instructions inside the root: kept so a cleaner can name what it drops.
        case comment(String)
        case instruction(String)
    }

    struct Attribute: Equatable, Sendable {
        /// The qualified name as written (`xlink:href`, `xmlns:xlink`).
        var name: String
        var value: String
        var localName: Substring { name.split(separator: ":").last ?? "" }
    }

    struct Element: Equatable, Sendable {
        /// The qualified name as written (`svg:rect`).
        var name: String
        var attributes: [Attribute]
        var children: [Node]

        var localName: Substring { name.split(separator: ":").last ?? "" }

        /// The value of the attribute with this qualified or local name.
        func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name || $0.localName == name }?.value
        }

        /// Every text below this element, in document order.
        var text: String {
            children.map { node in
                switch node {
                case .text(let text): text
                case .element(let element): element.text
                case .comment, .instruction: ""
                }
            }.joined()
        }

        var elements: [Element] { children.compactMap { if case .element(let element) = $0 { element } else { nil } } }

        /// Descendants with this local name, in document order.
        func descendants(named name: String) -> [Element] {
            elements.flatMap { ($0.localName == name ? [$0] : []) + $0.descendants(named: name) }
        }

        /// The element as XML text; text and attribute values escaped.
        var xml: String {
            let attributes = attributes.map { " \($0.name)=\"\(XMLTree.escape($0.value, attribute: true))\"" }.joined()
            guard !children.isEmpty else { return "<\(name)\(attributes)/>" }
            let content = children.map { node in
                switch node {
                case .element(let element): element.xml
                case .text(let text): XMLTree.escape(text, attribute: false)
                case .comment(let text): "<!--\(text)-->"
                case .instruction(let text): "<?\(text)?>"
                }
            }.joined()
            return "<\(name)\(attributes)>\(content)</\(name)>"
        }
    }

    enum Problem: Error, Equatable {
        /// Bytes no parser should see; the reason says which.
        case unreadable(String)
        case doctype
        case malformed(line: Int, reason: String)
    }

    /// The document with an XML declaration, as UTF-8.
    var data: Data { Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.xml + "\n").utf8) }

    static func parse(_ data: Data) throws(Problem) -> XMLTree {
        if data.isEmpty { throw .unreadable("the file is empty") }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable("the file is not UTF-8 text; save it as UTF-8") }
        if data.contains(0) { throw .unreadable("the file has a NUL byte, which XML does not allow") }
        if text.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil || text.range(of: "<!ENTITY", options: .caseInsensitive) != nil {
            throw .doctype
        }
        guard data.count < Int(Int32.max) else { throw .unreadable("the file is too large") }
        var line: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let document = data.withUnsafeBytes { bytes in
            cobrand_xml_parse(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), &line, &message, Int32(message.count))
        }
        guard let document else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw .malformed(line: Int(line), reason: reason.isEmpty ? "not well-formed" : reason)
        }
        defer { cobrand_xml_free(document) }
        var instructions: [String] = []
        var root: Element?
        for node in siblings(cobrand_xml_children(document)) {
            switch cobrand_xml_kind(node) {
            case Int32(COBRAND_XML_ELEMENT): root = element(node)
            case Int32(COBRAND_XML_INSTRUCTION): instructions.append(string(cobrand_xml_name(node)))
            default: continue
            }
        }
        guard let root else { throw .malformed(line: 1, reason: "the document has no root element") }
        return XMLTree(instructions: instructions, root: root)
    }

    private static func element(_ node: UnsafeRawPointer) -> Element {
        var attributes: [Attribute] = []
        var declaration = cobrand_xml_namespaces(node)
        while let current = declaration {
            let name = cobrand_xml_namespace_prefix(current).map { "xmlns:" + String(cString: $0) } ?? "xmlns"
            attributes.append(Attribute(name: name, value: string(cobrand_xml_namespace_uri(current))))
            declaration = cobrand_xml_next_namespace(current)
        }
        var attribute = cobrand_xml_attributes(node)
        while let current = attribute {
            let value = siblings(cobrand_xml_attribute_children(current)).map { string(cobrand_xml_content($0)) }.joined()
            attributes.append(Attribute(name: qualified(cobrand_xml_attribute_name(current), cobrand_xml_attribute_prefix(current)), value: value))
            attribute = cobrand_xml_next_attribute(current)
        }
        let children: [Node] = siblings(cobrand_xml_children(node)).compactMap { child in
            switch Int(cobrand_xml_kind(child)) {
            case COBRAND_XML_ELEMENT: .element(element(child))
            case COBRAND_XML_TEXT, COBRAND_XML_CDATA: .text(string(cobrand_xml_content(child)))
            case COBRAND_XML_COMMENT: .comment(string(cobrand_xml_content(child)))
            case COBRAND_XML_INSTRUCTION: .instruction(string(cobrand_xml_name(child)))
            default: nil
            }
        }
        return Element(name: qualified(cobrand_xml_name(node), cobrand_xml_prefix(node)), attributes: attributes, children: children)
    }

    private static func siblings(_ first: UnsafeRawPointer?) -> [UnsafeRawPointer] {
        var nodes: [UnsafeRawPointer] = []
        var node = first
        while let current = node { nodes.append(current); node = cobrand_xml_next(current) }
        return nodes
    }

    private static func qualified(_ name: UnsafePointer<CChar>?, _ prefix: UnsafePointer<CChar>?) -> String {
        prefix.map { string($0) + ":" + string(name) } ?? string(name)
    }

    private static func string(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0) } ?? ""
    }

    static func escape(_ text: String, attribute: Bool) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"" where attribute: escaped += "&quot;"
            case "\n" where attribute: escaped += "&#10;"
            case "\r": escaped += "&#13;"
            case "\t" where attribute: escaped += "&#9;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
