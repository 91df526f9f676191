import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The one error a route throws: the HTTP status it answers with, a stable code, a message that says what
/// to do, the request field at fault, and any headers the answer needs (`Retry-After`). The body is
/// `{"error": {"code", "message", "field"}}`.
public struct ServerError: Error, HTTPResponseError, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?
    public let headers: HTTPFields

    /// `code` defaults to the status's reason (`not_found`), `message` to its phrase (`Not Found`).
    public init(_ status: HTTPResponse.Status, code: String? = nil, message: String? = nil, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code ?? status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
        self.message = message ?? status.reasonPhrase
        self.field = field
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["code": code, "message": message]
        body["field"] = field
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(["error": body]))))
    }
}
