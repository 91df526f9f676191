import CobrandCore
import CobrandFiles
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Public files: email images, feeds and hosted pages")
struct ImageRouteTests {
    @Test("a built image is served by its digest, immutable; any other name is 404")
    func serve() async throws {
        let setup = try PortalTests.Setup()
        let png = try Raster.png(svg: Data(#"<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>"#.utf8), width: 2, height: 2)
        let output = setup.folder.appendingPathComponent("Output")
        try ImageStore(output: output).store([KitFile(path: "assets/logo-1x1.png", data: png), KitFile(path: "emails/a.html", text: "<p>")])
        let digest = Checksum.sha256(png)
        try Data("secret".utf8).write(to: output.appendingPathComponent("secret.png"))
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/a/\(digest).png", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(Data(buffer: response.body) == png)
            }
            for name in ["\(digest).jpg", "\(digest.uppercased()).png", "\(digest).svg", "..%2Fsecret.png", "%2E%2E%2Fsecret.png", String(repeating: "0", count: 64) + ".png"] {
                try await client.execute(uri: "/a/\(name)", method: .get) { response in
                    #expect(response.status == .notFound, "\(name)")
                }
            }
        }
        // Only PNG and JPEG under assets/ are stored, each once, named by its content.
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("a").path) == ["\(digest).png"])
    }

    @Test("a kit's Atom feed is served at its rel=self address; other files, names and traversal are 404")
    func feed() async throws {
        let setup = try PortalTests.Setup()
        let output = setup.folder.appendingPathComponent("Output")
        let kit = KitID(campaign: "always", partner: "alpha", locale: LocaleTag("en-US")!)
        let folder = output.appendingPathComponent(kit.directory).appendingPathComponent("news")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let atom = Data("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>\n".utf8)
        try atom.write(to: folder.appendingPathComponent("feed.xml"))
        try Data("secret".utf8).write(to: folder.appendingPathComponent("embed.html"))
        #expect(AtomFeed.path(kit, component: "news") == "/feeds/always/alpha/en-US/news.xml")
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/feeds/always/alpha/en-US/news.xml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/atom+xml; charset=utf-8")
                #expect(Data(buffer: response.body) == atom)
            }
            for uri in ["/feeds/always/alpha/en-US/embed.xml", "/feeds/always/alpha/en-US/news.html", "/feeds/always/beta/en-US/news.xml",
                        "/feeds/always/alpha/xx/news.xml", "/feeds/always/..%2Falpha/en-US/news.xml", "/feeds/always/alpha/en-US/..%2Fnews%2Ffeed.xml",
                        "/feeds/always/alpha/en-US/news%2Ffeed.xml"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
        }
    }

    @Test("a kit's registration page, its .ics and images are public at /p/…; the emails and the preview are not")
    func hostedPages() async throws {
        let setup = try PortalTests.Setup()
        let kit = setup.folder.appendingPathComponent("Output").appendingPathComponent("kits/meetup/alpha/en-US")
        for (path, text) in [("live/index.html", "<form>"), ("live/event.ics", "BEGIN:VCALENDAR"), ("live/invite.html", "<p>mail"),
                             ("index.html", "preview"), ("assets/logo-1x1.png", "png")] {
            let url = kit.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try await setup.app.test(.router) { client in
            for uri in ["/p/meetup/alpha/en-US/live/", "/p/meetup/alpha/en-US/live/index.html"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'none'") == true)
                    #expect(String(buffer: response.body) == "<form>")
                }
            }
            try await client.execute(uri: "/p/meetup/alpha/en-US/live", method: .get) { response in
                #expect(response.status == .movedPermanently)
                #expect(response.headers[.location] == "/p/meetup/alpha/en-US/live/")
            }
            try await client.execute(uri: "/p/meetup/alpha/en-US/live/event.ics", method: .get) { response in
                #expect(response.headers[.contentType] == "text/calendar; charset=utf-8")
                #expect(String(buffer: response.body) == "BEGIN:VCALENDAR")
            }
            try await client.execute(uri: "/p/meetup/alpha/en-US/assets/logo-1x1.png", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "image/png")
            }
            for uri in ["/p/meetup/alpha/en-US/live/invite.html", "/p/meetup/alpha/en-US/index.html", "/p/meetup/alpha/en-US/x/index.html",
                        "/p/meetup/beta/en-US/live/", "/p/meetup/alpha/en-US/live/..%2F..%2F..%2F..%2F..%2Fsecret", "/p/meetup/alpha/en-US/..%2Fen-US/live/"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
        }
    }
}
