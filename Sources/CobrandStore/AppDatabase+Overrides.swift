import CobrandCore
import Foundation
import GRDB

/// Partners' own changes from the portal: the log of every change (who, when, old, new, decision) and the
/// override layer the changes that took effect make up.
extension AppDatabase {
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

    public typealias ChangeError = CobrandCore.ChangeError

    /// Records changes in one transaction, as `ChangeWorkflow` starts them: a pending change of the same
    /// field is withdrawn first; one that takes effect at once sets its override.
    @discardableResult
    public func saveChanges(partner: String, _ changes: [ChangeRequest], actor: String, now: Date) throws -> [FieldChange] {
        try writer.write { db in
            try changes.compactMap { change in
                try FieldChange.filter(FieldChange.Columns.partner == partner && FieldChange.Columns.campaign == change.campaign
                                       && FieldChange.Columns.locale == change.locale && FieldChange.Columns.field == change.field
                                       && FieldChange.Columns.status == ChangeStatus.pending)
                    .updateAll(db, FieldChange.Columns.status.set(to: ChangeStatus.withdrawn), FieldChange.Columns.decidedBy.set(to: actor),
                               FieldChange.Columns.decidedAt.set(to: now))
                guard let status = ChangeWorkflow.start(needsApproval: change.needsApproval, oldValue: change.oldValue, newValue: change.newValue)
                else { return nil }
                var saved = FieldChange(partner: partner, campaign: change.campaign, locale: change.locale, field: change.field,
                                        oldValue: change.oldValue, newValue: change.newValue, status: status, actor: actor, createdAt: now)
                try saved.insert(db)
                if status.takesEffect { try OverrideRecord(saved, now: now).save(db) }
                return saved
            }
        }
    }

    /// Approves (the value takes effect) or rejects a pending change.
    public func decide(change id: Int64, approve: Bool, by actor: String, note: String? = nil, now: Date) throws -> FieldChange {
        try writer.write { db in
            var change = try Self.change(id, db)
            change.status = try ChangeWorkflow.decide(id, status: change.status, approve: approve)
            change.decidedBy = actor
            change.decidedAt = now
            change.note = note
            try change.update(db)
            if change.status.takesEffect { try OverrideRecord(change, now: now).save(db) }
            return change
        }
    }

    public func changes(partner: String? = nil, status: ChangeStatus? = nil) throws -> [FieldChange] {
        try writer.read { db in
            var request = FieldChange.order(FieldChange.Columns.id)
            if let partner { request = request.filter(FieldChange.Columns.partner == partner) }
            if let status { request = request.filter(FieldChange.Columns.status == status) }
            return try request.fetchAll(db)
        }
    }

    public func change(_ id: Int64) throws -> FieldChange { try writer.read { db in try Self.change(id, db) } }

    /// The changes in effect, by partner; with `pending`, what each partner's pending changes would make
    /// them (the portal's preview).
    public func overrides(partner: String? = nil, pending: Bool = false) throws -> [String: PartnerOverrides] {
        try writer.read { db in
            var layer = OverrideLayer()
            var effective = OverrideRecord.all()
            if let partner { effective = effective.filter(OverrideRecord.Columns.partner == partner) }
            for row in try effective.fetchAll(db) {
                layer.add(partner: row.partner, campaign: row.campaign, locale: row.locale, field: row.field, value: row.value)
            }
            if pending {
                for change in try Self.pendingChanges(partner: partner).fetchAll(db) {
                    layer.add(partner: change.partner, campaign: change.campaign, locale: change.locale, field: change.field, value: change.newValue)
                }
            }
            return layer.partners
        }
    }

    static func pendingChanges(partner: String?) -> QueryInterfaceRequest<FieldChange> {
        var request = FieldChange.filter(FieldChange.Columns.status == ChangeStatus.pending).order(FieldChange.Columns.id)
        if let partner { request = request.filter(FieldChange.Columns.partner == partner) }
        return request
    }

    static func change(_ id: Int64, _ db: Database) throws -> FieldChange {
        guard let change = try FieldChange.fetchOne(db, key: id) else {
            throw ChangeError.notFound(id)
        }
        return change
    }
}

/// Overrides by partner, built row by row: campaign `""` is the profile, else a campaign's slot in a locale.
struct OverrideLayer {
    var partners: [String: PartnerOverrides] = [:]

    mutating func add(partner: String, campaign: String, locale: String, field: String, value: String) {
        if campaign.isEmpty {
            partners[partner, default: PartnerOverrides()].profile[field] = value
        } else {
            partners[partner, default: PartnerOverrides()].slots[campaign, default: [:]][locale, default: [:]][field] = value
        }
    }
}
