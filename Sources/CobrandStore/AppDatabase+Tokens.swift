import CobrandCore
import Foundation
import GRDB

/// Access tokens for the portal (a partner) and the admin API. Only a SHA-256 of each token is stored,
/// so a copy of the database does not let anyone sign in.
extension AppDatabase {
    public enum Role: String, Sendable, Equatable, Codable, CaseIterable { case partner, admin }

    public struct Grant: Sendable, Equatable {
        public let role: Role
        /// The partner a partner token belongs to.
        public let partner: String?

        public init(role: Role, partner: String?) {
            self.role = role
            self.partner = partner
        }
    }

    /// Issues a new token and returns it; it is shown once and cannot be recovered.
    public func issueToken<R: RandomNumberGenerator>(role: Role, partner: String?, now: Date, using random: inout R) throws -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        let token = Base64URL.encode(Data(bytes))
        try writer.write { db in
            try AccessTokenRecord(role: role, partner: partner, tokenHash: Checksum.sha256(Data(token.utf8)), createdAt: now).insert(db)
        }
        return token
    }

    /// Who a token grants access to; nil for an unknown or revoked token.
    public func grant(for token: String) throws -> Grant? {
        try writer.read { db in
            try AccessTokenRecord.live.filter(AccessTokenRecord.Columns.tokenHash == Checksum.sha256(Data(token.utf8))).fetchOne(db)
                .map { Grant(role: $0.role, partner: $0.partner) }
        }
    }

    /// Revokes every live token of a partner (or every admin token when `partner` is nil) and ends the
    /// sessions they started, in one transaction: lost access is lost at once. Returns how many tokens.
    @discardableResult
    public func revokeTokens(role: Role, partner: String?, now: Date) throws -> Int {
        try writer.write { db in
            let revoked = try AccessTokenRecord.live.filter(AccessTokenRecord.Columns.role == role && AccessTokenRecord.Columns.partner === partner)
                .updateAll(db, AccessTokenRecord.Columns.revokedAt.set(to: now))
            try SessionRecord.filter(SessionRecord.Columns.role == role && SessionRecord.Columns.partner == (partner ?? "")).deleteAll(db)
            return revoked
        }
    }
}
