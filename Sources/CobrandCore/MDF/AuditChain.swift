import Crypto
import Foundation

/// The MDF audit log's hash chain: each entry carries the SHA-256 of the previous entry's hash and its
/// own fields, so editing, deleting or reordering any row breaks every hash after it.
public enum AuditChain {
    /// The `previous` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public struct Entry: Sendable, Equatable {
        public let id: Int64
        /// RFC 3339, UTC.
        public let at: String
        public let actor: String
        /// `allocate`, `claim`, `decide`, `override`, ...
        public let action: String
        /// What it is about: `allocation:12`, `claim:7`.
        public let subject: String
        /// Canonical JSON (sorted keys) of the details.
        public let detail: String

        public init(id: Int64, at: String, actor: String, action: String, subject: String, detail: String) {
            self.id = id
            self.at = at
            self.actor = actor
            self.action = action
            self.subject = subject
            self.detail = detail
        }
    }

    /// The hash of `entry` chained to `previous`. Fields are length-prefixed, so no two different entries
    /// serialise alike.
    public static func hash(_ entry: Entry, previous: String) -> String {
        let fields = [previous, String(entry.id), entry.at, entry.actor, entry.action, entry.subject, entry.detail]
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n")
        return Checksum.sha256(Data(text.utf8))
    }

    /// The first entry whose stored `previous` or `hash` does not match the chain; nil when all do.
    public static func firstBroken(_ rows: [(entry: Entry, previous: String, hash: String)]) -> (id: Int64, reason: String)? {
        var expectedPrevious = genesis
        for row in rows {
            guard row.previous == expectedPrevious else {
                return (row.entry.id, "its previous-hash does not match the row before it (a row was removed, inserted or reordered)")
            }
            guard hash(row.entry, previous: row.previous) == row.hash else {
                return (row.entry.id, "its content does not match its hash (the row was edited)")
            }
            expectedPrevious = row.hash
        }
        return nil
    }
}
