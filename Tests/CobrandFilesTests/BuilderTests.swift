import CobrandCore
@testable import CobrandFiles
import CobrandTesting
import Foundation
import Testing
import ZIPFoundation

/// A fresh folder per test, removed afterwards.
struct TempFolder: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

struct Injected: Error, Equatable {}

@Suite("Building into a folder")
struct BuilderTests {
    func build(_ project: Project, into output: URL, _ selection: KitSelection = KitSelection(), jobs: Int = 2,
               afterFileWrite: (@Sendable (KitID, String) throws -> Void)? = nil,
               afterCommitStep: (@Sendable (String) throws -> Void)? = nil) async throws -> BuildReport {
        try await Builder(project: project, output: output, jobs: jobs, afterFileWrite: afterFileWrite, afterCommitStep: afterCommitStep).build(selection)
    }

    /// Every kit `index.json` lists has its folder, and its zip has the sha256 listed and the folder's manifest.
    func consistent(_ output: URL) throws -> Bool {
        for entry in try index(output).kits {
            let zipURL = output.appendingPathComponent(entry.bundle)
            guard let zip = FileManager.default.contents(atPath: zipURL.path), Hex.sha256(zip) == entry.sha256,
                  let manifest = FileManager.default.contents(atPath: output.appendingPathComponent(entry.dir).appendingPathComponent("manifest.json").path)
            else { return false }
            let archive = try Archive(url: zipURL, accessMode: .read)
            guard let member = archive.first(where: { $0.path.hasSuffix("/manifest.json") }) else { return false }
            var inZip = Data()
            _ = try archive.extract(member) { inZip.append($0) }
            guard inZip == manifest else { return false }
        }
        return true
    }

