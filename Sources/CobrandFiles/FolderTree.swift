import Foundation

/// Listing and removing folders with readdir(3) and unlinkat(2), and reading a file whole, without FileManager:
/// its versions stat every entry and read its extended attributes. What an incremental build does to each of
/// 1,200 kits is worth the difference.
enum FolderTree {
    /// The names in the folder at `path`, without `.` and `..`; nil when it cannot be opened.
    static func names(in path: String) -> [String]? {
        names(of: open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))?.map { String(cString: $0) }
    }

    /// The file's bytes, read with one open, fstat and read: FileManager adds a stat and a seek, and an
    /// incremental build reads every kit's manifest. Nil when it cannot be read whole.
    static func contents(of path: String) -> Data? {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0 else { return nil }
        var data = Data(count: Int(info.st_size))
        let complete = data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count, let start = buffer.baseAddress {
                let count = read(file, start + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        return complete ? data : nil
    }

    /// Removes `path` and everything in it, without following symbolic links; a missing path is no error.
    static func remove(_ path: String) throws {
        if unlink(path) == 0 || errno == ENOENT { return }
        // Linux answers EISDIR for a folder, POSIX allows EPERM.
        guard errno == EISDIR || errno == EPERM else { throw failure("cannot remove", path) }
        try removeContents(open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), path: path)
        guard rmdir(path) == 0 || errno == ENOENT else { throw failure("cannot remove", path) }
    }

    /// Empties the open folder `folder` (then closed); `path` names it in errors.
    /// A folder gone meanwhile (another process removing it too) is no error.
    private static func removeContents(_ folder: Int32, path: String) throws {
        guard folder >= 0 else {
            if errno == ENOENT { return }
            throw failure("cannot open", path)
        }
        defer { close(folder) }
        // Every name is read before any is removed: readdir's order over a folder that changes is unspecified.
        guard let names = names(of: dup(folder)) else { throw failure("cannot read", path) }
        for name in names {
            if unlinkat(folder, name, 0) == 0 || errno == ENOENT { continue }
            let reason = errno
            let child = "\(path)/\(String(cString: name))"
            guard reason == EISDIR || reason == EPERM else {
                errno = reason
                throw failure("cannot remove", child)
            }
            try removeContents(openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), path: child)
            guard unlinkat(folder, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw failure("cannot remove", child) }
        }
    }

    /// The names in the open folder `folder`, which this closes, as C strings: any bytes a name holds.
    private static func names(of folder: Int32) -> [[CChar]]? {
        guard folder >= 0 else { return nil }
        guard let stream = fdopendir(folder) else {
            close(folder)
            return nil
        }
        defer { closedir(stream) }
        var names: [[CChar]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0] }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
        return names
    }

    /// An error naming `path` and errno's reason (read before anything else can change it).
    private static func failure(_ what: String, _ path: String) -> Error {
        let reason = String(cString: strerror(errno))
        return CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(what) \(path): \(reason)"])
    }
}
