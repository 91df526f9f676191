import Foundation
import Hummingbird
import NIOCore

extension Request {
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
