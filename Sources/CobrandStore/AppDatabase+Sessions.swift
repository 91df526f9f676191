import CobrandCore
import Foundation
import GRDB

/// Portal and admin sessions: a random id in an HttpOnly cookie, its hash in the database, a fixed lifetime.
extension AppDatabase {
    /// How long a portal or admin sign-in lasts (the cookie's max-age too).
    public static let sessionLifetime: TimeInterval = 8 * 3600

    /// Starts a session for what `grant` allows (a partner, or an admin) and returns its id (the cookie value).
    public func startSession<R: RandomNumberGenerator>(for grant: Grant, now: Date, lifetime: TimeInterval = sessionLifetime,
                                                        using random: inout R) throws -> String {
        let id = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }))
        try writer.write { db in
            try SessionRecord.filter(SessionRecord.Columns.expiresAt <= now).deleteAll(db)
            try SessionRecord(idHash: Checksum.sha256(Data(id.utf8)), role: grant.role, partner: grant.partner ?? "",
                              expiresAt: now.addingTimeInterval(lifetime)).insert(db)
        }
        return id
    }

    /// Starts a partner's portal session.
    public func startSession<R: RandomNumberGenerator>(partner: String, now: Date, lifetime: TimeInterval = sessionLifetime,
                                                        using random: inout R) throws -> String {
        try startSession(for: Grant(role: .partner, partner: partner), now: now, lifetime: lifetime, using: &random)
    }

    /// What a live session grants; nil when unknown or expired.
    public func session(_ id: String, now: Date) throws -> Grant? {
        try writer.read { db in
            try SessionRecord.filter(key: Checksum.sha256(Data(id.utf8))).filter(SessionRecord.Columns.expiresAt > now).fetchOne(db)
                .map { Grant(role: $0.role, partner: $0.role == .partner ? $0.partner : nil) }
        }
    }

    /// The partner of a live partner session; nil when unknown, expired, or an admin's.
    public func sessionPartner(_ id: String, now: Date) throws -> String? {
        guard let grant = try session(id, now: now), grant.role == .partner else { return nil }
        return grant.partner
    }

    public func endSession(_ id: String) throws {
        _ = try writer.write { db in try SessionRecord.deleteOne(db, key: Checksum.sha256(Data(id.utf8))) }
    }

    /// A partner's kit by campaign and locale; nil when that partner has no such kit.
    public func kit(partner: String, campaign: String, locale: String) throws -> Kit? {
        try writer.read { db in
            try Kit.filter(Kit.Columns.partner == partner && Kit.Columns.campaign == campaign && Kit.Columns.locale == locale).fetchOne(db)
        }
    }

    /// A partner's display name and locales, for the portal.
    public func partner(_ id: String) throws -> (name: String, locales: [String])? {
        try writer.read { db in
            try PartnerRecord.fetchOne(db, key: id).map { ($0.name, $0.locales.split(separator: ";").map(String.init)) }
        }
    }
}
