import CobrandCore
import Foundation

/// Reads the files of built kits that `cobrand serve` answers publicly (`HostedFiles`): pages, calendar
/// files, feeds and their images. Only names `HostedFiles.isPublic` allows are read, and no symlink is followed.
public struct HostedFileStore: Sendable {
    public let output: URL

    public init(output: URL) {
        self.output = output
    }

    /// `file` of the kit `id`; nil when it is not a public name, the kit's names are not slugs, or the file is
    /// not there (a removed partner's kit is pruned, so its pages go too).
    public func file(_ id: KitID, _ file: String) -> Data? {
        guard Partner.isValidID(id.campaign), Partner.isValidID(id.partner), HostedFiles.isPublic(file) else { return nil }
        return KitStore.regularFile(output.appendingPathComponent(id.directory).appendingPathComponent(file))
    }
}
