import HTTPTypes
import Hummingbird

/// Security headers for the pages people open in a browser (portal, admin, the lead thank-you page): a
/// content security policy that runs no script and loads only from this server, no framing by other sites
/// (`frame-ancestors 'none'` and `X-Frame-Options: DENY` for older browsers), `nosniff` and a referrer
/// policy. A response that sets its own policy (kit previews, logos, proofs) keeps it and only gets
/// `nosniff`, so the preview page can still frame its kit's pages.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public static var pagePolicy: String {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'none'; object-src 'none'; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    }

    static var browserPaths: [String] { ["/portal", "/admin", "/leads/", "/p/", "/feeds/"] }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.browserPaths.contains(where: { request.uri.path.hasPrefix($0) }) else { return try await next(request, context) }
        do {
            var response = try await next(request, context)
            Self.secure(&response.headers)
            return response
        } catch let error as any HTTPResponseError {
            // Error pages are pages too.
            var response = try error.response(from: request, context: context)
            Self.secure(&response.headers)
            return response
        }
    }

    static func secure(_ headers: inout HTTPFields) {
        headers[.xContentTypeOptions] = "nosniff"
        guard headers[.contentSecurityPolicy] == nil else { return }
        headers[.contentSecurityPolicy] = pagePolicy
        headers[.xFrameOptions] = "DENY"
        headers[.referrerPolicy] = "same-origin"
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
