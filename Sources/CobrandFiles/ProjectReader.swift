import CobrandCore
import Foundation
import Synchronization

/// Reads a project folder into memory: `cobrand.yaml`, `Templates/`, `Locales/` and `Assets/`.
public enum ProjectReader {
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
        public var description: String { "\(path): \(reason)" }
    }

    static let folders = ["Templates", "Locales", "Assets"]

    /// - Parameter roster: `--partners FILE`, relative to the current directory or absolute; nil for `Assets/partners.csv`.
    /// - Parameter caniemail: another copy of caniemail's `features.json` than the one shipped beside the binary.
    public static func read(project: URL, roster: String? = nil, caniemail: String? = nil) throws(ReadError) -> ProjectFiles {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: project.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReadError(path: project.path, reason: "no such project folder; pass --project DIR or run cobrand init DIR")
        }
        var files: [String: Data] = [:]
        if let config = fm.contents(atPath: project.appendingPathComponent(Project.configPath).path) {
            files[Project.configPath] = config
        }
        // Hidden files (.DS_Store, editor swap files) are not inputs.
        let root = project.path
        var unlistable: [String] = []
        let paths = folders.flatMap { FolderTree.regularFiles(under: $0, in: root, unlistable: &unlistable) }
        if let folder = unlistable.min() { throw ReadError(path: folder, reason: "cannot be listed; check its permissions") }
        // Read on every core: the files are in the page cache, and opening and reading them is CPU time
        // (a twentieth of an incremental build when read one by one).
        let read = Mutex<(files: [String: Data], unreadable: [String])>(([:], []))
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let data = FolderTree.contents(of: root + "/" + paths[index])
            read.withLock { read in
                if let data { read.files[paths[index]] = data } else { read.unreadable.append(paths[index]) }
            }
        }
        let (contents, unreadable) = read.withLock { $0 }
        if let path = unreadable.min() { throw ReadError(path: path, reason: "cannot be read; check its permissions") }
        files.merge(contents) { _, new in new }
        var rosterPath = Project.defaultRosterPath
        if let roster {
            guard let data = fm.contents(atPath: roster) else {
                throw ReadError(path: roster, reason: "the partner roster does not exist or cannot be read; check --partners")
            }
            rosterPath = roster
            files[roster] = data
        }
        var input = ProjectFiles(files: files, rosterPath: rosterPath, emailSupport: emailSupportData(caniemail))
        input.emailSupportExpected = true
        return input
    }

    /// caniemail's `features.json`: `path`, else the copy in the resources beside the executable (`swift build`
    /// puts them there). Nil when neither is there; loading the project then warns that the check is skipped.
    static func emailSupportData(_ path: String?) -> Data? {
        var candidates: [String] = []
        if let path { candidates.append(path) }
        if let folder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            candidates.append(folder.appendingPathComponent("Cobrand_CobrandFiles.resources/caniemail/features.json").path)
        }
        return candidates.lazy.compactMap { FileManager.default.contents(atPath: $0) }.first
    }
}
