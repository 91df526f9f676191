import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// The admin API: usage over a day range as JSON, CSV or HTML, for an admin token
/// (`Authorization: Bearer <token>`, from `cobrand admin token`).
public struct AdminRoutes: Sendable {
    public let database: AppDatabase
    public let now: @Sendable () -> Date

    public init(database: AppDatabase, now: @escaping @Sendable () -> Date) {
        self.database = database
        self.now = now
    }

    public func add(to router: Router<ServerContext>) {
        router.get("/admin/usage") { request, _ in
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("Bearer "), let grant = try self.database.grant(for: String(header.dropFirst(7))), grant.role == .admin else {
                throw HTTPError(.unauthorized, message: "An admin token is required: Authorization: Bearer <token>.")
            }
            let query = request.uri.queryParameters
            let today = self.startOfDay(self.now())
            func day(_ name: String) throws -> Date? {
                guard let text = query.get(name) else { return nil }
                guard let components = SendSchedule.day(text), let date = Self.utc.date(from: components) else {
                    throw APIError(status: .badRequest, code: "bad_date", message: "\(name) must be a day such as 2027-03-01", field: name)
                }
                return date
            }
            let until = try (day("to") ?? today).addingTimeInterval(86_400)
            let from = try day("from") ?? until.addingTimeInterval(-30 * 86_400)
            let rows = try self.database.usage(from: from, until: until, partner: query.get("partner"))
            switch query.get("format") ?? "json" {
            case "csv":
                let header = AppDatabase.usageColumns
                let text = ([header] + rows.map(\.fields)).map(CSV.line).joined()
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
            case "html":
                let cells = rows.map { "<tr>" + $0.fields.map { "<td>\($0.htmlEscaped)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
                let html = """
                    <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Usage</title></head><body>
                    <h1>Usage</h1><table><thead><tr>\(AppDatabase.usageColumns.map { "<th>\($0)</th>" }.joined())</tr></thead>
                    <tbody>
                    \(cells)
                    </tbody></table></body></html>

                    """
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
            case "json":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(rows))))
            default:
                throw APIError(status: .badRequest, code: "bad_format", message: "format must be json, csv or html", field: "format")
            }
        }
    }

    static var utc: Calendar { .utcGregorian }

    func startOfDay(_ date: Date) -> Date { Self.utc.startOfDay(for: date) }
}

/// A JSON error as PRODUCT.md specifies: `{"error": {"code", "message", "field"}}` with a 4xx status.
public struct APIError: Error, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["code": code, "message": message]
        body["field"] = field
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(["error": body])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
