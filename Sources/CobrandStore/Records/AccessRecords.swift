import CobrandCore
import Foundation
import GRDB

/// A row of `accessToken`: only the token's SHA-256 is kept.
struct AccessTokenRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "accessToken"

    enum Columns {
        static let role = Column(CodingKeys.role), partner = Column(CodingKeys.partner), tokenHash = Column(CodingKeys.tokenHash)
        static let revokedAt = Column(CodingKeys.revokedAt)
    }

    var id: Int64?
    var role: AppDatabase.Role
    var partner: String?
    var tokenHash: String
    var createdAt: Date
    var revokedAt: Date?

    static var live: QueryInterfaceRequest<AccessTokenRecord> { filter(Columns.revokedAt == nil) }
}

/// A row of `session`: a session id's hash, whose it is, until when. An admin session's partner is `""`.
struct SessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"

    enum Columns {
        static let role = Column(CodingKeys.role), partner = Column(CodingKeys.partner)
        static let expiresAt = Column(CodingKeys.expiresAt)
    }

    var idHash: String
    var role: AppDatabase.Role
    var partner: String
    var expiresAt: Date
}

/// A row of `partner`: the roster as the portal shows it; locales joined by `;`.
struct PartnerRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "partner"

    enum Columns { static let id = Column(CodingKeys.id) }

    var id: String
    var name: String
    var locales: String
}

extension AppDatabase.Role: DatabaseValueConvertible {}
