@testable import CobrandCore
import Foundation
import Testing
import Yams

@Suite("Reading YAML")
struct YAMLInputTests {
    /// A value as text that names each scalar's type, with mappings in key order, so two loads compare whole.
    static func shape(_ value: Any?) -> String {
        switch value {
        case nil: "nil"
        case let mapping as [AnyHashable: Any]:
            "{" + mapping.map { "\(shape($0.key.base)): \(shape($0.value))" }.sorted().joined(separator: ", ") + "}"
        case let list as [Any]: "[" + list.map(shape).joined(separator: ", ") + "]"
        case let value?: "\(type(of: value))(\(value))"
        }
    }

    @Test("untyped YAML reads as Yams' default rules read it: numbers, booleans, nulls, dates and merge keys, quoted text as text", arguments: [
        "greeting: Hello\nsubject: 'Your {count} seats'\nnested:\n  cta: Book now\n",
        "a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1_000\nf: 1.5\ng: .5\nh: 1e3\ni: .inf\nj: -.Inf\nk: 190:20:30\n",
        "a: yes\nb: No\nc: TRUE\nd: off\ne: On\nf: null\ng: ~\nh:\ni: 'yes'\nj: \"1\"\nk: !!str 12\nl: nope\nm: yess\n",
        "a: 2024-05-01\nb: 2024-05-01 10:00:00 +02:00\nc: 2024-5-1T1:00:00Z\nd: 2024-05-01x\n",
        "base: &base\n  a: 1\n  b: two\nchild:\n  <<: *base\n  c: three\nlist: [1, '2', three, 4.0, ~, =, <<]\n",
        "1: one\n-1: minus\ntrue: yes\n~: nothing\n.5: half\n'1': quoted\n",
        "=: value\n+: plus\n-: minus\n.: dot\n<: less\n",
        "1: one\n!!str 2: two\n? !!int '3'\n: three\nyes: [on, 'off', !!str true]\n",
    ])
    func sameAsYams(yaml: String) throws {
        let ours = try YAMLInput.load(yaml, file: "x.yaml")
        let theirs = try Yams.load(yaml: yaml)
        #expect(Self.shape(ours) == Self.shape(theirs))
        #expect(Self.shape(ours) != "nil")
    }

    @Test("only text that one of the default rules could match is handed to them", arguments: [
        ("", true), ("1", true), ("-x", true), ("+", true), (".inf", true), ("~", true), ("<<", true), ("=", true),
        ("yes", true), ("OFF", true), ("Null", true), ("Hello", false), ("yess", false), ("nULL", false), ("Book now", false), (" 1", false),
    ])
    func mayBeTyped(text: String, expected: Bool) {
        #expect(YAMLInput.mayBeTyped(text) == expected)
    }

    @Test("a duplicated key is the error Yams reports, also when the keys are equal only once typed", arguments: [
        "a: 1\nb: 2\na: 3\n", "1: a\n!!int 1: b\n", "true: a\n!!bool true: b\n", "x:\n  ~: a\n  !!null ~: b\n",
    ])
    func duplicates(yaml: String) throws {
        var yams: YamlError?
        do { _ = try Yams.load(yaml: yaml) } catch let error as YamlError { yams = error }
        let expected = try #require(yams)
        #expect(throws: ProjectError([YAMLInput.diagnostic(for: expected, file: "x.yaml")])) { try YAMLInput.load(yaml, file: "x.yaml") }
    }

    @Test("a catalog read straight from its nodes is the catalog read through Yams' values; what only the general reading takes is left to it", arguments: [
        ("greeting: Hello\nsubject: 'Your {count} seats'\nnested:\n  cta: Book now\n  deeper: {a: \"x\", b: y}\n", true),
        ("seats:\n  one: '{count} seat'\n  other: '{count} seats'\nnot_plural:\n  one: x\n  two: y\nfew:\n  one: 1 seat\n  other: 2+ seats\n", true),
        ("a: 1\nb: -2.5\nc: yes\nd: 10% off\ne: 0x1F\nf: 'yes'\ng: .5\n", true),
        ("empty: {}\nx: !!str 12\nyes: 'yes'\nno: no\n1: one\n~: tilde\n'2': two\n", true),
        ("a: null\n", false), ("a:\n", false), ("a: [1, 2]\n", false), ("a: 2024-05-01\n", false),
        ("1: one\n'1': again\n", false), ("a: x\na.b: y\nb: {c: z}\nb.c: w\n", false),
        ("base: &base\n  a: x\nchild:\n  <<: *base\n", false),
        ("seats:\n  one: 1\n  other: many\n", false), ("- a\n- b\n", false),
        ("a: .inf\nb: 0o17\nc: -.5\nd: 'x: y'\n", true), ("a: &x hi\nb: *x\n", true), ("'<<': x\n", false),
        ("seats:\n  one: yes\n  other: many\n", false), ("a: !!binary aGk=\n", false),
    ])
    func catalogFromNodes(yaml: String, straight: Bool) throws {
        var general = Catalog(locale: LocaleTag("en-US")!)
        var generalProblems: ProjectError?
        do { try general.addFromValues(YAMLInput.load(yaml, file: "x.yaml"), file: "x.yaml") } catch { generalProblems = error }
        var fromNodes = Catalog(locale: LocaleTag("en-US")!)
        let root = try #require(try YAMLInput.compose(yaml, file: "x.yaml"))
        #expect(fromNodes.addFromNodes(root, file: "x.yaml") == straight)
        if straight {
            #expect(generalProblems == nil)
            #expect(fromNodes == general)
        } else {
            #expect(fromNodes == Catalog(locale: LocaleTag("en-US")!))
        }
        var added = Catalog(locale: LocaleTag("en-US")!)
        var problems: ProjectError?
        do { try added.add(yaml: yaml, file: "x.yaml") } catch { problems = error }
        #expect(added == general)
        #expect(problems == generalProblems)
    }

    @Test("a key another file defined is left to the general reading, which reports it")
    func catalogKeyDefinedBefore() throws {
        var catalog = Catalog(locale: LocaleTag("en-US")!)
        try catalog.add(yaml: "a: x\n", file: "one.yaml")
        #expect(throws: ProjectError([.error("two.yaml", field: "a", "is also defined in one.yaml; keep one")])) {
            try catalog.add(yaml: "a: y\n", file: "two.yaml")
        }
    }
}
