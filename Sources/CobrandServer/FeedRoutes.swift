import CobrandCore
import CobrandFiles
import Hummingbird
import NIOCore

/// `GET /feeds/<campaign>/<partner>/<locale>/<component>.xml`: each kit's Atom feed at the address its
/// `rel="self"` names, so feed readers and partner sites can subscribe. Public, as the articles are.
struct FeedRoutes: Sendable {
    let store: FeedStore

    func add(to router: Router<ServerContext>) {
        router.get("/feeds/{campaign}/{partner}/{locale}/{file}") { _, context in
            let parameter = { (name: String) in context.parameters.get(name)?.removingPercentEncoding ?? "" }
            let file = parameter("file")
            guard file.hasSuffix(".xml"), let locale = LocaleTag(parameter("locale")),
                  let feed = store.feed(KitID(campaign: parameter("campaign"), partner: parameter("partner"), locale: locale),
                                        component: String(file.dropLast(4)))
            else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8", .cacheControl: "public, max-age=300"],
                            body: .init(byteBuffer: ByteBuffer(bytes: feed)))
        }
    }
}
