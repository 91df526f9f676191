import CobrandCore
import Foundation
import GRDB

extension AppDatabase {
    /// A row of `partnerChange`: one change a partner asked for, who decided it and when.
    public struct FieldChange: Codable, FetchableRecord, MutablePersistableRecord, Equatable, Sendable {
        public typealias Status = ChangeStatus
        public static let databaseTableName = "partnerChange"

        enum CodingKeys: String, CodingKey {
            case rowID = "id", partner, campaign, locale, field, oldValue, newValue, status, actor, createdAt, decidedBy, decidedAt, note
        }

        public enum Columns {
            public static let id = Column(CodingKeys.rowID), partner = Column(CodingKeys.partner), campaign = Column(CodingKeys.campaign)
            public static let locale = Column(CodingKeys.locale), field = Column(CodingKeys.field), status = Column(CodingKeys.status)
            public static let decidedBy = Column(CodingKeys.decidedBy), decidedAt = Column(CodingKeys.decidedAt)
        }

        var rowID: Int64?
        public var id: Int64 { rowID ?? 0 }
        public let partner: String
        /// `""` for a profile (roster) field, else the campaign of a slot.
        public let campaign: String
        /// `""` for every locale.
        public let locale: String
        public let field: String
        public let oldValue: String?
        public let newValue: String
        public internal(set) var status: Status
        public let actor: String
        public let createdAt: Date
        public internal(set) var decidedBy: String?
        public internal(set) var decidedAt: Date?
        public internal(set) var note: String?

        init(partner: String, campaign: String, locale: String, field: String, oldValue: String?, newValue: String, status: Status,
             actor: String, createdAt: Date) {
            self.partner = partner
            self.campaign = campaign
            self.locale = locale
            self.field = field
            self.oldValue = oldValue
            self.newValue = newValue
            self.status = status
            self.actor = actor
            self.createdAt = createdAt
        }

        /// `phone`, or `cloud-migration.intro`, or `cloud-migration.intro (de-DE)`.
        public var subject: String {
            (campaign.isEmpty ? field : "\(campaign).\(field)") + (locale.isEmpty ? "" : " (\(locale))")
        }

        public mutating func didInsert(_ inserted: InsertionSuccess) { rowID = inserted.rowID }
    }
}

/// A row of `partnerOverride`: the value in effect for one field, from the change that set it.
struct OverrideRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "partnerOverride"

    enum Columns { static let partner = Column(CodingKeys.partner) }

    var partner: String
    var campaign: String
    var locale: String
    var field: String
    var value: String
    var changeId: Int64
    var updatedAt: Date

    init(_ change: AppDatabase.FieldChange, now: Date) {
        partner = change.partner
        campaign = change.campaign
        locale = change.locale
        field = change.field
        value = change.newValue
        changeId = change.id
        updatedAt = now
    }
}

extension ChangeStatus: DatabaseValueConvertible {}
