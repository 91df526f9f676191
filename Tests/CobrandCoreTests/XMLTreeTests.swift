import Foundation
import Testing
@testable import CobrandCore

@Suite("XMLTree")
struct XMLTreeTests {
    @Test("a document reads into values and writes back with attribute order, namespaces, text and escapes intact")
    func roundTrip() throws {
        let source = #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="2" height="1">"#
            + ##"<title>A &amp; B &lt;3</title><use xlink:href="#a" data-x="say &quot;hi&quot;&#10;twice"/><style><![CDATA[a > b {}]]></style></svg>"##
        let tree = try XMLTree.parse(Data(source.utf8))
        #expect(tree.root.attributes.map(\.name) == ["xmlns", "xmlns:xlink", "width", "height"])
        #expect(tree.root.descendants(named: "title").first?.text == "A & B <3")
        #expect(tree.root.descendants(named: "use").first?.attribute("href") == "#a")
        #expect(tree.root.descendants(named: "use").first?.attribute("data-x") == "say \"hi\"\ntwice")
        #expect(tree.root.descendants(named: "style").first?.text == "a > b {}")
        let written = String(decoding: tree.data, as: UTF8.self)
        #expect(written == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="2" height="1">"#
            + ##"<title>A &amp; B &lt;3</title><use xlink:href="#a" data-x="say &quot;hi&quot;&#10;twice"/><style>a &gt; b {}</style></svg>"## + "\n")
        #expect(try XMLTree.parse(tree.data) == tree)
    }

    @Test("broken markup names its line; a DOCTYPE and unreadable bytes are refused before parsing", arguments: [
        ("<a>\n<b>\n</a>", XMLTree.Problem.malformed(line: 3, reason: "Premature end of data in tag a line 1")),
        ("<a></a><b/>", .malformed(line: 1, reason: "Extra content at the end of the document")),
        ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", .doctype),
        ("", .unreadable("the file is empty")),
    ])
    func problems(source: String, problem: XMLTree.Problem) {
        #expect(throws: problem) { try XMLTree.parse(Data(source.utf8)) }
    }
}
