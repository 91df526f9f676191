import CobrandStore
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// A JSON body decoded as `T`, at most `limit` bytes. A field of the wrong type or shape gets a 400 naming
    /// it; anything that is no JSON object of fields gets a 400 `bad_json`.
    func decodeJSON<T: Decodable>(_ type: T.Type, upTo limit: Int) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: buffer))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw APIError(status: .badRequest, code: "invalid", message: context.debugDescription, field: context.codingPath[0].stringValue)
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let field = context.codingPath[0].stringValue
            throw APIError(status: .badRequest, code: "invalid", message: "\(field) has the wrong type", field: field)
        } catch {
            throw APIError(status: .badRequest, code: "bad_json", message: "the body must be a JSON object of fields")
        }
    }

    /// The partner of the bearer token (a partner access token from `cobrand partners token`).
    func partner(in database: AppDatabase) throws -> String {
        let header = headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), let grant = try database.grant(for: String(header.dropFirst(7))), grant.role == .partner,
              let partner = grant.partner
        else { throw APIError(status: .unauthorized, code: "unauthorized", message: "A partner token is required: Authorization: Bearer <token>.") }
        return partner
    }

    /// An `application/x-www-form-urlencoded` body, at most 16 KB; the first value of a repeated name wins.
    func urlEncodedForm() async throws -> [String: String] {
        let buffer = try await body.collect(upTo: 16_384)
        var parts = URLComponents()
        parts.percentEncodedQuery = String(buffer: buffer).replacingOccurrences(of: "+", with: "%20")
        return Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }
}

extension Response {
    /// A JSON object with sorted keys.
    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A money amount in a JSON body: a string ("25000.00") or a whole number, never a float.
struct AmountText: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self.text = text }
        else if let whole = try? container.decode(Int64.self) { text = String(whole) }
        else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "write the value as a string such as \"12500.50\"") }
    }
}
