import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import Hummingbird
import NIOCore

/// The funnel for the channel team: `GET /admin/funnel?from=&to=&partner=&format=html|csv|json|svg` (an admin
/// session or token). Days are optional (all time without them).
extension AdminRoutes {
    func addFunnel(to router: Router<ServerContext>) {
        group(router, api: true).get("funnel") { request, context in
            let query = request.uri.queryParameters
            let (from, to) = (query.get("from").flatMap { $0.isEmpty ? nil : $0 }, query.get("to").flatMap { $0.isEmpty ? nil : $0 })
            let partner = query.get("partner").flatMap { $0.isEmpty ? nil : $0 }
            let range: Funnel.Range
            do { range = try Funnel.Range(from: from, to: to) } catch let error as FieldError {
                throw ServerError(.badRequest, code: "bad_date", message: "\(error.field): \(error.message)", field: error.field)
            }
            let rows = try await FunnelReport.rows(self.database, partner: partner, range: range)
            let title = partner.map { "Funnel of \($0)" } ?? "Funnel of every partner"
            switch query.get("format") ?? "html" {
            case "csv": return FunnelRoutes.csv(rows, name: "funnel.csv")
            case "json": return try FunnelRoutes.json(rows)
            case "svg": return FunnelRoutes.svg(Funnel.svg(Funnel.total(rows), title: title))
            case "html":
                func link(_ format: String) -> String {
                    var components = URLComponents()
                    components.queryItems = [("from", from), ("to", to), ("partner", partner), ("format", format)].compactMap { name, value in
                        value.map { URLQueryItem(name: name, value: $0) }
                    }
                    return components.percentEncodedQuery ?? ""
                }
                return try AdminPage.render(AdminTemplates.funnel, project: self.project, csrf: self.csrf(session: context.session), model: [
                    "from": from ?? "", "to": to ?? "", "partner": partner ?? "", "csv_query": link("csv"), "json_query": link("json"),
                    "svg_query": link("svg"), "columns": Funnel.Row.columns, "empty": rows.isEmpty,
                    "chart": rows.isEmpty ? "" : Funnel.svg(Funnel.total(rows), title: title),
                    "rows": rows.map { ["cells": $0.fields, "total": $0.isTotal] },
                ])
            default:
                throw ServerError(.badRequest, code: "bad_format", message: "format must be html, csv, json or svg", field: "format")
            }
        }
    }
}

/// The funnel's downloads, shared by the admin console and the portal.
enum FunnelRoutes {
    static func csv(_ rows: [Funnel.Row], name: String) -> Response {
        PortalPages.csv([Funnel.Row.columns] + rows.map(\.fields), name: name)
    }

    static func json(_ rows: [Funnel.Row]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: ["rows": rows.map(\.object)], options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func svg(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
