import CobrandCore
import Foundation
import Synchronization

/// The output folder: kit folders, zips and `index.json`, which always agree.
///
/// A build stages every kit it renders in `.cobrand-tmp/` inside the output folder (same file system);
/// nothing in place changes while it renders. Then `commit` stages the new `index.json` there too and writes
/// a journal (`commit.json`: the kits to move; both fsynced), renames each staged zip and folder into place,
/// renames the staged index into place and drops the temp folder. A process killed before the journal
/// leaves the old output untouched; one killed after it is finished by `recover`, which every build, publish
/// and `serve` runs first under the output lock. So a kit folder is never lost, and `index.json` never names
/// a zip it does not describe.
///
/// A kit file is never opened for writing once made: a re-rendered kit's unchanged files are hard links to the
/// kit in place, and served images are links in `Output/a/`, so writing into one would change them all.
public struct KitStore: Sendable {
    public let output: URL
    /// `output.path`, made once: URL's `path` builds a new string each time, 1,200 times a build.
    let outputPath: String
    /// Called after each file of a kit is written to the temp folder; tests throw from it to simulate a crash.
    let afterFileWrite: (@Sendable (KitID, String) throws -> Void)?
    /// Called after each kit of a commit is moved into place (with its folder); tests throw from it to
    /// leave a commit half done, as a killed process would.
    let afterCommitStep: (@Sendable (String) throws -> Void)?

    static let tempFolder = ".cobrand-tmp"