    func read(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    func index(_ output: URL) throws -> OutputIndex {
        try JSONDecoder().decode(OutputIndex.self, from: read(output.appendingPathComponent("index.json")))
    }

    @Test("a build waits while another process holds the output folder's lock (a publish and a cobrand build never overlap)")
    func outputLock() async throws {
        let temp = try TempFolder()
        let descriptor = open(temp.url.appendingPathComponent(".cobrand-lock").path, O_CREAT | O_RDWR, 0o644)
        #expect(flock(descriptor, LOCK_EX) == 0)
        let project = try Fixture.loaded()
        let build = Task { try await Builder(project: project, output: temp.url, jobs: 1).build() }
        try await Task.sleep(for: .milliseconds(400))
        #expect(!FileManager.default.fileExists(atPath: temp.url.appendingPathComponent("index.json").path), "the build waits for the lock")
        close(descriptor)
        #expect(try await build.value.kits == 3)
        #expect(FileManager.default.fileExists(atPath: temp.url.appendingPathComponent("index.json").path))
    }

    @Test("index.json lists every kit; each folder and zip matches its manifest")
    func fullBuild() async throws {
        let temp = try TempFolder()
        let report = try await build(try Fixture.loaded(), into: temp.url)
        #expect((report.kits, report.rendered, report.unchanged) == (3, 3, 0))
        let index = try index(temp.url)
        #expect(index.kits.map(\.dir) == ["kits/launch/alpha/de-DE", "kits/launch/alpha/en-US", "kits/launch/beta/de-DE"])
        #expect(index.kits.map(\.bundle) == ["bundles/launch/alpha/launch-alpha-de-DE.zip", "bundles/launch/alpha/launch-alpha-en-US.zip", "bundles/launch/beta/launch-beta-de-DE.zip"])
        for entry in index.kits {
            let zip = try read(temp.url.appendingPathComponent(entry.bundle))
            #expect(entry.sha256 == Hex.sha256(zip))
            let manifest = try JSONDecoder().decode(KitManifest.self, from: read(temp.url.appendingPathComponent(entry.dir).appendingPathComponent("manifest.json")))
            #expect(entry.files == manifest.files.count + 1)
            for file in manifest.files {
                #expect(Hex.sha256(try read(temp.url.appendingPathComponent(entry.dir).appendingPathComponent(file.path))) == file.sha256)
            }
            let archive = try Archive(data: zip, accessMode: .read)
            #expect(Array(archive).count == entry.files)
        }
    }

    @Test("a second build renders nothing; changing one partner's row renders only that partner's kits")
    func incremental() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: temp.url)
        let betaZip = temp.url.appendingPathComponent("bundles/launch/beta/launch-beta-de-DE.zip")
        let before = try FileManager.default.attributesOfItem(atPath: betaZip.path)[.modificationDate] as? Date
        let again = try await build(try Fixture.loaded(), into: temp.url)
        #expect((again.rendered, again.unchanged) == (0, 3))
        let edited = Fixture.roster.replacingOccurrences(of: "+1 555 0100", with: "+1 555 0199")
        let changed = try await build(try Fixture.loaded(["Assets/partners.csv": edited]), into: temp.url)
        #expect((changed.rendered, changed.unchanged) == (2, 1))
        let after = try FileManager.default.attributesOfItem(atPath: betaZip.path)[.modificationDate] as? Date
        #expect(before == after)
        let text = String(decoding: try read(temp.url.appendingPathComponent("kits/launch/alpha/en-US/landing/index.html")), as: UTF8.self)
        #expect(text.contains("Alpha Partners"))
        #expect(try index(temp.url).kits.count == 3)
    }

    @Test("images drawn by one build are kept beside it and reused: a rebuild after a roster change draws nothing new, a drawing cut short is drawn again, and the kits are the bytes of a fresh build")
    func drawingsReused() async throws {
        let temp = try TempFolder()
        let fresh = try TempFolder()
        let drawings = temp.url.appendingPathComponent(".cache/drawings")
        func kept() throws -> [String: Date] {
            try Dictionary(uniqueKeysWithValues: FileManager.default.contentsOfDirectory(atPath: drawings.path).map { name in
                (name, try #require(FileManager.default.attributesOfItem(atPath: drawings.appendingPathComponent(name).path)[.modificationDate] as? Date))
            })
        }
        _ = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        let first = try kept()
        // A share image per social post and locale, the partners' SVG logos for Gmail and Outlook.
        #expect(first.count >= 3, "\(first.keys.sorted())")
        // The phone is on every page, not in any image.
        func phone(_ number: String) -> [String: String?] {
            Fixture.alwaysOn.merging(["Assets/partners.csv": Fixture.roster.replacingOccurrences(of: "+1 555 0100", with: number)]) { $1 }
        }
        #expect(try await build(try Fixture.loaded(phone("+1 555 0199")), into: temp.url).rendered > 0)
        #expect(try kept() == first, "every drawing reused, none drawn again, none added")
        // Drawings cut short (as a power cut may leave them) are drawn again by the kits that need them.
        for name in first.keys { try Data(try read(drawings.appendingPathComponent(name)).prefix(100)).write(to: drawings.appendingPathComponent(name)) }
        #expect(try await build(try Fixture.loaded(phone("+1 555 0198")), into: temp.url).rendered > 0)
        #expect(try first.keys.contains { try read(drawings.appendingPathComponent($0)).count > 100 })
        _ = try await build(try Fixture.loaded(phone("+1 555 0198")), into: fresh.url)
        #expect(try read(temp.url.appendingPathComponent("index.json")) == read(fresh.url.appendingPathComponent("index.json")))
    }

    @Test("each served email image is named by its digest and is a hard link to a kit's own copy, not a second file")
    func imagesLinked() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        let served = temp.url.appendingPathComponent(ImageStore.folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: served.path)
        #expect(names.count >= 3, "\(names)")
        var inodes: [UInt64: String] = [:]
        for case let path as String in try #require(FileManager.default.enumerator(atPath: temp.url.appendingPathComponent("kits").path)) {
            var info = stat()
            if stat(temp.url.appendingPathComponent("kits/\(path)").path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { inodes[UInt64(info.st_ino)] = path }
        }
        for name in names {
            let url = served.appendingPathComponent(name)
            #expect(Hex.sha256(try read(url)) == String(name.prefix(64)))
            var info = stat()
            #expect(stat(url.path, &info) == 0)
            let twin = try #require(inodes[UInt64(info.st_ino)], "\(name) is not a link to a kit's file")
            #expect(try read(temp.url.appendingPathComponent("kits/\(twin)")) == read(url))
        }
    }

    @Test("a kit rendered again links each file still the same, byte for byte, to the one in place; a changed file, or one edited in place since, is written anew; the folder equals a fresh build's")
    func unchangedFilesLinked() async throws {
        let temp = try TempFolder()
        let fresh = try TempFolder()
        let kits = temp.url.appendingPathComponent("kits")
        func files(_ root: URL) throws -> [String: (inode: UInt64, data: Data)] {
            var files: [String: (inode: UInt64, data: Data)] = [:]
            for case let path as String in try #require(FileManager.default.enumerator(atPath: root.path)) {
                var info = stat()
                let url = root.appendingPathComponent(path)
                if lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { files[path] = (UInt64(info.st_ino), try read(url)) }
            }
            return files
        }
        _ = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        // Edited in place after the build, keeping its size: the next build must not link to it.
        let edited = "launch/alpha/en-US/assets/partner-logo.svg"
        let logo = try read(kits.appendingPathComponent(edited))
        try Data(repeating: UInt8(ascii: " "), count: logo.count).write(to: kits.appendingPathComponent(edited))
        let before = try files(kits)
        let phone = Fixture.alwaysOn.merging(["Assets/partners.csv": Fixture.roster.replacingOccurrences(of: "+1 555 0100", with: "+1 555 0199")]) { $1 }
        let rebuilt = try await build(try Fixture.loaded(phone), into: temp.url)
        _ = try await build(try Fixture.loaded(phone), into: fresh.url)
        let after = try files(kits)
        let expected = try files(fresh.url.appendingPathComponent("kits"))
        #expect(after.mapValues(\.data) == expected.mapValues(\.data))
        // Only the kits rendered again: their manifests changed.
        let rendered = Set(after.keys.filter { $0.hasSuffix("/manifest.json") && before[$0]?.data != after[$0]?.data }.map { ($0 as NSString).deletingLastPathComponent })
        #expect(rendered == ["always/alpha/de-DE", "always/alpha/en-US", "launch/alpha/de-DE", "launch/alpha/en-US"])
        var linked: [String] = [], written: [String] = []
        for (path, file) in after where rendered.contains(where: { path.hasPrefix($0 + "/") }) {
            let old = try #require(before[path], "\(path) is new")
            if old.data == file.data { linked.append(path) } else { written.append(path) }
            #expect((old.inode == file.inode) == (old.data == file.data), "\(path)")
        }
        // The phone number is in no file, only in the inputs hash: each manifest changes, and the edited logo is put right.
        #expect(written.sorted() == ["always/alpha/de-DE/manifest.json", "always/alpha/en-US/manifest.json", "launch/alpha/de-DE/manifest.json",
                                     edited, "launch/alpha/en-US/manifest.json"])
        #expect(linked.contains("launch/alpha/en-US/assets/vendor-logo.svg"), "\(linked.sorted())")
        // Only what was written counts: the written files and the rendered kits' zips.
        let zips = try index(temp.url).kits.filter { rendered.contains($0.dir.replacingOccurrences(of: "kits/", with: "")) }
        #expect(zips.count == 4)
        let zipBytes = try zips.reduce(0) { $0 + (try read(temp.url.appendingPathComponent($1.bundle))).count }
        #expect(rebuilt.bytesWritten == written.reduce(0) { $0 + (after[$1]?.data.count ?? 0) } + zipBytes)
    }

    @Test("a kit file is only ever written to a new path: one already there (two names of a kit that are one file) is an error naming it")
    func writeNewOnly() throws {
        let temp = try TempFolder()
        let url = temp.url.appendingPathComponent("assets/Logo.png")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try KitStore.writeFile(Data("first".utf8), to: url.path)
        let error = try #require(throws: CocoaError.self) { try KitStore.writeFile(Data("second".utf8), to: url.path) }
        #expect(error.localizedDescription == "cannot create \(url.path): another file of the kit has the same name on this file system (names that differ only in letter case?); rename one of them")
        #expect(try read(url) == Data("first".utf8))
    }

    @Test("a bundle changed after index.json was written is read again, even with its old modification time put back, so the index never lists a stale digest")
    func bundleChangedAfterIndex() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: temp.url)
        let entries = try index(temp.url).kits
        // Rewritten in place, and replaced by a copy dated a day back (as cp -p, rsync -a or a restore leave it).
        var appended = try read(temp.url.appendingPathComponent(entries[0].bundle))
        appended.append(0)
        try appended.write(to: temp.url.appendingPathComponent(entries[0].bundle))
        var replaced = try read(temp.url.appendingPathComponent(entries[1].bundle))
        replaced.append(1)
        let copy = temp.url.appendingPathComponent("copy.zip")
        try replaced.write(to: copy)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: copy.path)
        #expect(rename(copy.path, temp.url.appendingPathComponent(entries[1].bundle).path) == 0)
        let again = try await build(try Fixture.loaded(), into: temp.url)
        #expect(again.rendered == 0)
        #expect(try index(temp.url).kits.map(\.sha256) == [Hex.sha256(appended), Hex.sha256(replaced), entries[2].sha256])
    }

    @Test("the manifests' ledger says what each kit's manifest says, about the very file there; a rebuild goes by a line only while it still names that file")
    func manifestLedger() async throws {
        let temp = try TempFolder()
        let output = temp.url.path
        func manifest(_ dir: String) -> String { output + "/" + dir + "/manifest.json" }
        // Manifests written by a build are not believed by the next (written after it began); seen unchanged, they are.
        _ = try await build(try Fixture.loaded(), into: temp.url)
        #expect(try #require(ManifestLedger.read(from: output)).lines.isEmpty)
        _ = try await build(try Fixture.loaded(), into: temp.url)
        var ledger = try #require(ManifestLedger.read(from: output))
        let kits = try index(temp.url).kits.map(\.dir)
        for dir in kits {
            let summary = try #require(KitManifest.summary(of: read(URL(fileURLWithPath: manifest(dir)))))
            #expect(ledger.lines[dir] == ManifestLedger.Line(summary: summary, identity: try #require(FileIdentity(path: manifest(dir)))))
        }
        #expect(ledger.lines.count == 3)

        // A line that names the file there is believed: one saying the kit was made from other inputs gets it built again.
        let alpha = "kits/launch/alpha/en-US"
        let line = try #require(ledger.lines[alpha])
        ledger.lines[alpha] = ManifestLedger.Line(summary: KitManifest.Summary(inputsSHA256: String(repeating: "0", count: 64),
                                                  files: line.summary.files, bytes: line.summary.bytes), identity: line.identity)
        ledger.write(to: output)
        #expect(ManifestLedger.read(from: output) == ledger)
        #expect(try await build(try Fixture.loaded(), into: temp.url).rendered == 1)

        // A kit folder from an earlier build put back in place (its manifest another file, with an older change
        // time) is read, not taken for the one the ledger names.
        let saved = temp.url.appendingPathComponent("saved")
        try FileManager.default.copyItem(at: temp.url.appendingPathComponent(alpha), to: saved)
        let edited = try Fixture.loaded(["Assets/partners.csv": Fixture.roster.replacingOccurrences(of: "+1 555 0100", with: "+1 555 0199")])
        #expect(try await build(edited, into: temp.url).rendered == 2)
        #expect(try await build(edited, into: temp.url).rendered == 0)
        #expect(try #require(ManifestLedger.read(from: output)).lines[alpha] != nil)
        try FileManager.default.removeItem(at: temp.url.appendingPathComponent(alpha))
        #expect(rename(saved.path, manifest(alpha).replacingOccurrences(of: "/manifest.json", with: "")) == 0)
        let putBack = try await build(edited, into: temp.url)
        #expect((putBack.rendered, putBack.unchanged) == (1, 2))
        #expect(try consistent(temp.url))

        // Edited in place, the same size: read again.
        #expect(try await build(edited, into: temp.url).rendered == 0)
        #expect(try #require(ManifestLedger.read(from: output)).lines[alpha] != nil)
        var text = try read(URL(fileURLWithPath: manifest(alpha)))
        let current = try #require(KitManifest.summary(of: text))
        let hash = try #require(text.range(of: Data(current.inputsSHA256.utf8)))
        text.replaceSubrange(hash, with: Data(String(repeating: "1", count: 64).utf8))
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: manifest(alpha)))
        try file.write(contentsOf: text)
        try file.close()
        #expect(try await build(edited, into: temp.url).rendered == 1)

        // A filtered build keeps the other kits' lines.
        _ = try await build(edited, into: temp.url)
        let before = try #require(ManifestLedger.read(from: output)).lines
        _ = try await build(edited, into: temp.url, KitSelection(partners: ["beta"]))
        #expect(try #require(ManifestLedger.read(from: output)).lines == before)
    }

    @Test("a ledger cut short, or not a ledger, is not read at all; a whole one reads back line for line, less lines about manifests changed since it began")
    func ledgerText() throws {
        let since = FileIdentity.Time(seconds: 1_700_000_100, nanoseconds: 500)
        func line(_ hash: String, inode: UInt64 = 99, changed: FileIdentity.Time) -> ManifestLedger.Line {
            ManifestLedger.Line(summary: KitManifest.Summary(inputsSHA256: hash, files: 12, bytes: 3456), identity: FileIdentity(inode: inode, size: 812, changed: changed))
        }
        var ledger = ManifestLedger(since: since)
        ledger.lines["kits/launch/alpha/en-US"] = line("ab", changed: FileIdentity.Time(seconds: 1_700_000_000, nanoseconds: 123))
        let text = ledger.text
        #expect(String(decoding: text, as: UTF8.self) == "cobrand manifests 2\t1700000100\t500\nkits/launch/alpha/en-US\tab\t12\t3456\t99\t812\t1700000000\t123\n")
        #expect(ManifestLedger.parse(text) == ledger)
        #expect(ManifestLedger.parse(text.dropLast()) == nil)
        #expect(ManifestLedger.parse(text.prefix(40)) == nil)
        #expect(ManifestLedger.parse(Data("cobrand manifests 1\n".utf8)) == nil)
        #expect(ManifestLedger.parse(Data()) == nil)
        for number in ["-1", "1e3", "", "99999999999999999999"] {
            #expect(ManifestLedger.parse(Data("cobrand manifests 2\t9\t0\nkits/a\tab\t\(number)\t2\t3\t4\t5\t6\n".utf8)) == nil)
        }

        var full = ledger
        full.lines["kits/launch/beta/de-DE"] = line("cd", inode: .max, changed: FileIdentity.Time(seconds: 1_700_000_100, nanoseconds: 499))
        full.lines["kits/launch/gamma/fr-FR"] = line("ef", changed: since)
        full.lines["kits/launch/delta/it-IT"] = line("gh", changed: FileIdentity.Time(seconds: 1_700_000_101, nanoseconds: 0))
        var believed = full
        believed.lines["kits/launch/gamma/fr-FR"] = nil
        believed.lines["kits/launch/delta/it-IT"] = nil
        #expect(ManifestLedger.parse(full.text) == believed)
    }

    @Test("a full build that renders every kit drops drawings no kit uses and leftover temp files; one that renders fewer keeps them")
    func drawingsPruned() async throws {
        let temp = try TempFolder()
        let drawings = temp.url.appendingPathComponent(".cache/drawings")
        _ = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        let used = try Set(FileManager.default.contentsOfDirectory(atPath: drawings.path))
        for stray in ["0000.png", ".0000.png.1.tmp"] { try Data([1]).write(to: drawings.appendingPathComponent(stray)) }
        _ = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: drawings.path)) == used.union(["0000.png", ".0000.png.1.tmp"]))
        try FileManager.default.removeItem(at: temp.url.appendingPathComponent("index.json"))
        for kit in ["kits", "bundles"] { try FileManager.default.removeItem(at: temp.url.appendingPathComponent(kit)) }
        let full = try await build(try Fixture.loaded(Fixture.alwaysOn), into: temp.url)
        #expect(full.unchanged == 0)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: drawings.path)) == used)
    }

    @Test("index.json is the bytes JSONEncoder writes pretty-printed with sorted keys, for no kits, one, and text that needs escapes")
    func indexText() throws {
        let temp = try TempFolder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let odd = "p\"a\\r/t\u{1}\u{7f}ü😀"
        for kits in [[], [OutputIndex.Entry(campaign: "c", partner: odd, locale: "en-US", dir: "kits/c/\(odd)/en-US", bundle: "bundles/c.zip", sha256: "ab", files: 0)],
                     (0..<3).map { OutputIndex.Entry(campaign: "c\($0)", partner: "p", locale: "de-DE", dir: "kits/c\($0)", bundle: "b\($0)", sha256: "cd", files: $0 * 19) }] {
            let index = OutputIndex(kits: kits)
            try index.write(to: temp.url)
            #expect(try read(temp.url.appendingPathComponent("index.json")) == (try encoder.encode(index)) + Data("\n".utf8))
            #expect(try OutputIndex.read(from: temp.url) == index)
        }
    }

    @Test("builds of the same project into two folders give byte-identical zips")
    func deterministic() async throws {
        let first = try TempFolder()
        let second = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: first.url, jobs: 1)
        _ = try await build(try Fixture.loaded(), into: second.url, jobs: 3)
        #expect(try read(first.url.appendingPathComponent("index.json")) == read(second.url.appendingPathComponent("index.json")))
        for entry in try index(first.url).kits {
            #expect(try read(first.url.appendingPathComponent(entry.bundle)) == read(second.url.appendingPathComponent(entry.bundle)))
        }
    }

    @Test("a build that fails mid-kit leaves no partial kit, keeps the old one, and writes no index")
    func atomic() async throws {
        let temp = try TempFolder()
        let project = try Fixture.loaded()
        let target = KitID(campaign: "launch", partner: "beta", locale: LocaleTag("de-DE")!)
        let error = await #expect(throws: Injected.self) {
            try await build(project, into: temp.url, jobs: 1) { kit, path in
                if kit == target, path == "emails/hello.txt" { throw Injected() }
            }
        }
        #expect(error == Injected())
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: temp.url.appendingPathComponent(target.directory).path))
        #expect(!fm.fileExists(atPath: temp.url.appendingPathComponent(target.bundle).path))
        #expect(!fm.fileExists(atPath: temp.url.appendingPathComponent("index.json").path))
        #expect(!fm.fileExists(atPath: temp.url.appendingPathComponent(".cobrand-tmp").path), "staged kits are dropped")

        // With an old kit in place, a failed rebuild leaves the old kit whole.
        _ = try await build(project, into: temp.url)
        let oldManifest = try read(temp.url.appendingPathComponent(target.directory).appendingPathComponent("manifest.json"))
        let edited = try Fixture.loaded(["Assets/partners.csv": Fixture.roster.replacingOccurrences(of: "Beta GmbH", with: "Beta AG")])
        await #expect(throws: Injected.self) {
            try await build(edited, into: temp.url, jobs: 1) { kit, path in
                if kit == target, path == "bundle.zip" { throw Injected() }
            }
        }
        #expect(try read(temp.url.appendingPathComponent(target.directory).appendingPathComponent("manifest.json")) == oldManifest)
        let html = String(decoding: try read(temp.url.appendingPathComponent(target.directory).appendingPathComponent("landing/index.html")), as: UTF8.self)
        #expect(html.contains("Beta GmbH"))
    }

    @Test("the union of all shards equals the full build, with no overlap")
    func shards() async throws {
        let full = try TempFolder()
        let partners = (0..<12).map { "p\($0),Partner \($0),en-US;de-DE,,,,,,p@p\($0).example,,1 Street,," }
        let project = try Fixture.loaded(["Assets/partners.csv": ([Fixture.rosterHeader] + partners).joined(separator: "\n")])
        _ = try await build(project, into: full.url)
        var union: [OutputIndex.Entry] = []
        for index in 1...3 {
            let shard = try TempFolder()
            _ = try await build(project, into: shard.url, KitSelection(shard: Shard("\(index)/3")))
            union += try self.index(shard.url).kits
        }
        #expect(union.count == 24)
        #expect(Set(union.map(\.dir)).count == 24)
        #expect(OutputIndex(kits: union) == (try index(full.url)))
    }

    @Test("a folder tree is removed whole: nested folders, a name that is not UTF-8, and a link whose target stays")
    func removeTree() throws {
        let temp = try TempFolder()
        let fm = FileManager.default
        let tree = temp.url.appendingPathComponent("tree"), outside = temp.url.appendingPathComponent("outside")
        try fm.createDirectory(at: tree.appendingPathComponent("a/b/c"), withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: tree.appendingPathComponent("a/b/c/file.txt"))
        try Data("y".utf8).write(to: tree.appendingPathComponent("top.txt"))
        try Data("kept".utf8).write(to: outside.appendingPathComponent("kept.txt"))
        try fm.createSymbolicLink(at: tree.appendingPathComponent("a/link"), withDestinationURL: outside)
        let latin1 = Array((tree.path + "/caf\u{E9}").utf8.dropLast(2)) + [0xE9, 0]
        let fd = latin1.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        #expect(fd >= 0)
        close(fd)
        #expect(Set(try #require(FolderTree.names(in: tree.path))) == ["a", "top.txt", "caf\u{FFFD}"])
        #expect(try FolderTree.remove(tree.path))
        #expect(!fm.fileExists(atPath: tree.path))
        #expect(try String(contentsOf: outside.appendingPathComponent("kept.txt"), encoding: .utf8) == "kept")
        #expect(try FolderTree.remove(tree.path) == false)
        #expect(FolderTree.names(in: tree.path) == nil)
    }

    @Test("a filtered build keeps the other kits in the index; a full build prunes kits gone from the roster")
    func filterAndPrune() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: temp.url)
        let onlyBeta = try await build(try Fixture.loaded(), into: temp.url, KitSelection(partners: ["beta"]))
        #expect(onlyBeta.kits == 1)
        #expect(try index(temp.url).kits.count == 3)
        let withoutAlpha = Fixture.rosterHeader + "\nbeta,Beta GmbH,de-DE,,,,,,b@beta.example,,Beta-Str. 2,,\n"
        let pruned = try await build(try Fixture.loaded(["Assets/partners.csv": withoutAlpha]), into: temp.url)
        #expect(pruned.pruned == 4)
        #expect(try index(temp.url).kits.map(\.partner) == ["beta"])
        #expect(!FileManager.default.fileExists(atPath: temp.url.appendingPathComponent("kits/launch/alpha/en-US").path))
    }

    /// A commit cut short after each of its steps (a folder moved aside, a kit moved in) is what kill -9
    /// leaves; the next build finishes it from the journal, and every kit folder and zip agree with the index.
    @Test("a commit cut short at any step is finished by the next build; no kit folder is lost, the index matches every zip",
          arguments: 0..<6)
    func interruptedCommit(step: Int) async throws {
        let temp = try TempFolder()
        let project = try Fixture.loaded()
        _ = try await build(project, into: temp.url)
        let edited = try Fixture.loaded(["Assets/partners.csv": Fixture.roster.replacingOccurrences(of: "Beta GmbH", with: "Beta AG")
            .replacingOccurrences(of: "Alpha Partners", with: "Alpha AG")])
        let steps = Counter()
        await #expect(throws: Injected.self) {
            try await build(edited, into: temp.url, jobs: 1, afterCommitStep: { _ in if steps.next() == step { throw Injected() } })
        }
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: temp.url.appendingPathComponent(".cobrand-tmp/commit.json").path), "the journal stays for recovery")
        for kit in try index(temp.url).kits {
            #expect(fm.fileExists(atPath: temp.url.appendingPathComponent(kit.dir).path) || fm.fileExists(atPath: temp.url.appendingPathComponent(".cobrand-tmp").path))
        }
        let next = try await build(edited, into: temp.url)
        #expect(next.rendered == 0, "the recovered kits are the edited ones: nothing is left to render")
        #expect(try consistent(temp.url))
        #expect(try index(temp.url).kits.count == 3)
        #expect(!fm.fileExists(atPath: temp.url.appendingPathComponent(".cobrand-tmp").path))
    }

    @Test("a journal left by an earlier version, with the index inside it, is still finished by the next build")
    func earlierJournal() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: temp.url)
        let listed = try index(temp.url)
        let shorter = OutputIndex(kits: Array(listed.kits.prefix(2)))
        let journal = temp.url.appendingPathComponent(".cobrand-tmp/commit.json")
        try FileManager.default.createDirectory(at: journal.deletingLastPathComponent(), withIntermediateDirectories: true)
        // As the earlier version wrote it: JSONEncoder's output of the kits to move and the whole index.
        try (Data("{\"kits\":[],\"index\":".utf8) + JSONEncoder().encode(shorter) + Data("}".utf8)).write(to: journal)
        try await KitStore.recover(temp.url)
        #expect(try index(temp.url) == shorter)
        #expect(!FileManager.default.fileExists(atPath: journal.path))
    }

    @Test("an index.json that cannot be read stops a filtered build with the file's name and the fix; it is not replaced")
    func unreadableIndex() async throws {
        let temp = try TempFolder()
        _ = try await build(try Fixture.loaded(), into: temp.url)
        let file = temp.url.appendingPathComponent("index.json")
        let whole = try read(file)
        try whole.prefix(whole.count / 2).write(to: file)
        let error = try await #require(throws: OutputIndex.ReadError.self) {
            try await build(try Fixture.loaded(), into: temp.url, KitSelection(partners: ["beta"]))
        }
        #expect(error.path == file.path)
        #expect(error.description.hasPrefix("\(file.path) cannot be read (not a JSON index: "))
        #expect(error.description.hasSuffix("; restore it from a backup, or run a full cobrand build (no --partner, --campaign or --locale) to write a new one"))
        #expect(try read(file) == whole.prefix(whole.count / 2))
        // A full build needs no old index and writes a good one.
        _ = try await build(try Fixture.loaded(), into: temp.url)
        #expect(try index(temp.url).kits.count == 3)
    }
}

/// Counts calls from concurrent code.
final class Counter: @unchecked Sendable {
    // Safe: `lock` guards `value`.
    private let lock = NSLock()
    private var value = -1

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

enum Hex {
    static func sha256(_ data: Data) -> String {
        // SHA-256 through the system's sha256sum: independent of the code under test.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(data)
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }
}
