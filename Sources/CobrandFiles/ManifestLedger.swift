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

    /// When the build that wrote the ledger began (`stamp`). A line about a manifest changed since then is not
    /// believed: change times come in ticks, so a manifest written, looked at and edited again within one tick
    /// while that build ran would still look like the file the line names.
    var since: FileIdentity.Time
    /// By kit folder, relative to the output folder.
    var lines: [String: Line] = [:]

    static let path = ".cache/manifests"
    private static let stampPath = ".cache/manifests.stamp"
    private static let header = "cobrand manifests 2"

    /// Marks the start of a build: the change time of `.cache/manifests.stamp`, touched now, on the clock and
    /// in the ticks of the output folder's own file system. Nil when it cannot be touched; then no ledger is written.
    static func stamp(_ output: String) -> FileIdentity.Time? {
        mkdir(output + "/.cache", 0o755)
        let file = open(output + "/" + stampPath, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var info = stat()
        guard futimens(file, nil) == 0, fstat(file, &info) == 0 else { return nil }
        return FileIdentity(info).changed
    }

    /// The ledger of `output`; nil when there is none or it cannot be read whole.
    static func read(from output: String) -> ManifestLedger? {
        FolderTree.contents(of: output + "/" + path).flatMap(parse)
    }

    /// The believable lines of `data` (about manifests changed before the ledger's `since`); nil unless it is
    /// a whole ledger as `text` writes it. Read on bytes: splitting the text by characters took 9 ms.
    static func parse(_ data: Data) -> ManifestLedger? {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> ManifestLedger? in
            var rows = buffer.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            guard buffer.last == UInt8(ascii: "\n"), let first = rows.first else { return nil }
            rows.removeLast()
            let head = first.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard head.count == 3, head[0].elementsEqual(header.utf8),
                  let seconds = number(head[1]).flatMap(Int.init(exactly:)), let nanoseconds = number(head[2]).flatMap(Int.init(exactly:))
            else { return nil }
            var ledger = ManifestLedger(since: FileIdentity.Time(seconds: seconds, nanoseconds: nanoseconds))
            for row in rows.dropFirst() {
                let fields = row.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                guard fields.count == 8, let files = number(fields[2]).flatMap(Int.init(exactly:)),
                      let bytes = number(fields[3]).flatMap(Int.init(exactly:)), let inode = number(fields[4]),
                      let size = number(fields[5]).flatMap(Int64.init(exactly:)), let seconds = number(fields[6]).flatMap(Int.init(exactly:)),
                      let nanoseconds = number(fields[7]).flatMap(Int.init(exactly:))
                else { return nil }
                let identity = FileIdentity(inode: inode, size: size, changed: FileIdentity.Time(seconds: seconds, nanoseconds: nanoseconds))
                guard identity.changed < ledger.since else { continue }
                let summary = KitManifest.Summary(inputsSHA256: String(decoding: fields[1], as: UTF8.self), files: files, bytes: bytes)
                ledger.lines[String(decoding: fields[0], as: UTF8.self)] = Line(summary: summary, identity: identity)
            }
            return ledger
        }
    }

    /// The decimal digits of `text` as a number; nil for anything else, or past `UInt64.max`.
    private static func number(_ text: Slice<UnsafeRawBufferPointer>) -> UInt64? {
        guard !text.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = tens.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// The header with `since`, then one line per kit, sorted: folder, inputs hash, files, bytes, then the
    /// manifest's inode, size and change time.
    var text: Data {
        var out = Array("\(Self.header)\t\(since.seconds)\t\(since.nanoseconds)\n".utf8)
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

    /// Writes the ledger beside (one name: builds hold the output lock) and renames it over the old one,
    /// without fsync: after a power cut it may be cut short, and then the manifests are read. One that
    /// cannot be written is only missed next time.
    func write(to output: String) {
        let temp = output + "/" + Self.path + ".tmp"
        unlink(temp)
        guard (try? KitStore.writeFile(text, to: temp)) != nil, rename(temp, output + "/" + Self.path) == 0 else {
            unlink(temp)
            return
        }
    }
}
