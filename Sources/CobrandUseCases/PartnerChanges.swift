import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

/// Partners' portal changes as an input of a build, a publish or a preview: the stored overrides, with
/// their logos read from the logo store.
public enum PartnerChanges {
    /// `project` with the changes in effect applied (with `pending`, the waiting ones too, for a preview);
    /// only `partner`'s when it is given.
    public static func applied(to project: Project, database: any Store, logos: BlobStore, partner: String? = nil,
                               pending: Bool = false) async throws -> (project: Project, diagnostics: [Diagnostic]) {
        let overrides = try await database.overrides(partner: partner, pending: pending)
        var files: [String: Data] = [:]
        for name in overrides.values.compactMap({ $0.profile["logo"] }) where !name.isEmpty {
            files[name] = logos.get(name)
        }
        return project.applying(overrides, logos: files)
    }
}

/// An MDF claim with its proof files: the files kept by content first, so a claim never names a proof
/// that is not stored (a retry rewrites nothing), then the claim in one transaction.
public enum SubmitClaim {
    public static func run(_ request: ClaimRequest, proofs: [ClaimProof], store: BlobStore, database: any Store, idempotencyKey: String?,
                           actor: String, now: Date) async throws -> (claim: AppDatabase.Claim, created: Bool) {
        for proof in proofs { try store.put(proof.data, as: proof.sha256) }
        return try await database.submit(request, proofs: proofs, idempotencyKey: idempotencyKey, actor: actor, now: now)
    }
}
