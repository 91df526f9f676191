import CobrandCore
import CobrandFiles
import Foundation
import Testing

@Suite("Project folders")
struct ProjectFolderTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the demo project in the repository validates without errors and builds every partner in each locale")
    func demo() throws {
        let (project, diagnostics) = Project.load(try ProjectReader.read(project: Self.repoRoot))
        let loaded = try #require(project, "\(diagnostics)")
        #expect((diagnostics + Validator.check(loaded)).errors == [])
        #expect(loaded.partners.count >= 6)
        #expect(Set(loaded.partners.compactMap(\.country)).isSuperset(of: ["US", "DE", "FR", "JP", "AE", "MX"]))
        #expect(loaded.catalogs.count >= 2)
        let kinds = Set(loaded.campaigns.flatMap(\.components).map(\.kind))
        #expect(kinds.isSuperset(of: [.emailSequence, .landingPage]))
    }

    @Test("the demo's kit preview shows CSV as a table with copy buttons, texts with copy buttons, and HTML in frames")
    func demoPreview() throws {
        let (project, diagnostics) = Project.load(try ProjectReader.read(project: Self.repoRoot))
        let loaded = try #require(project, "\(diagnostics)")
        let kit = try KitRenderer(project: loaded).render(KitID(campaign: "realtime-playbook", partner: "rheinwerk", locale: LocaleTag("de-DE")!))
        let preview = String(decoding: try #require(kit.files.first { $0.path == "index.html" }).data, as: UTF8.self)
        #expect(preview.contains("<html lang=\"de-DE\" dir=\"ltr\">"))
        #expect(preview.contains("<thead><tr><th>network</th><th>text</th><th>link</th><th>image</th><th>image_alt</th><th>image_url</th><th>post_at</th></tr></thead>"))
        #expect(preview.contains("<button type=\"button\" class=\"copy\" data-copy-target=\"cell\">Kopieren</button>"))
        #expect(preview.contains("<iframe src=\"articles/embed.html\" title=\"articles/embed.html\" sandbox=\"allow-same-origin\" loading=\"lazy\"></iframe>"))
        #expect(preview.components(separatedBy: "<section>").count - 1 == kit.files.count - 1)
    }

    @Test("cobrand init writes a project that builds at once, and refuses a non-empty folder")
    func scaffold() async throws {
        let temp = try TempFolder()
        let folder = temp.url.appendingPathComponent("starter")
        #expect(try Scaffold.write(to: folder) == 13 + (PortalTemplates.all + AdminTemplates.all).count + 3, "portal header and styles, and portal.yaml")
        let (project, diagnostics) = Project.load(try ProjectReader.read(project: folder))
        let loaded = try #require(project, "\(diagnostics)")
        #expect((diagnostics + Validator.check(loaded)) == [])
        let report = try await Builder(project: loaded, output: folder.appendingPathComponent("Output")).build()
        #expect((report.kits, report.files) == (1, 9))
        #expect(throws: Scaffold.ScaffoldError(path: folder.path)) { try Scaffold.write(to: folder) }
    }

    @Test("cobrand init writes the demo's own portal and admin pages and portal messages (scripts/sync-scaffold copies them)")
    func scaffoldPagesAreTheDemos() throws {
        let pages = try Scaffold.serverPages()
        #expect(Set(pages.keys) == Set((PortalTemplates.all + AdminTemplates.all + ["_shared/portal/header.html", "_shared/portal/styles.html"])
            .map { "Templates/\($0).mustache" } + ["Locales/en-US/portal.yaml"]))
        for (path, data) in pages.sorted(by: { $0.key < $1.key }) {
            #expect(data == FileManager.default.contents(atPath: Self.repoRoot.appendingPathComponent(path).path), "\(path) differs; run scripts/sync-scaffold")
        }
    }

    @Test("a bundle's size is read from the output folder; one that is gone is an error naming it, never size 0")
    func bundleSize() throws {
        let temp = try TempFolder()
        try Data(count: 1_234).write(to: temp.url.appendingPathComponent("kit.zip"))
        #expect(try KitStore.size(of: "kit.zip", in: temp.url) == 1_234)
        #expect(throws: OutputError.self) { try KitStore.size(of: "gone.zip", in: temp.url) }
        do { _ = try KitStore.size(of: "gone.zip", in: temp.url) } catch let error as OutputError { #expect(error.path.hasSuffix("/gone.zip")) }
    }

    @Test("the blob store keeps bytes by content name and serves no other name", arguments: [
        ("../cobrand.sqlite", false), (String(repeating: "a", count: 64) + ".exe", false), (String(repeating: "A", count: 64), false),
        (String(repeating: "a", count: 64), true), (String(repeating: "b", count: 64) + ".svg", true),
    ])
    func blobNames(name: String, served: Bool) throws {
        let temp = try TempFolder()
        let store = BlobStore(folder: temp.url.appendingPathComponent("blobs"))
        try Data("secret".utf8).write(to: temp.url.appendingPathComponent("cobrand.sqlite"))
        if BlobStore.isContentName(name) {
            try store.put(Data("one".utf8), as: name)
            try store.put(Data("one".utf8), as: name)
        }
        #expect((store.get(name) == Data("one".utf8)) == served)
        #expect(BlobStore.isContentName(name) == served)
    }

    @Test("a project's inputs are its regular files: hidden names at any depth, folders reached through links, FIFOs and dangling links are not read; links to files are")
    func inputFiles() throws {
        let temp = try TempFolder()
        let root = temp.url
        let fm = FileManager.default
        func write(_ path: String, _ text: String = "x") throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write("cobrand.yaml", "vendor: {}")
        try write("Templates/launch/email.html.mustache")
        try write("Templates/launch/.email.html.mustache.swp")
        try write("Templates/.cache/kept.mustache")
        try write("Assets/.DS_Store")
        try write("Assets/brand/logo.svg", "<svg/>")
        try write("Locales/en-US/messages.yaml", "a: b")
        try write("elsewhere/shared.yaml", "c: d")
        try write("elsewhere/folder/inside.txt")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("Locales/en-US/shared.yaml").path, withDestinationPath: root.appendingPathComponent("elsewhere/shared.yaml").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("Assets/linked").path, withDestinationPath: root.appendingPathComponent("elsewhere/folder").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("Assets/dangling.svg").path, withDestinationPath: root.appendingPathComponent("nowhere.svg").path)
        #expect(mkfifo(root.appendingPathComponent("Assets/pipe.csv").path, 0o644) == 0)
        let files = try ProjectReader.read(project: root).files
        #expect(files.mapValues { String(decoding: $0, as: UTF8.self) } == [
            "cobrand.yaml": "vendor: {}",
            "Templates/launch/email.html.mustache": "x",
            "Assets/brand/logo.svg": "<svg/>",
            "Locales/en-US/messages.yaml": "a: b",
            "Locales/en-US/shared.yaml": "c: d",
        ])
    }

    @Test("--partners reads a roster from elsewhere; a missing one is a clear error")
    func rosterOption() throws {
        let temp = try TempFolder()
        let missing = temp.url.appendingPathComponent("nope.csv").path
        #expect(throws: ProjectReader.ReadError(path: missing, reason: "the partner roster does not exist or cannot be read; check --partners")) {
            try ProjectReader.read(project: Self.repoRoot, roster: missing)
        }
    }
}
