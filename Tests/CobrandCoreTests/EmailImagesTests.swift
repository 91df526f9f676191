@testable import CobrandCore
import CobrandTesting
import Foundation
import Testing

@Suite("Email images")
struct EmailImagesTests {
    /// 10 x 5: a red left half, nothing on the right.
    static let halfRed = Data(##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"><rect width="5" height="5" fill="#FF0000"/></svg>"##.utf8)

    @Test("an SVG rasterises to a PNG of the asked pixel size, opaque where it draws and transparent elsewhere, the same bytes every time")
    func rasterise() throws {
        let png = try Raster.png(svg: Self.halfRed, width: 20, height: 10)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let left = try #require(Raster.pixel(png: png, x: 2, y: 5))
        let right = try #require(Raster.pixel(png: png, x: 17, y: 5))
        #expect(left.width == 20 && left.height == 10)
        #expect(left.rgba == 0xFF00_00FF)
        #expect(right.rgba & 0xFF == 0)
        #expect(try Raster.png(svg: Self.halfRed, width: 20, height: 10) == png)
        #expect(Raster.pixel(png: Data("not a png".utf8), x: 0, y: 0) == nil)
    }

    @Test("an SVG without a size, or that cannot be read, is refused with the reason", arguments: [
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>", "the SVG has no width, height or viewBox"),
        ("<svg", nil),
        ("", nil),
    ] as [(String, String?)])
    func refused(svg: String, reason: String?) throws {
        let failure = try #require(throws: Raster.Failure.self) { _ = try Raster.svgSize(Data(svg.utf8)) }
        if let reason { #expect(failure.reason == reason) } else { #expect(!failure.reason.isEmpty) }
        if reason == nil { #expect(throws: Raster.Failure.self) { _ = try Raster.png(svg: Data(svg.utf8), width: 4, height: 4) } }
    }

    @Test("an image's src resolves inside the kit, never outside it", arguments: [
        ("../assets/logo.svg", "emails/hello.html", "assets/logo.svg"),
        ("assets/./logo.png", "index.html", "assets/logo.png"),
        ("../../logo.svg", "emails/hello.html", nil),
        ("../assets/logo.svg?v=2", "emails/hello.html", "assets/logo.svg"),
        ("", "emails/hello.html", nil),  // a template's unset variable
        ("?v=2", "emails/hello.html", nil),
    ] as [(String, String, String?)])
    func kitPath(src: String, from: String, expected: String?) {
        #expect(EmailImages.kitPath(src, from: from) == expected)
    }

    @Test("an SVG becomes a 2x PNG under the asset base with width and height; a PNG is served as it is; other markup is kept")
    func apply() throws {
        let png = try Raster.png(svg: Self.halfRed, width: 30, height: 15)
        let images = EmailImages(assetBase: "https://cdn.example/", files: ["assets/logo.svg": Self.halfRed, "assets/photo.png": png],
                                 cache: RasterCache())
        let html = #"<p>a &amp; b</p><img alt="Logo &amp; Co" src="../assets/logo.svg" height="20" style="height:20px"><br><IMG src="../assets/photo.png" alt=""/>"#
            + #"<img src="https://t.example/o.gif" alt="" width="1" height="1">"#
        let result = images.apply(html, path: "emails/hello.html")
        #expect(result.problems == [])
        let drawn = try #require(result.files.first)
        #expect(result.files.map(\.path) == ["assets/logo-40x20.png"])
        #expect(Raster.pixel(png: drawn.data, x: 0, y: 0).map { [$0.width, $0.height] } == [80, 40])
        let logo = "https://cdn.example/a/\(Checksum.sha256(drawn.data)).png"
        let photo = "https://cdn.example/a/\(Checksum.sha256(png)).png"
        #expect(result.html == #"<p>a &amp; b</p><img src="\#(logo)" alt="Logo &amp; Co" style="height:20px" width="40" height="20"><br>"#
            + #"<img src="\#(photo)" alt="" width="30" height="15"><img src="https://t.example/o.gif" alt="" width="1" height="1">"#)
    }

    @Test("display size: as given, the missing side from the aspect ratio, or the image's own", arguments: [
        (552, nil, 552, 184), (nil, 40, 120, 40), (100, 100, 100, 100), (nil, nil, 300, 100),
    ] as [(Int?, Int?, Int, Int)])
    func displaySize(width: Int?, height: Int?, expectedWidth: Int, expectedHeight: Int) {
        let size = EmailImages.displaySize(width: width, height: height, intrinsic: (300, 100))
        #expect(size.0 == expectedWidth && size.1 == expectedHeight)
    }

    @Test("an image that is not in the kit, or not an image, is a content-rule error naming it")
    func missing() throws {
        let images = EmailImages(assetBase: "https://cdn.example", files: ["assets/notes.svg": Data("plain text".utf8)], cache: RasterCache())
        let result = images.apply(#"<img src="../assets/gone.png" alt=""><img src="../assets/notes.svg" alt=""><img src="" alt="">"#, path: "emails/a.html")
        #expect(result.problems == [
            "has an image ../assets/gone.png that cannot be used in an email: it is not a file of the kit; put it under Assets/ and list it in the campaign's assets",
            "has an image ../assets/notes.svg that cannot be used in an email: it is not a PNG, JPEG or SVG file",
            "has an image with an empty src (a template variable that is not set?); give it the path of an image of the kit",
        ])
    }

    @Test("every image of a built email, HTML and .eml, is a PNG of the kit under the asset base")
    func kit() throws {
        let project = try Fixture.loaded([
            "cobrand.yaml": Fixture.files["cobrand.yaml"]! + "email:\n  asset_base_url: https://img.example/cobrand/\n",
            "Templates/_shared/preview.html.mustache": "{{#files}}{{#srcdoc}}<iframe srcdoc=\"{{srcdoc}}\"></iframe>{{/srcdoc}}{{/files}}",
        ])
        let kit = try KitRenderer(project: project).render(KitID(campaign: "launch", partner: "alpha", locale: LocaleTag("en-US")!))
        let served = Dictionary(kit.files.filter { $0.mediaType == "image/png" }.map { (file: KitFile) in
            ("https://img.example/cobrand/a/\(Checksum.sha256(file.data)).png", file.path)
        }, uniquingKeysWith: { first, _ in first })
        let html = String(decoding: try #require(kit.files.first { $0.path == "emails/hello.html" }).data, as: UTF8.self)
        let sources = HTMLScan.tags(named: "img", in: html).compactMap { $0["src"] }
        #expect(!sources.isEmpty)
        #expect(sources.allSatisfy { served[$0] != nil })
        let eml = String(decoding: try #require(kit.files.first { $0.path == "emails/hello.eml" }).data, as: UTF8.self)
        let parts = eml.components(separatedBy: "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
        let body = try #require(parts.last?.components(separatedBy: "\r\n--").first)
        let decoded = String(decoding: try #require(Data(base64Encoded: body, options: .ignoreUnknownCharacters)), as: UTF8.self)
        #expect(HTMLScan.tags(named: "img", in: decoded).compactMap { $0["src"] } == sources)
        // The preview shows the kit's own copies, so it works offline.
        let preview = String(decoding: try #require(kit.files.first { $0.path == "index.html" }).data, as: UTF8.self)
        #expect(preview.contains("srcdoc=") && preview.contains("src=&quot;assets/partner-logo-4x4.png&quot;"))
        #expect(!preview.contains("https://img.example/cobrand/a/"))
    }
}
