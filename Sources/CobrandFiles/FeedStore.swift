import CobrandCore
import Foundation

/// The Atom feeds of built kits, read for `GET /feeds/…`: a feed is public (readers and partner sites
/// subscribe without a session) and is named by slugs only, so no request can reach another file.
public struct FeedStore: Sendable {
    public let output: URL

    public init(output: URL) {
        self.output = output
    }

    /// The feed of syndication component `component` in the kit `id`; nil when a name is not a slug, the
    /// locale is not a tag, or the kit has no such feed (a removed partner's kit is pruned, so its feed goes too).
    public func feed(_ id: KitID, component: String) -> Data? {
        guard [id.campaign, id.partner, component].allSatisfy(Partner.isValidID) else { return nil }
        let url = output.appendingPathComponent(id.directory).appendingPathComponent(component).appendingPathComponent(AtomFeed.fileName)
        var info = stat()
        guard lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileManager.default.contents(atPath: url.path)
    }
}
