import CobrandCore
import Foundation
import GRDB

extension AppDatabase {
    /// A built kit as the portal lists it.
    public struct Kit: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
        public static let databaseTableName = "kit"

        public enum Columns {
            public static let partner = Column(CodingKeys.partner), campaign = Column(CodingKeys.campaign), locale = Column(CodingKeys.locale)
        }

        public let dir: String
        public let campaign: String
        public let partner: String
        public let locale: String
        public let bundle: String
        public let sha256: String
        public let files: Int
        public let bytes: Int
        public internal(set) var builtAt: Date

        public init(dir: String, campaign: String, partner: String, locale: String, bundle: String, sha256: String,
                    files: Int, bytes: Int, builtAt: Date) {
            self.dir = dir
            self.campaign = campaign
            self.partner = partner
            self.locale = locale
            self.bundle = bundle
            self.sha256 = sha256
            self.files = files
            self.bytes = bytes
            self.builtAt = builtAt
        }
    }
}

/// A row of `setting`: a named secret (tracking key, IP salt).
struct SettingRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "setting"

    var key: String
    var value: Data
}
