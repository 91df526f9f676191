import Foundation

/// Writes a set of project files all or nothing: every file goes to a temp sibling first, and only when
/// all are written are they renamed into place.
public enum CatalogFiles {
    public static func write(_ files: [String: String], project: URL) throws {
        let fm = FileManager.default
        var staged: [(URL, URL)] = []
        defer { for (temp, _) in staged where fm.fileExists(atPath: temp.path) { try? fm.removeItem(at: temp) } }
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let target = project.appendingPathComponent(path)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temp = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).cobrand-\(UUID().uuidString)")
            try Data(text.utf8).write(to: temp)
            staged.append((temp, target))
        }
        for (temp, target) in staged { try KitStore.rename(temp, to: target) }
    }
}
