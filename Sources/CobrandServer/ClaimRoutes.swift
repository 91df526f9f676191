import CobrandCore
import CobrandStore
import CobrandUseCases
import CobrandFiles
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// MDF claims for partners: `POST /api/mdf/claims` and `GET /api/mdf/claims/<id>` with a partner token.
public struct ClaimRoutes: Sendable {
    public let database: any Store
    public let campaigns: Set<String>
    /// Where proofs are kept, beside the database.
    /// Where proof files are kept, by content.
    public let proofs: BlobStore
    public let now: @Sendable () -> Date

    public init(database: any Store, campaigns: Set<String>, proofFolder: URL, now: @escaping @Sendable () -> Date) {
        proofs = BlobStore(folder: proofFolder)
        self.database = database
        self.campaigns = campaigns
        self.now = now
    }

    struct Body: Decodable {
        let campaign: String?
        let activity: String?
        let activity_start: String?
        let activity_end: String?
        let amount: AmountText?
        let currency: String?
        let invoice: String?
        let results: [String: Int]?
        let proofs: [Proof]?

        struct Proof: Decodable {
            let name: String
            let content_base64: String
        }
    }

    /// A claim's fields as sent, before validation.
    struct ClaimFields {
        var campaign, activity, start, end, amount, currency, invoice: String?
        var results: [String: Int]?
    }

    /// Validates and stores a claim from the API or the portal form: a `FieldError` names what to fix, an
    /// `AppDatabase.ClaimError` says why nothing can be claimed.
    func submit(partner: String, fields: ClaimFields, proofs: [(name: String, data: Data)], idempotencyKey: String?) async throws -> (AppDatabase.Claim, Bool) {
        let claim = try ClaimRequest.validated(partner: partner, campaign: fields.campaign, activity: fields.activity, start: fields.start,
                                               end: fields.end, amount: fields.amount, currency: fields.currency, invoice: fields.invoice,
                                               results: fields.results, campaigns: campaigns)
        let proofs = try proofs.map { proof throws(FieldError) in try ClaimProof(name: proof.name, data: proof.data) }
        return try await SubmitClaim.run(claim, proofs: proofs, store: self.proofs, database: database, idempotencyKey: idempotencyKey,
                                   actor: "partner:\(partner)", now: now())
    }

    /// A stored proof as a download: only a SHA-256 of a claim of `partner` (any claim for admins), under the
    /// cleaned name it was given, never shown inline.
    func proofDownload(_ sha256: String, partner: String?) async throws -> Response {
        guard sha256.wholeMatch(of: /[0-9a-f]{64}/) != nil, let proof = try await database.proof(sha256: sha256, partner: partner),
              let data = proofs.get(sha256)
        else { throw ServerError(.notFound) }
        let name = String(proof.name.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }.map(Character.init))
        return Response(status: .ok, headers: [
            .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(name.isEmpty ? "proof" : name)\"",
            .cacheControl: "private, no-store", .init("X-Content-Type-Options")!: "nosniff", .contentSecurityPolicy: "default-src 'none'; sandbox",
        ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public func add(to router: Router<ServerContext>) {
        let api = PartnerToken.group(router, database: database)
        api.post("mdf/claims") { request, context in
            let partner = context.partner
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            let body = try await request.decodeJSON(Body.self, upTo: 16 << 20)
            do {
                let proofs = try (body.proofs ?? []).map { proof throws(FieldError) -> (String, Data) in
                    guard let data = Data(base64Encoded: proof.content_base64) else {
                        throw FieldError(field: "proofs", code: "invalid", message: "content_base64 of '\(proof.name)' is not base64")
                    }
                    return (proof.name, data)
                }
                let (stored, created) = try await self.submit(
                    partner: partner, fields: ClaimFields(campaign: body.campaign, activity: body.activity, start: body.activity_start,
                                                          end: body.activity_end, amount: body.amount?.text, currency: body.currency,
                                                          invoice: body.invoice, results: body.results),
                    proofs: proofs, idempotencyKey: key)
                return await Response.json(AppDatabase.payload(stored, proofs: try self.database.proofs(claim: stored.id)), status: created ? .created : .ok)
            } catch let error as FieldError {
                throw ServerError(.badRequest, code: error.code, message: error.message, field: error.field)
            } catch let error as AppDatabase.ClaimError {
                throw ServerError(.unprocessableContent, code: "not_claimable", message: error.description, field: error.field)
            }
        }
        api.get("mdf/claims/{id}") { _, context in
            let notFound = ServerError(.notFound, code: "not_found", message: "no such claim")
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw notFound }
            let claim: AppDatabase.Claim
            do { claim = try await self.database.claim(id) } catch AppDatabase.ClaimError.notFound { throw notFound }
            guard claim.partner == context.partner else { throw notFound }
            return await Response.json(AppDatabase.payload(claim, proofs: try self.database.proofs(claim: id)), status: .ok)
        }
    }
}
