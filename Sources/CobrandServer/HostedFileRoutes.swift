import CobrandCore
import CobrandFiles
import Hummingbird
import NIOCore

/// The public files of built kits (`HostedFiles`), so the links in sent emails work:
/// - `GET /p/<campaign>/<partner>/<locale>/<component>/` (or `…/index.html`): a landing or registration page;
/// - `GET /p/<campaign>/<partner>/<locale>/<component>/event.ics` and `…/assets/<image>`;
/// - `GET /feeds/<campaign>/<partner>/<locale>/<component>.xml`: an Atom feed at its `rel="self"` address.
struct HostedFileRoutes: Sendable {
    let store: HostedFileStore

    /// Pages run no script; images may come from the tracking host (the view beacon), and the lead form may
    /// post to the portal URL, which is this server behind its public name.
    static let pagePolicy = "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'none'; "
        + "object-src 'none'; frame-ancestors 'self'; form-action 'self' https:; base-uri 'none'"

    func add(to router: Router<ServerContext>) {
        router.get("/p/{campaign}/{partner}/{locale}/{folder}/{name}") { _, context in
            try respond(context, file: "\(parameter(context, "folder"))/\(parameter(context, "name"))")
        }
        router.get("/p/{campaign}/{partner}/{locale}/{folder}/") { request, context in
            let page = try respond(context, file: "\(parameter(context, "folder"))/index.html")
            // The page's relative links (`../assets/…`) resolve only from the folder's own address.
            guard request.uri.path.hasSuffix("/") else {
                // Keep the query: the UTM tags of the email link that led here.
                let query = request.uri.query.map { "?\($0)" } ?? ""
                return Response(status: .movedPermanently, headers: [.location: request.uri.path + "/" + query])
            }
            return page
        }
        router.get("/feeds/{campaign}/{partner}/{locale}/{file}") { _, context in
            guard let file = HostedFiles.feedFile(parameter(context, "file")) else { throw ServerError(.notFound) }
            return try respond(context, file: file)
        }
    }

    func parameter(_ context: ServerContext, _ name: String) -> String {
        context.parameters.get(name)?.removingPercentEncoding ?? ""
    }

    func respond(_ context: ServerContext, file: String) throws -> Response {
        guard let locale = LocaleTag(parameter(context, "locale")),
              let data = store.file(KitID(campaign: parameter(context, "campaign"), partner: parameter(context, "partner"), locale: locale), file)
        else { throw ServerError(.notFound) }
        let type = MediaType.of(file)
        var headers: HTTPFields = [.contentType: type.hasPrefix("text/") || type.hasSuffix("xml") ? "\(type); charset=utf-8" : type,
                                   .cacheControl: "public, max-age=300"]
        if type == "text/html" {
            headers[.contentSecurityPolicy] = Self.pagePolicy
            headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        }
        if type == "image/svg+xml" { headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
