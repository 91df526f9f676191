import CobrandFiles
import Hummingbird
import NIOCore

/// `GET /a/<sha256>.png|jpg`: the images emails load. Public (an inbox has no session) and immutable, as
/// the name is the content's digest; any other name is 404.
struct ImageRoutes: Sendable {
    let store: ImageStore

    func add(to router: Router<ServerContext>) {
        router.get("/a/{name}") { _, context in
            guard let image = store.image(context.parameters.get("name") ?? "") else { throw ServerError(.notFound) }
            return Response(status: .ok, headers: [.contentType: image.mediaType, .cacheControl: "public, max-age=31536000, immutable"],
                            body: .init(byteBuffer: ByteBuffer(bytes: image.data)))
        }
    }
}
