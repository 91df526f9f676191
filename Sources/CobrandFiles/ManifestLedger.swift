import CobrandCore
import Foundation

/// `.cache/manifests` in the output folder: what each kit's manifest said (inputs hash, files, bytes) and
/// which file said it (inode, size and change time), so an incremental build knows an unchanged kit by one
/// lstat instead of reading and scanning its manifest (1,200 of them). A cache: when it is missing, cut short
/// or out of date, or a manifest is not the file it names, that manifest is read as before.
struct ManifestLedger: Sendable, Equatable {
    /// What a kit's manifest said, and which file said it.
    struct Line: Sendable, Equatable {
        let summary: KitManifest.Summary
        let identity: FileIdentity
    }

    /// By kit folder, relative to the output folder.
    var lines: [String: Line] = [:]

    static let path = ".cache/manifests"
    private static let header = "cobrand manifests 1"

    /// The ledger of `output`, or an empty one when there is none or it cannot be read whole. A line about a
    /// manifest changed no earlier than the ledger was written is left out: change times come in ticks of a few
    /// milliseconds, so an edit in that tick could leave the manifest's identity as the line recorded it.
    static func read(from output: String) -> ManifestLedger {
        var info = stat()
        guard let data = FolderTree.contents(of: output + "/" + path, info: &info), var ledger = parse(data) else { return ManifestLedger() }
        let written = (info.st_ctim.tv_sec, info.st_ctim.tv_nsec)
        ledger.lines = ledger.lines.filter { $0.value.identity.changed < written }
        return ledger
    }

    /// The lines of `data`; nil unless it is a whole ledger as `text` writes it. Read on bytes: splitting
    /// the text by characters took 9 ms for 1,200 lines.
    static func parse(_ data: Data) -> ManifestLedger? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> ManifestLedger? in
            let header = Array((Self.header + "\n").utf8)
            guard bytes.starts(with: header), bytes.last == UInt8(ascii: "\n") else { return nil }
            var ledger = ManifestLedger()
            var start = header.count
            while start < bytes.count {
                guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                let fields = bytes[start..<end].split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                guard fields.count == 8, let files = number(fields[2]), let bytes = number(fields[3]), let inode = number(fields[4]),
                      let size = number(fields[5]), let seconds = number(fields[6]), let nanoseconds = number(fields[7])
                else { return nil }
                let summary = KitManifest.Summary(inputsSHA256: String(decoding: fields[1], as: UTF8.self), files: files, bytes: bytes)
                ledger.lines[String(decoding: fields[0], as: UTF8.self)] = Line(summary: summary,
                    identity: FileIdentity(inode: UInt64(inode), size: Int64(size), changed: seconds, nanoseconds))
                start = end + 1
            }
            return ledger
        }
    }

    /// The decimal digits of `text` as a number; nil for anything else, or one past `Int.max`.
    private static func number(_ text: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = tens.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// One line per kit, sorted: folder, inputs hash, files, bytes, then the manifest's inode, size and change time.
    var text: Data {
        var out = Array((Self.header + "\n").utf8)
        out.reserveCapacity(out.count + 160 * lines.count)
        for (folder, line) in lines.sorted(by: { $0.key < $1.key }) {
            let identity = line.identity
            for (number, field) in [folder, line.summary.inputsSHA256, "\(line.summary.files)", "\(line.summary.bytes)", "\(identity.inode)",
                                    "\(identity.size)", "\(identity.changed.seconds)", "\(identity.changed.nanoseconds)"].enumerated() {
                if number > 0 { out.append(UInt8(ascii: "\t")) }
                out += field.utf8
            }
            out.append(UInt8(ascii: "\n"))
        }
        return Data(out)
    }

    /// Writes the ledger beside and renames it over the old one, without fsync: after a power cut it may be
    /// cut short, and then the manifests are read. One that cannot be written is only missed next time.
    func write(to output: String) {
        let folder = output + "/.cache"
        let temp = folder + "/.manifests." + UUID().uuidString + ".tmp"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard (try? KitStore.writeFile(text, to: URL(fileURLWithPath: temp))) != nil, rename(temp, output + "/" + Self.path) == 0 else {
            unlink(temp)
            return
        }
    }
}

/// Which file a path names, as far as its contents go: inode, size and change time. A write, truncation,
/// rename or new link changes the change time, which, unlike the modification time, cannot be set back; a
/// file put in its place has another inode, or else a later change time.
struct FileIdentity: Sendable, Equatable {
    let inode: UInt64
    let size: Int64
    let changed: (seconds: Int, nanoseconds: Int)

    init(inode: UInt64, size: Int64, changed seconds: Int, _ nanoseconds: Int) {
        self.inode = inode
        self.size = size
        changed = (seconds, nanoseconds)
    }

    init(_ info: stat) {
        self.init(inode: UInt64(info.st_ino), size: Int64(info.st_size), changed: info.st_ctim.tv_sec, info.st_ctim.tv_nsec)
    }

    /// The identity of the regular file at `path` itself (no link followed); nil when there is none.
    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(info)
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.inode == b.inode && a.size == b.size && a.changed == b.changed
    }
}
