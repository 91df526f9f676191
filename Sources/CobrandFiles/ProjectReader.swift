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
    public static func read(project: URL, roster: String? = nil) throws(ReadError) -> ProjectFiles {
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
            guard let walker = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey],
                                             options: [.skipsHiddenFiles]) else { continue }
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                let relative = folder + "/" + url.path.dropFirst(base.path.count + 1)
                guard let data = fm.contents(atPath: url.path) else {
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
        return ProjectFiles(files: files, rosterPath: rosterPath)
    }
}
