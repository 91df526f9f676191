import CobrandCore
import CobrandTesting
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("XLIFF export and import")
struct XLIFFTests {
    static let german = LocaleTag("de-DE")!

    /// The project after writing the imported files, loaded again.
    func reimported(_ xml: String, into changes: [String: String?] = [:]) throws -> Project {
        let project = try Fixture.loaded(changes)
        let translations = try XLIFF.read(Data(xml.utf8), file: "in.xlf", project: project)
        let written = CatalogWriter.files(for: translations, project: project)
        return try Fixture.loaded(changes.merging(written.mapValues { Optional($0) }) { $1 })
    }

    @Test("export then import gives back the same catalog, plurals and review states included")
    func roundTrip() throws {
        let plurals: [String: String?] = [
            "Locales/en-US/plural.yaml": "# Shown under the webinar title.\nlaunch:\n  # Minutes of the session.\n  minutes:\n    one: \"{count} minute\"\n    other: \"{count} minutes with {vendor.name}\"\n",
            "Locales/de-DE/plural.yaml": "launch:\n  minutes:\n    one: \"eine Minute\"\n    other: \"{count} Minuten mit {vendor.name}\"\n",
            "Locales/de-DE/review-states.csv": "unit,state\r\nlaunch.title,final\r\n",
        ]
        let project = try Fixture.loaded(plurals)
        let document = XLIFF.document(project: project, locale: Self.german, states: project.reviewStates[Self.german] ?? [:], notes: project.notes)
        let xml = XLIFF.encode(document, brandTerms: ["Vendorco"])
        let after = try reimported(xml, into: plurals)
        let before = try #require(project.catalogs[Self.german])
        let again = try #require(after.catalogs[Self.german])
        #expect(again.messages == before.messages)
        #expect(again.plurals == before.plurals)
        #expect(after.reviewStates[Self.german] == ["launch.title": .final])
        // A second export is identical: nothing was lost on the way.
        #expect(XLIFF.encode(XLIFF.document(project: after, locale: Self.german, states: after.reviewStates[Self.german] ?? [:], notes: after.notes), brandTerms: ["Vendorco"]) == xml)
    }

    @Test("the export is XLIFF 2.0: files per campaign, ph for placeholders, notes, states, untranslated units initial")
    func shape() throws {
        let project = try Fixture.loaded(["Locales/en-US/extra.yaml": "launch:\n  # Keep it short.\n  tagline: \"{vendor.name} for {partner.name}\"\n"])
        let xml = XLIFF.encode(XLIFF.document(project: project, locale: Self.german, notes: project.notes), brandTerms: ["Vendorco"])
        let document = try XMLDocument(data: Data(xml.utf8))
        let root = try #require(document.rootElement())
        #expect(root.uri == "urn:oasis:names:tc:xliff:document:2.0")
        #expect(root.attributes?.first { $0.name == "version" }?.stringValue == "2.0")
        #expect(root.attributes?.first { $0.name == "trgLang" }?.stringValue == "de-DE")
        let files = try root.nodes(forXPath: "./*[local-name()='file']").compactMap { ($0 as? XMLElement)?.attributes?.first { $0.name == "id" }?.stringValue }
        #expect(files == ["launch", "shared"])
        #expect(xml.contains("""
                <unit id="launch.tagline">
                  <notes><note category="translator">Keep it short.</note></notes>
                  <segment state="initial">
                    <source><ph id="ph1" disp="{vendor.name}" equiv="{vendor.name}"/> for <ph id="ph2" disp="{partner.name}" equiv="{partner.name}"/></source>
                  </segment>
                </unit>
            """))
        #expect(xml.contains("<target>Hallo von <ph id=\"ph1\" disp=\"{partner.contact_name}\" equiv=\"{partner.contact_name}\"/>.</target>"))
    }

    @Test("brand terms are marked translate=no")
    func brandTerms() throws {
        let project = try Fixture.loaded(["Locales/en-US/extra.yaml": "launch:\n  brand: \"Try Vendorco Cloud today\"\n"])
        let xml = XLIFF.encode(XLIFF.document(project: project, locale: Self.german), brandTerms: ["Vendorco Cloud", "Vendorco"])
        #expect(xml.contains("<source>Try <mrk id=\"m1\" translate=\"no\">Vendorco Cloud</mrk> today</source>"))
    }

    @Test("an XLIFF 1.2 file from an agency tool imports")
    func version12() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
              <file original="messages" source-language="en-US" target-language="de-DE" datatype="plaintext">
                <body>
                  <trans-unit id="launch.subject">
                    <source>News from <x id="1" equiv-text="{partner.name}"/></source>
                    <target state="signed-off">Aktuelles von <x id="1" equiv-text="{partner.name}"/></target>
                  </trans-unit>
                  <trans-unit id="launch.cta" approved="yes">
                    <source>Read more</source>
                    <target>Weiterlesen</target>
                  </trans-unit>
                </body>
              </file>
            </xliff>
            """
        let project = try reimported(xml)
        let catalog = try #require(project.catalogs[Self.german])
        #expect(catalog.messages["launch.subject"] == "Aktuelles von {partner.name}")
        #expect(catalog.messages["launch.cta"] == "Weiterlesen")
        #expect(catalog.messages["launch.body"] == "Hallo von {partner.contact_name}.")
        #expect(project.reviewStates[Self.german] == ["launch.subject": .reviewed, "launch.cta": .reviewed])
    }

    @Test("bad files are refused with the reason", arguments: [
        ("<xliff version=\"2.0\"><file>", "in.xlf: not well-formed XML"),
        ("<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"3.0\" srcLang=\"en-US\" trgLang=\"de-DE\"/>", "in.xlf: XLIFF version '3.0' is not supported; send XLIFF 2.0 or 1.2"),
        ("<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"fr-FR\" trgLang=\"de-DE\"/>", "in.xlf: source language fr-FR is not the project's default locale en-US; translate from en-US"),
        ("<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en-US\" trgLang=\"de-DE\"><file id=\"f\"><unit id=\"launch.nope\"><segment><source>x</source><target>y</target></segment></unit></file></xliff>",
         "in.xlf: unknown units launch.nope; they are not in the default catalog, so nothing was imported"),
        ("<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en-US\" trgLang=\"de-DE\"><file id=\"f\"><unit id=\"launch.subject\"><segment><source>News from <ph id=\"ph1\" equiv=\"{partner.name}\"/></source><target>Neues</target></segment></unit></file></xliff>",
         "in.xlf: unit launch.subject: the target lacks {partner.name}; keep every placeholder of the source"),
    ])
    func refused(xml: String, message: String) throws {
        let project = try Fixture.loaded()
        let error = try #require(throws: XLIFF.ImportError.self) { try XLIFF.read(Data(xml.utf8), file: "in.xlf", project: project) }
        #expect(error.description.hasPrefix(message))
    }
}
