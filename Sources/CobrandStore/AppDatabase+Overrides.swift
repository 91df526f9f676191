import CobrandCore
import Foundation
import GRDB

/// Partners' own changes from the portal: the log of every change (who, when, old, new, decision) and the
/// override layer the changes that took effect make up.
extension AppDatabase {
    public struct FieldChange: Codable, FetchableRecord, Equatable, Sendable {
        public enum Status: String, Codable, Sendable { case applied, pending, approved, rejected, withdrawn }

        public let id: Int64
        public let partner: String
        /// `""` for a profile (roster) field, else the campaign of a slot.
        public let campaign: String
        /// `""` for every locale.
        public let locale: String
        public let field: String
        public let oldValue: String?
        public let newValue: String
        public let status: Status
        public let actor: String
        public let createdAt: Date
        public let decidedBy: String?
        public let decidedAt: Date?
        public let note: String?

        /// `phone`, or `cloud-migration.intro`, or `cloud-migration.intro (de-DE)`.
        public var subject: String {
            (campaign.isEmpty ? field : "\(campaign).\(field)") + (locale.isEmpty ? "" : " (\(locale))")
        }
    }

    /// One field a partner changes: where it is, its value now and the new one.
    public struct ChangeRequest: Sendable, Equatable {
        public var campaign: String
        public var locale: String
        public var field: String
        public var oldValue: String?
        public var newValue: String
        public var needsApproval: Bool

        public init(campaign: String = "", locale: String = "", field: String, oldValue: String?, newValue: String, needsApproval: Bool) {
            self.campaign = campaign
            self.locale = locale
            self.field = field
            self.oldValue = oldValue
            self.newValue = newValue
            self.needsApproval = needsApproval
        }
    }

    public struct ChangeError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Records changes in one transaction. One that needs approval waits as `pending` (replacing an earlier
    /// pending change of the same field, which becomes `withdrawn`); the others take effect at once. Asking
    /// for the value already in effect only withdraws what was waiting.
    @discardableResult
    public func saveChanges(partner: String, _ changes: [ChangeRequest], actor: String, now: Date) throws -> [FieldChange] {
        try writer.write { db in
            try changes.compactMap { change in
                try db.execute(sql: """
                    UPDATE partnerChange SET status = 'withdrawn', decidedBy = ?, decidedAt = ?
                    WHERE partner = ? AND campaign = ? AND locale = ? AND field = ? AND status = 'pending'
                    """, arguments: [actor, now, partner, change.campaign, change.locale, change.field])
                if change.needsApproval, change.newValue == change.oldValue ?? "" { return nil }
                try db.execute(sql: """
                    INSERT INTO partnerChange (partner, campaign, locale, field, oldValue, newValue, status, actor, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [partner, change.campaign, change.locale, change.field, change.oldValue, change.newValue,
                                     change.needsApproval ? "pending" : "applied", actor, now])
                let id = db.lastInsertedRowID
                if !change.needsApproval { try Self.setOverride(changeID: id, now: now, db) }
                return try Self.change(id, db)
            }
        }
    }

    /// Approves (the value takes effect) or rejects a pending change.
    public func decide(change id: Int64, approve: Bool, by actor: String, note: String? = nil, now: Date) throws -> FieldChange {
        try writer.write { db in
            let change = try Self.change(id, db)
            guard change.status == .pending else {
                throw ChangeError(message: "change \(id) is \(change.status.rawValue), not pending; only pending changes are approved or rejected")
            }
            try db.execute(sql: "UPDATE partnerChange SET status = ?, decidedBy = ?, decidedAt = ?, note = ? WHERE id = ?",
                           arguments: [approve ? "approved" : "rejected", actor, now, note, id])
            if approve { try Self.setOverride(changeID: id, now: now, db) }
            return try Self.change(id, db)
        }
    }

    public func changes(partner: String? = nil, status: FieldChange.Status? = nil) throws -> [FieldChange] {
        try writer.read { db in
            try FieldChange.fetchAll(db, sql: """
                SELECT * FROM partnerChange WHERE (? IS NULL OR partner = ?) AND (? IS NULL OR status = ?) ORDER BY id
                """, arguments: [partner, partner, status?.rawValue, status?.rawValue])
        }
    }

    public func change(_ id: Int64) throws -> FieldChange { try writer.read { db in try Self.change(id, db) } }

    /// The changes in effect, by partner; with `pending`, what each partner's pending changes would make
    /// them (the portal's preview).
    public func overrides(partner: String? = nil, pending: Bool = false) throws -> [String: PartnerOverrides] {
        try writer.read { db in
            var result: [String: PartnerOverrides] = [:]
            func add(_ row: Row) {
                let partner: String = row["partner"], campaign: String = row["campaign"], locale: String = row["locale"]
                let field: String = row["field"], value: String = row["value"]
                if campaign.isEmpty {
                    result[partner, default: PartnerOverrides()].profile[field] = value
                } else {
                    result[partner, default: PartnerOverrides()].slots[campaign, default: [:]][locale, default: [:]][field] = value
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT partner, campaign, locale, field, value FROM partnerOverride WHERE ? IS NULL OR partner = ?",
                                        arguments: [partner, partner]) { add(row) }
            if pending {
                for row in try Row.fetchAll(db, sql: """
                    SELECT partner, campaign, locale, field, newValue AS value FROM partnerChange
                    WHERE status = 'pending' AND (? IS NULL OR partner = ?) ORDER BY id
                    """, arguments: [partner, partner]) { add(row) }
            }
            return result
        }
    }

    static func change(_ id: Int64, _ db: Database) throws -> FieldChange {
        guard let change = try FieldChange.fetchOne(db, sql: "SELECT * FROM partnerChange WHERE id = ?", arguments: [id]) else {
            throw ChangeError(message: "no change \(id); cobrand partners changes lists them")
        }
        return change
    }

    static func setOverride(changeID id: Int64, now: Date, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO partnerOverride (partner, campaign, locale, field, value, changeId, updatedAt)
            SELECT partner, campaign, locale, field, newValue, id, ? FROM partnerChange WHERE id = ?
            ON CONFLICT (partner, campaign, locale, field) DO UPDATE SET value = excluded.value, changeId = excluded.changeId,
              updatedAt = excluded.updatedAt
            """, arguments: [now, id])
    }
}
