@testable import CobrandCore
import CobrandTesting
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("Syndication, social and documents")
struct AlwaysOnTests {
    func kit(_ partner: String = "alpha", _ locale: String = "en-US", _ changes: [String: String?] = [:]) throws -> RenderedKit {
        let project = try Fixture.loaded(Fixture.alwaysOn.merging(changes) { $1 })
        return try KitRenderer(project: project).render(KitID(campaign: "always", partner: partner, locale: LocaleTag(locale)!))
    }

    func text(_ kit: RenderedKit, _ path: String) throws -> String {
        String(decoding: try #require(kit.files.first { $0.path == path }).data, as: UTF8.self)
    }

    static let hostile = Fixture.rosterHeader + "\nalpha,\"<script>alert(1)</script> & \"\"Sons\"\"\",en-US;de-DE,,,,,,a@alpha.example,,1 Road,,\n"

    @Test("X counts URLs as 23, CJK and emoji as 2, Latin as 1", arguments: [
        ("hello", 5), ("日本語", 6), ("a https://example.com/a/very/long/path/that/goes/on b", 27),
        ("👍", 2), ("👨‍👩‍👧", 2), ("e\u{301}", 1), ("“quoted”", 8), ("Привет", 6),
    ])
    func xLength(text: String, length: Int) {
        #expect(XText.weightedLength(text) == length)
    }

    @Test("posts.csv has a row per post and network, links tagged per network, a PNG per network at its size")
    func posts() throws {
        let kit = try kit()
        let rows = try CSV.parse(try text(kit, "social/posts.csv"), file: "posts.csv").map(\.fields)
        let images = ["linkedin-1200x627", "x-1600x900", "facebook-1200x630"].map { "assets/hello-\($0).png" }
        let urls = try images.map { path in "https://portal.example/a/\(Checksum.sha256(try #require(kit.files.first { $0.path == path }).data)).png" }
        #expect(rows == [
            ["network", "text", "link", "image", "image_alt", "image_url", "post_at"],
            ["linkedin", "News from Alpha Partners: read our guide.", "https://vendor.example/guide?utm_source=alpha&utm_medium=social&utm_campaign=always&utm_content=hello-linkedin", images[0], "Vendor logo", urls[0], ""],
            ["x", "News from Alpha Partners: read our guide.", "https://vendor.example/guide?utm_source=alpha&utm_medium=social&utm_campaign=always&utm_content=hello-x", images[1], "Vendor logo", urls[1], ""],
            ["facebook", "News from Alpha Partners: read our guide.", "https://vendor.example/guide?utm_source=alpha&utm_medium=social&utm_campaign=always&utm_content=hello-facebook", images[2], "Vendor logo", urls[2], ""],
            ["x", "Short.", "", "", "", "", ""],
        ])
        // Read back by cairo: each network's size, opaque.
        for (path, size) in zip(images, [(1200, 627), (1600, 900), (1200, 630)]) {
            let png = try #require(kit.files.first { $0.path == path }).data
            let pixel = try #require(Raster.pixel(png: png, x: 0, y: 0))
            #expect((pixel.width, pixel.height) == size)
            #expect(pixel.rgba & 0xFF == 0xFF)
        }
        #expect(!kit.files.contains { $0.path.hasSuffix(".svg") && $0.path.contains("logo.svg") && $0.path.hasPrefix("social/") })
    }

    @Test("the share image fills with the artwork and puts the partner on a white plate at the end of the reading direction",
          arguments: [(false, 1200 - 31 - 8), (true, 31 + 8)])
    func shareImage(rightToLeft: Bool, plateX: Int) throws {
        let artwork = Data(##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><rect width="100" height="50" fill="#0B2A66"/></svg>"##.utf8)
        let logo = Data(##"<svg xmlns="http://www.w3.org/2000/svg" width="30" height="10"><rect width="30" height="10" fill="#C0392B"/></svg>"##.utf8)
        let png = try ShareImage.png(.init(artwork: artwork, logo: logo, partnerName: "Alpha", rightToLeft: rightToLeft), width: 1200, height: 627)
        #expect(Raster.pixel(png: png, x: 600, y: 100)?.rgba == 0x0B2A66FF)
        // The plate: 627 / 6 = 104 px high, 31 px from the edges; white inside its padding, the logo in its middle.
        #expect(Raster.pixel(png: png, x: plateX, y: 627 - 31 - 52)?.rgba == 0xFFFFFFFF)
        #expect(Raster.pixel(png: png, x: rightToLeft ? 31 + 17 + 10 : 1200 - 31 - 17 - 10, y: 627 - 31 - 52)?.rgba == 0xC0392BFF)
        #expect(Raster.pixel(png: png, x: rightToLeft ? 1200 - 31 - 8 : 31 + 8, y: 627 - 31 - 52)?.rgba == 0x0B2A66FF)
    }

    enum Logo: String, CaseIterable { case svg, png, none }

    /// The largest difference between two 0xRRGGBBAA pixels in any one channel.
    static func channelDistance(_ a: UInt32, _ b: UInt32) -> Int {
        var most = 0
        for shift in stride(from: 0, to: 32, by: 8) {
            let left = Int((a >> UInt32(shift)) & 0xFF), right = Int((b >> UInt32(shift)) & 0xFF)
            most = max(most, abs(left - right))
        }
        return most
    }

    @Test("drawn as one backdrop under each partner's plate, a share image has every pixel of the composition drawn whole, and the same bytes each time",
          arguments: Logo.allCases, [false, true])
    func backdrop(logo: Logo, rightToLeft: Bool) throws {
        // A gradient and a half-transparent circle that runs under the plate, so every row differs.
        let artwork = Data(##"""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 90"><defs><linearGradient id="g" x2="1" y2="1">\
            <stop offset="0" stop-color="#0B2A66"/><stop offset="1" stop-color="#F39C12" stop-opacity="0.5"/></linearGradient></defs>\
            <rect width="160" height="90" fill="url(#g)"/><circle cx="150" cy="82" r="30" fill="#2ECC71" fill-opacity="0.7"/>\
            <circle cx="10" cy="82" r="30" fill="#8E44AD" fill-opacity="0.7"/></svg>
            """##.utf8)
        let svgLogo = Data(##"<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30"><circle cx="15" cy="15" r="14" fill="#C0392B"/><rect x="35" y="5" width="50" height="20" fill="#2C3E50" fill-opacity="0.6"/></svg>"##.utf8)
        let partnerLogo: Data? = switch logo {
        case .svg: svgLogo
        case .png: try Raster.png(svg: svgLogo, width: 180, height: 60)
        case .none: nil
        }
        let cache = RasterCache()
        // Two partners over one backdrop: this one, then one with only a name.
        for layers in [ShareImage.Layers(artwork: artwork, logo: partnerLogo, partnerName: "Alpha Partners", rightToLeft: rightToLeft),
                       ShareImage.Layers(artwork: artwork, logo: nil, partnerName: "Beta", rightToLeft: rightToLeft)] {
            for (width, height) in [(1200, 627), (1600, 900)] {
                let whole = try #require(Raster.pixels(png: try ShareImage.png(layers, width: width, height: height)))
                let composed = try cache.png(layers, width: width, height: height)
                let drawn = try #require(Raster.pixels(png: composed), "cairo reads the composed PNG")
                #expect(drawn.width == width && drawn.height == height)
                #expect(drawn.rgba.count == whole.rgba.count)
                // Above the plate, the backdrop's own rows: exactly the whole drawing's.
                let above = try ShareImage.parts(layers, width: width, height: height).top * width
                #expect(drawn.rgba[..<above].elementsEqual(whole.rgba[..<above]))
                // Below, a logo resampled in a drawing that starts at that row may round a few edge pixels differently
                // (measured: 40 to 481 pixels, by 2 or 3 levels of 255); a name on the plate comes out the same.
                let differing = zip(drawn.rgba, whole.rgba).filter { $0 != $1 }
                let most = differing.map { Self.channelDistance($0.0, $0.1) }.max() ?? 0
                #expect(differing.count * 1_000 < width * height && most <= 4, "\(width)x\(height): \(differing.count) pixels differ, by up to \(most)")
                if layers.logo == nil { #expect(differing.isEmpty) }
                #expect(try cache.png(layers, width: width, height: height) == composed)
            }
        }
    }

    @Test("without a logo the partner's name is drawn on the plate, escaped, whatever it contains")
    func shareImageName() throws {
        let artwork = Data(##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><rect width="100" height="50" fill="#0B2A66"/></svg>"##.utf8)
        let layers = ShareImage.Layers(artwork: artwork, logo: nil, partnerName: "{x}</text><image href=\"file:///etc/passwd\"/>&", rightToLeft: false)
        let svg = try ShareImage.svg(layers, width: 1200, height: 627)
        #expect(svg.hasSuffix(">{x}&lt;/text&gt;&lt;image href=\"file:///etc/passwd\"/&gt;&amp;</text></svg>"))
        #expect(svg.components(separatedBy: "<image ").count == 2)
        let png = try ShareImage.png(layers, width: 1200, height: 627)
        #expect(Raster.pixel(png: png, x: 1200 - 31 - 8, y: 627 - 31 - 52)?.rgba == 0xFFFFFFFF)
    }

    @Test("a post's artwork is an input of the kit: new artwork, new inputs hash, so the share images are redrawn")
    func artworkInHash() throws {
        let id = KitID(campaign: "always", partner: "alpha", locale: LocaleTag("en-US")!)
        let manifest = try #require(Fixture.alwaysOn["Templates/always/campaign.yaml"] ?? nil)
            .replacingOccurrences(of: "image: brand/logo.svg", with: "image: brand/social.svg")
        func hash(_ artwork: String) throws -> String {
            let files = Fixture.alwaysOn.merging(["Templates/always/campaign.yaml": manifest, "Assets/brand/social.svg": artwork]) { $1 }
            return KitRenderer(project: try Fixture.loaded(files)).inputsHash(for: id)
        }
        #expect(try hash(##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><text y="16">V</text></svg>"##)
            != hash(##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><text y="16">W</text></svg>"##))
    }

    @Test("Buffer and Hootsuite get one file per network in their own columns, scheduled from start_date in the partner's zone")
    func schedulers() throws {
        let manifest = try #require(Fixture.alwaysOn["Templates/always/campaign.yaml"] ?? nil)
            .replacingOccurrences(of: "kind: social\n", with: "kind: social\n    start_date: 2027-03-01\n    send_time: \"10:05\"\n")
            .replacingOccurrences(of: "{id: short, text: always.short, networks: [x]}", with: "{id: short, day: 2, text: always.short, networks: [x]}")
        let kit = try self.kit("alpha", "en-US", ["Templates/always/campaign.yaml": manifest])
        let image = try #require(kit.files.first { $0.path == "assets/hello-x-1600x900.png" }).data
        let link = "https://vendor.example/guide?utm_source=alpha&utm_medium=social&utm_campaign=always&utm_content=hello-x"
        #expect(try CSV.parse(try text(kit, "social/buffer-x.csv"), file: "b").map(\.fields) == [
            ["Text", "Image URL", "Tags", "Posting Time"],
            ["News from Alpha Partners: read our guide. \(link)", "https://portal.example/a/\(Checksum.sha256(image)).png", "", "2027-03-01 10:05"],
            ["Short.", "", "", "2027-03-03 10:05"],
        ])
        #expect(try CSV.parse(try text(kit, "social/hootsuite-x.csv"), file: "h").map(\.fields) == [
            ["03/01/2027 10:05", "News from Alpha Partners: read our guide.", link],
            ["03/03/2027 10:05", "Short.", ""],
        ])
        #expect(kit.files.map(\.path).filter { $0.hasPrefix("social/") }.sorted() == [
            "social/buffer-facebook.csv", "social/buffer-linkedin.csv", "social/buffer-x.csv",
            "social/hootsuite-facebook.csv", "social/hootsuite-linkedin.csv", "social/hootsuite-x.csv", "social/posts.csv",
        ])
        // Without start_date Buffer queues the posts and Hootsuite, which needs dates, gets no file.
        #expect(try self.kit().files.map(\.path).filter { $0.hasPrefix("social/") }.sorted() == [
            "social/buffer-facebook.csv", "social/buffer-linkedin.csv", "social/buffer-x.csv", "social/posts.csv",
        ])
    }

    @Test("a hostile partner name survives posts.csv exactly as text")
    func csvEscaping() throws {
        let rows = try CSV.parse(try text(try kit("alpha", "en-US", ["Assets/partners.csv": Self.hostile]), "social/posts.csv"), file: "posts.csv")
        #expect(rows[1].fields[1] == "News from <script>alert(1)</script> & \"Sons\": read our guide.")
        #expect(rows.allSatisfy { $0.fields.count == 7 })
    }

    @Test("a post over X's limit for one partner fails the build naming the kit, post and count")
    func tooLong() throws {
        let name = String(repeating: "日本", count: 60)
        let roster = Fixture.rosterHeader + "\nalpha,\(name),en-US,,,,,,a@alpha.example,,1 Road,,\n"
        let error = try #require(throws: RenderError.self) { try kit("alpha", "en-US", ["Assets/partners.csv": roster]) }
        #expect(error == .contentRule(kit: "always/alpha/en-US", file: "social/posts.csv", problems: [
            "post 'hello' is 291 characters on x, over its limit of 280 (links count 23, CJK and emoji 2); shorten always.post or the partner name",
        ]))
    }

    @Test("article pages carry rel=canonical, tagged links, and the locale's variant of the article")
    func articles() throws {
        let english = try text(try kit(), "news/first.html")
        #expect(english.contains("<link rel=\"canonical\" href=\"https://vendor.example/blog/first\">"))
        #expect(english.contains("<a href=\"https://vendor.example/guide?x=1&amp;utm_source=alpha&amp;utm_medium=syndication&amp;utm_campaign=always&amp;utm_content=first#part\">guide</a>"))
        #expect(english.contains("<a href=\"mailto:a@b.example\">mail us</a>"))
        #expect(!english.contains("<h1>First article</h1><p>"))
        let german = try text(try kit("alpha", "de-DE"), "news/first.html")
        #expect(german.contains("<link rel=\"canonical\" href=\"https://vendor.example/de/blog/first\">"))
        #expect(german.contains("<p>Hallo von Alpha Partners.</p>"))
        // No German variant of the second article: the default one is used.
        #expect(try text(try kit("alpha", "de-DE"), "news/second.html").contains("<h1>Second article</h1>"))
    }

    @Test("the Atom feed parses as XML, newest first, with RFC 3339 dates, and escapes a hostile partner name")
    func feed() throws {
        let kit = try kit("alpha", "en-US", ["Assets/partners.csv": Self.hostile])
        let document = try XMLDocument(data: Data(try text(kit, "news/feed.xml").utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "feed")
        #expect(root.uri == "http://www.w3.org/2005/Atom")
        #expect(try root.nodes(forXPath: "./*[local-name()='title']").first?.stringValue == "Always on | <script>alert(1)</script> & \"Sons\"")
        let entries = try root.nodes(forXPath: "./*[local-name()='entry']")
        #expect(entries.count == 2)
        let titles = try entries.map { try $0.nodes(forXPath: "./*[local-name()='title']").first?.stringValue }
        #expect(titles == ["Second article", "First article"])
        let updated = try entries[1].nodes(forXPath: "./*[local-name()='updated']").first?.stringValue
        #expect(updated == "2027-02-12T00:00:00Z")
        let content = try entries[1].nodes(forXPath: "./*[local-name()='content']").first?.stringValue ?? ""
        #expect(content.contains("Hello from &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;."))
        #expect(!(try text(kit, "news/first.html")).contains("<script>"))
        // rel="self" is where cobrand serve answers this kit's feed; entry ids are this partner's own.
        #expect(try root.nodes(forXPath: "./*[local-name()='link'][@rel='self']/@href").map(\.stringValue)
            == ["https://portal.example/feeds/always/alpha/en-US/news.xml"])
        let ids = try entries.map { try $0.nodes(forXPath: "./*[local-name()='id']").first?.stringValue }
        #expect(ids == ["urn:cobrand:article:always:alpha:second:en-US", "urn:cobrand:article:always:alpha:first:en-US"])
    }

    @Test("the embed page and snippet list the articles, newest first, linking to the tagged originals")
    func listings() throws {
        let kit = try kit()
        #expect(try text(kit, "news/snippet.html") == "<ul><li><a href=\"https://vendor.example/blog/second?utm_source=alpha&amp;utm_medium=syndication&amp;utm_campaign=always&amp;utm_content=second\">Second article</a></li><li><a href=\"https://vendor.example/blog/first?utm_source=alpha&amp;utm_medium=syndication&amp;utm_campaign=always&amp;utm_content=first\">First article</a></li></ul>\n")
        #expect(try text(kit, "news/embed.html").contains("target=\"_top\">Second article</a> March 1, 2027</li>"))
    }

    @Test("an article without canonical or date is refused at load, naming the file")
    func articleFrontMatter() throws {
        let (_, diagnostics) = Project.load(Fixture.project(Fixture.alwaysOn.merging(["Templates/always/articles/second.md": "# Second\nNo front matter.\n"]) { $1 }))
        #expect(diagnostics.errors == [.error("Templates/always/articles/second.md", field: "canonical", "add 'canonical: https://...' (the vendor original) to the front matter")])
    }

    @Test("the document comes in A4 and US Letter with the matching @page size")
    func document() throws {
        let kit = try kit()
        #expect(try text(kit, "sheet/a4.html").contains("<title>A4</title><style>@page{size:A4;margin:14mm}</style>"))
        #expect(try text(kit, "sheet/letter.html").contains("<title>US Letter</title><style>@page{size:letter;margin:14mm}</style>"))
    }
}
