import Foundation

/// Listing and removing folders with readdir(3) and unlinkat(2), and reading a file whole, without FileManager:
/// its versions stat every entry and read its extended attributes. What an incremental build does to each of
/// 1,200 kits is worth the difference.
enum FolderTree {
    /// The names in the folder at `path`, without `.` and `..`; nil when it cannot be opened.
    static func names(in path: String) -> [String]? {
        names(of: open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))?.map(text)
    }

    /// The regular files under `folder` (relative to `root`), as paths relative to `root`: symbolic links to
    /// files included, none followed into a folder; names starting with a dot, and all under them, left out.
    /// None when `folder` is not there (or is no folder); folders there that cannot be listed go to `unlistable`.
    static func regularFiles(under folder: String, in root: String, unlistable: inout [String]) -> [String] {
        var files: [String] = []
        func walk(_ relative: String) {
            guard let names = names(in: root + "/" + relative) else {
                if !(relative == folder && (errno == ENOENT || errno == ENOTDIR)) { unlistable.append(relative) }
                return
            }
            for name in names where !name.hasPrefix(".") {
                let path = relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: walk(path)
                case S_IFREG: files.append(path)
                case S_IFLNK: if stat(root + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG { files.append(path) }
                default: continue
                }
            }
        }
        walk(folder)
        return files
    }

    /// The file's bytes, read with one open, fstat and read: FileManager adds a stat and a seek, and an
    /// incremental build reads the manifests its ledger cannot vouch for. Nil when it cannot be read whole.
    static func contents(of path: String) -> Data? {
        var info = stat()
        return contents(of: path, info: &info)
    }

    /// `contents(of:)`, also giving the file's status as it was read.
    static func contents(of path: String, info: inout stat) -> Data? {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        guard fstat(file, &info) == 0 else { return nil }
        return contents(of: file, size: Int(info.st_size))
    }

    /// Whether the file at `path` is a regular file holding exactly `data` (not through a symbolic link).
    static func holds(_ data: Data, at path: String) -> Bool {
        let file = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size == data.count else { return false }
        return contents(of: file, size: data.count) == data
    }

    /// `size` bytes from the open `file`; nil when it ends sooner or cannot be read.
    private static func contents(of file: Int32, size: Int) -> Data? {
        var data = Data(count: size)
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

    /// Removes `path` and everything in it, without following symbolic links. Returns false when nothing was
    /// there (also when another process removed it meanwhile).
    @discardableResult
    static func remove(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        let refused = errno
        guard refused != ENOENT else { return false }
        try removeFolder(open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), path: path, unlinkError: refused)
        guard rmdir(path) == 0 || errno == ENOENT else { throw failure("cannot remove", path) }
        return true
    }

    /// Empties `folder`, opened after unlink(2) refused its name with `unlinkError` (then closed). Linux refuses
    /// a folder with EISDIR, POSIX allows EPERM; anything else, or a name that is no folder, is unlink's error.
    private static func removeFolder(_ folder: Int32, path: String, unlinkError: Int32) throws {
        guard folder >= 0 else {
            let opening = errno
            if opening == ENOENT { return } // removed meanwhile
            // Not a folder after all, or unlink's refusal was not about one: unlink's reason is the one to report.
            errno = opening == ENOTDIR || (unlinkError != EISDIR && unlinkError != EPERM) ? unlinkError : opening
            throw failure("cannot remove", path)
        }
        defer { close(folder) }
        // Every name is read before any is removed: readdir's order over a folder that changes is unspecified.
        guard let names = names(of: dup(folder)) else { throw failure("cannot read", path) }
        for name in names {
            if unlinkat(folder, name, 0) == 0 || errno == ENOENT { continue }
            let refused = errno
            let child = path + "/" + Self.text(name)
            try removeFolder(openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), path: child, unlinkError: refused)
            guard unlinkat(folder, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw failure("cannot remove", child) }
        }
    }

    /// A name's bytes as text (bytes that are not UTF-8 shown as U+FFFD).
    private static func text(_ name: [CChar]) -> String {
        String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
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

    /// An error naming `path`, errno's reason (read before anything else can change it) and the fix.
    private static func failure(_ what: String, _ path: String) -> OutputError {
        let reason = String(cString: strerror(errno))
        return OutputError(path: path, reason: "\(what) it (\(reason)); check the folder's permissions and that the disk is not full, then run again")
    }
}
