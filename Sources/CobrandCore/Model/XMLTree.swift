import CLibXML2
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
        _ = initialized
        guard let context = xmlNewParserCtxt() else { throw .unreadable("out of memory") }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)
        let document = data.withUnsafeBytes { bytes in
            xmlCtxtReadMemory(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil, "UTF-8", options)
        }
        guard let document else {
            let error = xmlCtxtGetLastError(context)
            let reason = error.flatMap { $0.pointee.message.map { String(cString: $0) } }?.trimmingCharacters(in: .whitespacesAndNewlines)
            throw .malformed(line: Int(error?.pointee.line ?? 0), reason: reason ?? "not well-formed")
        }
        defer { xmlFreeDoc(document) }
        var instructions: [String] = []
        var root: Element?
        for node in siblings(document.pointee.children) {
            switch node.pointee.type {
            case XML_ELEMENT_NODE: root = element(node)
            case XML_PI_NODE: instructions.append(string(node.pointee.name))
            default: continue
            }
        }
        guard let root else { throw .malformed(line: 1, reason: "the document has no root element") }
        return XMLTree(instructions: instructions, root: root)
    }

    /// libxml2 asks to be initialised once before threads share it.
    private static let initialized: Void = xmlInitParser()

    private static func element(_ node: xmlNodePtr) -> Element {
        var attributes: [Attribute] = []
        var namespace = node.pointee.nsDef
        while let declaration = namespace {
            let prefix = declaration.pointee.prefix.map { "xmlns:" + string($0) } ?? "xmlns"
            attributes.append(Attribute(name: prefix, value: string(declaration.pointee.href)))
            namespace = declaration.pointee.next
        }
        var property = node.pointee.properties
        while let attribute = property {
            let value = siblings(attribute.pointee.children).map { string($0.pointee.content) }.joined()
            attributes.append(Attribute(name: qualified(attribute.pointee.name, attribute.pointee.ns), value: value))
            property = attribute.pointee.next
        }
        let children: [Node] = siblings(node.pointee.children).compactMap { child in
            switch child.pointee.type {
            case XML_ELEMENT_NODE: .element(element(child))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE: .text(string(child.pointee.content))
            case XML_COMMENT_NODE: .comment(string(child.pointee.content))
            case XML_PI_NODE: .instruction(string(child.pointee.name))
            default: nil
            }
        }
        return Element(name: qualified(node.pointee.name, node.pointee.ns), attributes: attributes, children: children)
    }

    private static func siblings(_ first: xmlNodePtr?) -> [xmlNodePtr] {
        var nodes: [xmlNodePtr] = []
        var node = first
        while let current = node { nodes.append(current); node = current.pointee.next }
        return nodes
    }

    private static func qualified(_ name: UnsafePointer<xmlChar>?, _ namespace: xmlNsPtr?) -> String {
        namespace?.pointee.prefix.map { string($0) + ":" + string(name) } ?? string(name)
    }

    private static func string(_ text: UnsafePointer<xmlChar>?) -> String {
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
