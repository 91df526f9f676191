import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import NIOCore

/// Renders the admin console's pages from the project's `Templates/_shared/admin/`: server-rendered,
/// usable without JavaScript, every value escaped by the template.
enum AdminPage {
    /// A day range of the usage page, with its query string per format.
    struct Range {
        let from: Date
        /// The last day included.
        let to: Date
        let partner: String?

        /// The query string of this range in `format`.
        func query(_ format: String) -> String {
            var items = [URLQueryItem(name: "from", value: Timestamp.day(from)), URLQueryItem(name: "to", value: Timestamp.day(to))]
            if let partner { items.append(URLQueryItem(name: "partner", value: partner)) }
            items.append(URLQueryItem(name: "format", value: format))
            var components = URLComponents()
            components.queryItems = items
            return components.percentEncodedQuery ?? ""
        }
    }

    /// `template` with `model`, the header's navigation mark (`nav.<page>`), the vendor and the form token.
    static func render(_ template: String, project: Project, csrf: String, model: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        var model = model
        model["csrf"] = csrf
        model["vendor"] = ["name": project.config.vendor.name]
        model["nav"] = [String(template.split(separator: "/").last?.split(separator: ".").first ?? ""): true]
        guard let html = project.library.render(model, withTemplate: Project.templateName(template)) else {
            throw ServerError(.internalServerError, message: "Templates/\(template).mustache is missing; cobrand validate names it")
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A stored time as the console shows it (UTC, minutes), or "" for none.
    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return String(Timestamp.iso8601(date).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}