    /// The size of a file of the output folder (`relative` to it), or an error naming it.
    public static func size(of relative: String, in output: URL) throws -> Int {
        let path = output.appendingPathComponent(relative).path
        // stat(2), not FileManager's attributes, which also read extended attributes (1,200 per build's sync).
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw OutputError(path: path, reason: "cannot read its size (\(String(cString: strerror(errno)))); build again")
        }
        return Int(info.st_size)
    }

    public init(output: URL, afterFileWrite: (@Sendable (KitID, String) throws -> Void)? = nil,
                afterCommitStep: (@Sendable (String) throws -> Void)? = nil) {
        self.afterCommitStep = afterCommitStep
        self.output = output
        outputPath = output.path
        self.afterFileWrite = afterFileWrite
    }

    var temp: URL { output.appendingPathComponent(Self.tempFolder) }

    var journal: URL { temp.appendingPathComponent("commit.json") }

    /// A kit rendered into the temp folder, waiting for `commit`.
    public struct Staged: Sendable, Codable, Equatable {
        /// Its files are `.cobrand-tmp/<name>/` and `.cobrand-tmp/<name>.zip`.
        let name: String
        let directory: String
        let bundle: String
    }

    struct Journal: Codable {
        let kits: [Staged]
        /// Only in journals of earlier versions; the new index is now staged beside the journal (`stagedIndex`),
        /// written and synced once, and renamed into place.
        var index: OutputIndex? = nil
    }

    var stagedIndex: URL { temp.appendingPathComponent(OutputIndex.fileName) }

    /// Finishes a commit that a killed process left half done (its journal is there), or else removes what
    /// an interrupted build staged. Call under the output lock.
    public func recover() throws {
        let fm = FileManager.default
        if let data = fm.contents(atPath: journal.path) {
            let pending: Journal
            do { pending = try JSONDecoder().decode(Journal.self, from: data) } catch {
                throw OutputIndex.ReadError(path: journal.path, reason: "\(error)")
            }
            try apply(pending)
        }
        try removeTemp()
    }

    /// `recover` under the output lock, for a process that does not build (`cobrand serve` at start).
    public static func recover(_ output: URL) async throws {
        let lock = try await OutputLock.acquire(output)
        defer { withExtendedLifetime(lock) {} }
        try KitStore(output: output).recover()
    }

    /// Moves the staged kits into place and puts `index` in place, through the journal (see the type's comment).
    /// The temp folder is left, with the replaced kits moved aside into it, for `removeTemp`.
    public func commit(_ staged: [Staged], index: OutputIndex) throws {
        let text = Data(index.json.utf8)
        try AtomicFile.write(text, to: stagedIndex)
        let pending = Journal(kits: staged)
        try AtomicFile.write(try JSONEncoder().encode(pending), to: journal)
        try apply(pending)
        OutputIndex.remember(text, index, in: output)
    }

    /// Removes the temp folder a commit leaves. Call under the output lock.
    public func removeTemp() throws {
        try FolderTree.remove(temp.path)
    }

    /// Idempotent: a staged zip or folder already moved is skipped, so recovery can run it again.
    func apply(_ journal: Journal) throws {
        let fm = FileManager.default
        for kit in journal.kits {
            let zip = temp.appendingPathComponent("\(kit.name).zip")
            if fm.fileExists(atPath: zip.path) {
                let bundle = output.appendingPathComponent(kit.bundle)
                try Self.makeDirectory(bundle.deletingLastPathComponent().path)
                try Self.rename(zip, to: bundle)
            }
            let folder = temp.appendingPathComponent(kit.name)
            guard fm.fileExists(atPath: folder.path) else { continue }
            let target = output.appendingPathComponent(kit.directory)
            try Self.makeDirectory(target.deletingLastPathComponent().path)
            if Foundation.rename(folder.path, target.path) != 0 {
                // rename(2) cannot replace a non-empty folder: move the old one aside first (removed with the temp folder).
                guard errno == ENOTEMPTY || errno == EEXIST else { throw Self.posixError("cannot move \(folder.path) to", target.path) }
                try Self.rename(target, to: temp.appendingPathComponent("\(kit.name).old"))
                try afterCommitStep?(kit.directory + " (old folder moved aside)")
                try Self.rename(folder, to: target)
            }
            try afterCommitStep?(kit.directory)
        }
        if let index = journal.index {
            try index.write(to: output)
        } else if fm.fileExists(atPath: stagedIndex.path) {
            // Gone when a killed process had moved it already.
            let target = output.appendingPathComponent(OutputIndex.fileName)
            try Self.rename(stagedIndex, to: target)
            AtomicFile.syncFolder(output)
        }
    }

    /// An existing kit whose inputs hash equals `inputsHash`: its index entry, the bytes of its files and its
    /// manifest's ledger line. Nil when the kit must be built (missing, changed, or its manifest or zip unreadable).
    ///
    /// The manifest is read unless `known`, its line in the last ledger, names the very file there. The zip's
    /// digest is taken from `listed` (the previous index's entry) when the zip's status last changed strictly
    /// before that index's did (`listedAt`, its ctime). A ctime cannot be set back as a modification time can
    /// (`cp -p`, `rsync -a`, `touch -d`): any write, copy or rename makes it newer, and then the zip is read and
    /// hashed again.
    func existing(_ kit: KitID, inputsHash: String, known: ManifestLedger.Line? = nil, listed: OutputIndex.Entry? = nil,
                  listedAt: timespec? = nil) -> (entry: OutputIndex.Entry, bytes: Int, manifest: ManifestLedger.Line)? {
        // Anything missing or unreadable just means the kit is built again.
        let path = outputPath + "/" + kit.directory + "/manifest.json"
        let manifest: ManifestLedger.Line
        if let known, FileIdentity(path: path) == known.identity {
            manifest = known
        } else {
            var info = stat()
            guard let data = FolderTree.contents(of: path, info: &info), let summary = KitManifest.summary(of: data) else { return nil }
            manifest = ManifestLedger.Line(summary: summary, identity: FileIdentity(info))
        }
        guard manifest.summary.inputsSHA256 == inputsHash else { return nil }
        let bundle = outputPath + "/" + kit.bundle
        let sha256: String
        var info = stat()
        if let listed, listed.bundle == kit.bundle, let listedAt, stat(bundle, &info) == 0, info.st_size > 0,
           (info.st_ctim.tv_sec, info.st_ctim.tv_nsec) < (listedAt.tv_sec, listedAt.tv_nsec) {
            sha256 = listed.sha256
        } else {
            guard let zip = FileManager.default.contents(atPath: bundle) else { return nil }
            sha256 = Checksum.sha256(zip)
        }
        return (OutputIndex.Entry(kit: kit, sha256: sha256, files: manifest.summary.files + 1), manifest.summary.bytes, manifest)
    }

    /// Stages a rendered kit: its files and zip beside each other in the temp folder, for `commit`; returns
    /// also the bytes written (a file the same as the kit's in place is a link to it instead) and its manifest's
    /// ledger line (the file keeps its inode and change time when its folder is moved into place).
    /// No wrapping folder: every directory created here is renamed into place, never deleted, which keeps
    /// inode churn (the main cost of writing thousands of small files on ext4) low.
    func stage(_ kit: RenderedKit) throws -> (staged: Staged, entry: OutputIndex.Entry, written: Int, manifest: ManifestLedger.Line?) {
        let fm = FileManager.default
        let name = UUID().uuidString
        let folder = temp.appendingPathComponent(name)
        let zip = temp.appendingPathComponent("\(name).zip")
        var committed = false
        defer {
            if !committed {
                try? fm.removeItem(at: folder)
                try? fm.removeItem(at: zip)
            }
        }
        try Self.makeDirectory(folder.path)
        var folders: Set<Substring> = []
        // The kit as it is in place: a file still the same, byte for byte, is linked instead of written again.
        let current = outputPath + "/" + kit.id.directory + "/"
        let linkable = access(current, F_OK) == 0
        var written = kit.zip.count
        // Paths as text: Foundation's URL appending cost more than the writes' own system calls.
        let staging = folder.path + "/"
        for file in kit.files {
            let path = staging + file.path
            if let slash = file.path.lastIndex(of: "/"), folders.insert(file.path[..<slash]).inserted {
                try Self.makeDirectory(staging + file.path[..<slash])
            }
            if !(linkable && Self.link(path, toSame: file.data, at: current + file.path)) {
                try Self.writeFile(file.data, to: path)
                written += file.data.count
            }
            try afterFileWrite?(kit.id, file.path)
        }
        try Self.writeFile(kit.zip, to: zip.path)
        try afterFileWrite?(kit.id, "bundle.zip")
        // Before the kit is committed, so no email in place names an image that is not served yet.
        try ImageStore(output: output).store(kit.files, linkingFrom: folder)
        committed = true
        let manifest = kit.files.first { $0.path == "manifest.json" }.flatMap { KitManifest.summary(of: $0.data) }.flatMap { summary in
            FileIdentity(path: staging + "manifest.json").map { ManifestLedger.Line(summary: summary, identity: $0) }
        }
        return (Staged(name: name, directory: kit.id.directory, bundle: kit.id.bundle),
                OutputIndex.Entry(kit: kit.id, sha256: kit.zipSHA256, files: kit.files.count), written, manifest)
    }

    /// The bytes of `url` if it is a regular file, never through a symlink; nil otherwise. What the server
    /// answers from the output folder is read this way.
    public static func regularFile(_ url: URL) -> Data? {
        var info = stat()
        guard lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileManager.default.contents(atPath: url.path)
    }

    /// Writes a new file without `Data.write`'s fsync per file: durability comes from the rename
    /// protocol (a kit is complete or absent), not from syncing each of thousands of small files.
    /// Only for new paths (a fresh staging folder or temp name): a file already there means two names of one kit
    /// are the same file on this file system (letter case, on a case-insensitive disk), and writing the second
    /// over the first would leave the first's name, and the served image linked to it, with the wrong bytes.
    static func writeFile(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            guard errno == EEXIST else { throw posixError("cannot create", path) }
            throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey:
                "cannot create \(path): another file of the kit has the same name on this file system (names that differ only in letter case?); rename one of them"])
        }
        defer { close(fd) }
        try write(data, to: fd, path: path)
    }

    /// All of `data` to the open file `fd` (`path` names it in errors), however many writes that takes.
    static func write(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError("cannot write", path)
                }
                offset += written
            }
        }
    }

    /// Makes `url` a hard link to the file at `path` if that holds exactly `data`; false, with nothing made,
    /// otherwise. A kit rendered again after a partner's change keeps most of its files (images, calendar files,
    /// feeds, social CSVs): a link writes no bytes and takes no new inode, and removing the replaced kit then
    /// frees none. Both matter on ext4 without a journal, where each new inode is found by skipping the ones freed
    /// in the last minutes (`recently_deleted`), up to hundreds of microseconds a file after a rebuild.
    /// Only under the output lock, so the file cannot change between the comparison and the link.
    static func link(_ path: String, toSame data: Data, at existing: String) -> Bool {
        FolderTree.holds(data, at: existing) && Foundation.link(existing, path) == 0
    }

    /// `mkdir -p` in one system call when the parent exists (the common case), instead of a stat per component.
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash > path.startIndex else { throw posixError("cannot create folder", path) }
        try makeDirectory(String(path[..<slash]))
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw posixError("cannot create folder", path) }
    }

    static func posixError(_ what: String, _ path: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
            NSLocalizedDescriptionKey: "\(what) \(path): \(String(cString: strerror(errno)))"])
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else { throw posixError("cannot move \(from.path) to", to.path) }
    }

    /// The kit folders and zips that are not in `keep` (partners or locales gone from the roster), for `remove(stale:)`.
    /// Under the output lock; it may run beside `commit`, which only moves kits in `keep`.
    func stale(keeping keep: Set<KitID>) -> [String] {
        let keepPaths = Set(keep.map(\.directory)).union(keep.map(\.bundle))
        @Sendable func children(_ path: String) -> [String] {
            (FolderTree.names(in: outputPath + "/" + path) ?? []).filter { !$0.hasPrefix(".") }.map { "\(path)/\($0)" }
        }
        // kits/<campaign>/<partner>/<locale> and bundles/<campaign>/<partner>/<zip>: the last level is a folder
        // per campaign and partner (1,200 for 200 partners), listed on every core.
        let folders = ["kits", "bundles"].flatMap(children).flatMap(children)
        let listed = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: folders.count) { index in
            let stale = children(folders[index]).filter { !keepPaths.contains($0) }
            if !stale.isEmpty { listed.withLock { $0 += stale } }
        }
        return listed.withLock { $0 }.sorted()
    }

    /// Deletes the kit folders and zips `stale` lists, relative to the output folder; returns how many were there.
    func remove(stale: [String]) throws -> Int {
        var removed = 0
        for path in stale where try FolderTree.remove(outputPath + "/" + path) { removed += 1 }
        return removed
    }
}

/// A file of the output folder that cannot be used, and what to do about it.
public struct OutputError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
