import CobrandCore
import Foundation

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
        for folder in folders {
            let base = project.appendingPathComponent(folder)
            guard let walker = fm.enumerator(atPath: base.path) else { continue }
            for case let path as String in walker {
                // Hidden files (.DS_Store, editor swap files) are not inputs.
                if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let full = base.path + "/" + path
                // stat(2) directly: URL resource values look up the owner's name for every file.
                var info = stat()
                guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let relative = folder + "/" + path
                guard let data = FolderTree.contents(of: full) else {
                    throw ReadError(path: relative, reason: "cannot be read; check its permissions")
                }
                files[relative] = data
            }
        }
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
