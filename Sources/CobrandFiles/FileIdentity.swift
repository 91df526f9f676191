import Foundation

/// Which file a path names, as far as its contents go: inode, size and change time. A write, truncation,
/// rename or new link changes the change time, which, unlike the modification time, cannot be set back; a
/// file put in its place has another inode, or else a later change time.
struct FileIdentity: Sendable, Equatable {
    /// A change time, as the file system keeps it.
    struct Time: Sendable, Equatable, Comparable {
        let seconds: Int
        let nanoseconds: Int

        static func < (a: Time, b: Time) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }
    }

    let inode: UInt64
    let size: Int64
    let changed: Time

    init(inode: UInt64, size: Int64, changed: Time) {
        self.inode = inode
        self.size = size
        self.changed = changed
    }

    init(_ info: stat) {
        self.init(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                  changed: Time(seconds: info.st_ctim.tv_sec, nanoseconds: info.st_ctim.tv_nsec))
    }

    /// The identity of the regular file at `path` itself (no link followed); nil when there is none.
    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(info)
    }
}
