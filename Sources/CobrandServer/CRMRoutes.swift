import CobrandCore
import CobrandStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/crm/updates`: the CRM tells Cobrand how deals ended and which leads qualified. Signed as
/// Cobrand signs its own webhook (`Webhook.refusal`), with the same secret; a batch is applied in one
/// transaction, idempotent by the CRM's event ids.
public struct CRMRoutes: Sendable {
    public let database: any Store
    public let secret: Data
    public let now: @Sendable () -> Date

    static let signature = HTTPField.Name("Cobrand-Signature")!, timestamp = HTTPField.Name("Cobrand-Timestamp")!

    /// Updates in one request, at most.
    static let batchLimit = 1_000

    public init(database: any Store, secret: Data, now: @escaping @Sendable () -> Date) {
        self.database = database
        self.secret = secret
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        router.post("/api/crm/updates") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 4 << 20))
            if let refusal = Webhook.refusal(header: request.headers[Self.signature], timestamp: request.headers[Self.timestamp], body: body,
                                             secret: self.secret, now: self.now()) {
                throw ServerError(.unauthorized, code: refusal == .stale ? "stale" : "unauthorized", message: refusal.rawValue)
            }
            let updates = try Self.updates(body, now: self.now())
            let results: [CRMUpdate.Result]
            do { results = try await self.database.applyCRM(updates, now: self.now()) } catch let error as CRMUnknownTarget {
                throw ServerError(.notFound, code: "not_found", message: error.description, field: "\(error.kind)_id")
            } catch let error as CRMUpdateError {
                throw ServerError(.unprocessableContent, code: "invalid", message: error.description, field: error.field)
            }
            let rows: [[String: Any]] = zip(updates, results).map { ["event_id": $0.eventID, "result": $1.rawValue] }
            return Response.json(["results": rows], status: .ok)
        }
    }

    /// The body's updates: `{"updates": [...]}` or one update object. Ids may be numbers; every other value
    /// is a string (money is never a JSON number).
    static func updates(_ body: Data, now: Date) throws -> [CRMUpdate] {
        let objects: [Any], batch: Bool
        switch try? JSONSerialization.jsonObject(with: body) {
        case let object as [String: Any] where object["updates"] != nil:
            guard let list = object["updates"] as? [Any], object.count == 1 else {
                throw ServerError(.badRequest, code: "bad_json", message: "updates must be a list of update objects, alone in the body", field: "updates")
            }
            (objects, batch) = (list, true)
        case let object as [String: Any]: (objects, batch) = ([object], false)
        default: throw ServerError(.badRequest, code: "bad_json", message: "the body must be a JSON object: one update, or {\"updates\": [...]}")
        }
        guard (1...batchLimit).contains(objects.count) else {
            throw ServerError(.badRequest, code: "invalid", message: "send 1 to \(batchLimit) updates a request", field: "updates")
        }
        return try objects.enumerated().map { index, element in
            let place = batch ? "updates[\(index)]." : ""
            guard let object = element as? [String: Any] else {
                throw ServerError(.unprocessableContent, code: "invalid", message: "update \(index) is not an object", field: "updates[\(index)]")
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let text as String: fields[key] = text
                case is NSNull: continue
                case let number as Int64 where ["deal_id", "lead_id"].contains(key): fields[key] = String(number)
                default:
                    throw ServerError(.unprocessableContent, code: "invalid",
                                      message: "update \(index): \(key) must be a string" + (key == "amount" ? " such as \"48000.00\" (money is never a JSON number)" : ""),
                                      field: place + key)
                }
            }
            do { return try CRMUpdate.parse(fields, now: now) } catch let error as CRMUpdateError {
                throw ServerError(.unprocessableContent, code: "invalid", message: "update \(index): \(error.description)", field: place + error.field)
            }
        }
    }
}
