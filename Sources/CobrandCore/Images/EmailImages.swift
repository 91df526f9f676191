import Foundation

/// Makes every image of a rendered email load in an inbox. A relative `src` resolves to nothing once the
/// email leaves the kit, and Gmail's web client and Outlook for Windows do not show SVG (caniemail
/// `image-svg`). So each relative image is looked up among the kit's files, an SVG is rasterised to PNG at
/// twice its display size (sharp on high-density screens), `width` and `height` are set (Outlook sizes
/// images by them), and `src` becomes a content-addressed URL under the asset base, `<base>/a/<sha256>.png`,
/// which `cobrand serve` answers from the output folder. The kit keeps the PNG under `assets/`.
public struct EmailImages {
    public struct Result {
        public var html: String
        /// PNGs rasterised from SVG, at their kit path (`assets/<name>-<width>x<height>.png`).
        public var files: [KitFile]
        /// Images that could not be resolved or drawn, as content-rule messages.
        public var problems: [String]
    }

    /// Where content-addressed images are served: `<assetBase>/a/<sha256>.<png|jpg>`.
    public let assetBase: String
    /// The kit's files by path: the source images.
    public let files: [String: Data]
    public let cache: RasterCache

    public init(assetBase: String, files: [String: Data], cache: RasterCache) {
        self.assetBase = assetBase.trimmingSuffix("/")
        self.files = files
        self.cache = cache
    }

    /// The URL an image is served at, named by the SHA-256 of its bytes.
    public static func url(base: String, sha256: String, format: Raster.Format) -> String {
        "\(base.trimmingSuffix("/"))/a/\(fileName(sha256: sha256, format: format))"
    }

    /// The name an image is served under (in `Output/a/`): the SHA-256 of its bytes and its format's extension.
    public static func fileName(sha256: String, format: Raster.Format) -> String {
        "\(sha256).\(format == .jpeg ? "jpg" : "png")"
    }

    /// `html`, a file at `path` in the kit, with its images made absolute and raster.
    public func apply(_ html: String, path: String) -> Result {
        var added: [String: KitFile] = [:]
        var problems: [String] = []
        let rewritten = HTMLScan.rewriteTags(named: "img", in: html) { attributes in
            guard let src = attributes.first(where: { $0.name == "src" })?.value, Self.isRelative(src) else { return attributes }
            guard !src.isEmpty else {
                problems.append("has an image with an empty src (a template variable that is not set?); give it the path of an image of the kit")
                return attributes
            }
            do throws(Raster.Failure) {
                func size(_ name: String) -> Int? {
                    attributes.first { $0.name == name }.flatMap { Int($0.value) }.flatMap { $0 > 0 ? $0 : nil }
                }
                let image = try resolve(src, from: path, width: size("width"), height: size("height"))
                if let file = image.file { added[file.path] = file }
                var result = attributes.filter { !["src", "width", "height"].contains($0.name) }
                result.insert(("src", image.url), at: 0)
                result += [("width", String(image.width)), ("height", String(image.height))]
                return result
            } catch {
                problems.append("has an image \(src) that cannot be used in an email: \(error.reason)")
                return attributes
            }
        }
        return Result(html: rewritten, files: added.values.sorted { $0.path < $1.path }, problems: problems)
    }

    struct Resolved {
        let url: String
        let width: Int
        let height: Int
        /// The PNG drawn from an SVG; nil for a PNG or JPEG used as it is.
        let file: KitFile?
    }

    /// An image's served URL and display size: `width` and `height` as given, the missing one from the
    /// image's aspect ratio, or its own size when neither is given.
    func resolve(_ src: String, from path: String, width: Int?, height: Int?) throws(Raster.Failure) -> Resolved {
        guard let kitPath = Self.kitPath(src, from: path), let data = files[kitPath] else {
            throw Raster.Failure(reason: "it is not a file of the kit; put it under Assets/ and list it in the campaign's assets")
        }
        switch Raster.format(of: data) {
        case .png, .jpeg:
            guard let pixels = Raster.pixelSize(data) else { throw Raster.Failure(reason: "its image header cannot be read") }
            let (displayWidth, displayHeight) = Self.displaySize(width: width, height: height, intrinsic: (Double(pixels.width), Double(pixels.height)))
            return Resolved(url: Self.url(base: assetBase, sha256: Checksum.sha256(data), format: Raster.format(of: data) ?? .png),
                            width: displayWidth, height: displayHeight, file: nil)
        case .svg:
            let intrinsic = try Raster.svgSize(data)
            let (displayWidth, displayHeight) = Self.displaySize(width: width, height: height, intrinsic: intrinsic)
            let png = try cache.png(svg: data, width: displayWidth * 2, height: displayHeight * 2)
            let stem = ((kitPath as NSString).deletingPathExtension as NSString).lastPathComponent
            let file = KitFile(path: "assets/\(stem)-\(displayWidth)x\(displayHeight).png", data: png)
            return Resolved(url: Self.url(base: assetBase, sha256: file.sha256, format: .png), width: displayWidth, height: displayHeight, file: file)
        case nil:
            throw Raster.Failure(reason: "it is not a PNG, JPEG or SVG file")
        }
    }

    static func displaySize(width: Int?, height: Int?, intrinsic: (width: Double, height: Double)) -> (Int, Int) {
        let ratio = intrinsic.width / intrinsic.height
        switch (width, height) {
        case let (width?, height?): return (width, height)
        case let (width?, nil): return (width, max(1, Int((Double(width) / ratio).rounded())))
        case let (nil, height?): return (max(1, Int((Double(height) * ratio).rounded())), height)
        case (nil, nil): return (max(1, Int(intrinsic.width.rounded())), max(1, Int(intrinsic.height.rounded())))
        }
    }

    /// `src` relative to the file at `from`, as a kit path; nil when it leaves the kit or names no file (an
    /// empty `src`, as a template's unset variable leaves it).
    static func kitPath(_ src: String, from: String) -> String? {
        guard let file = src.split(separator: "?", omittingEmptySubsequences: false).first, !file.isEmpty else { return nil }
        var parts = from.split(separator: "/").dropLast().map(String.init)
        for part in file.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": guard parts.popLast() != nil else { return nil }
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    static func isRelative(_ src: String) -> Bool {
        let lower = src.lowercased()
        return !["http://", "https://", "cid:", "data:"].contains { lower.hasPrefix($0) } && !src.hasPrefix("//")
    }
}
