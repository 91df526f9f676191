import CRaster
import Crypto
import Foundation
import Synchronization

/// SVG to PNG through librsvg and cairo, for the places SVG is not shown: Gmail's web client and Outlook
/// for Windows (caniemail `image-svg`) and the social networks. The same SVG and size give the same bytes.
public enum Raster {
    /// Why an image cannot be rasterised.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// The formats an image file may have, from its first bytes.
    public enum Format: String, Sendable {
        case png, jpeg, svg
    }

    public static func format(of data: Data) -> Format? {
        switch LogoUpload.sniff(data) {
        case .png: .png
        case .jpg: .jpeg
        case .svg: .svg
        case nil: nil
        }
    }

    /// An SVG's intrinsic size in CSS pixels: its width and height, else its viewBox.
    public static func svgSize(_ svg: Data) throws(Failure) -> (width: Double, height: Double) {
        var width = 0.0, height = 0.0
        var error = [CChar](repeating: 0, count: 256)
        let known = svg.withUnsafeBytes { bytes in
            cobrand_raster_svg_size(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, &width, &height, &error, 256)
        }
        guard known == 1 else { throw Failure(reason: reason(error)) }
        return (width, height)
    }

    /// The pixel size of a PNG or JPEG.
    public static func pixelSize(_ data: Data) -> (width: Int, height: Int)? {
        switch format(of: data) {
        case .png: LogoUpload.pngSize(data).map { (width: $0.0, height: $0.1) }
        case .jpeg: LogoUpload.jpegSize(data).map { (width: $0.0, height: $0.1) }
        case .svg, nil: nil
        }
    }

    /// The drawing libraries' versions at run time: the same SVG may come out differently after an upgrade.
    public static let libraries: String = {
        var text = [CChar](repeating: 0, count: 256)
        cobrand_raster_libraries(&text, 256)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// PNG bytes (RGBA, transparent where the SVG draws nothing) of the SVG scaled to fit `width` x `height`
    /// pixels, aspect ratio kept and centred.
    public static func png(svg: Data, width: Int, height: Int) throws(Failure) -> Data {
        var length = 0
        var error = [CChar](repeating: 0, count: 256)
        let bytes = svg.withUnsafeBytes { bytes in
            cobrand_raster_svg_png(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, Int32(clamping: width),
                                   Int32(clamping: height), &length, &error, 256)
        }
        guard let bytes else { throw Failure(reason: reason(error)) }
        defer { cobrand_raster_free(bytes) }
        return Data(bytes: bytes, count: length)
    }

    /// Sizes the SVG as `svgSize` does and draws it with its longest side at most `longest` pixels, without
    /// making a PNG, for checks: throws what stops either. The SVG is read once.
    public static func draw(svg: Data, longest: Int) throws(Failure) {
        var error = [CChar](repeating: 0, count: 256)
        let drawn = svg.withUnsafeBytes { bytes in
            cobrand_raster_svg_draws(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, Int32(clamping: longest), &error, 256)
        }
        guard drawn == 1 else { throw Failure(reason: reason(error)) }
    }

    /// One drawing under many overlays (a post's artwork under each partner's logo plate): drawn once, its rows
    /// above `top` encoded once, so each overlay's PNG costs only the rows from `top` down.
    final class Backdrop: @unchecked Sendable {
        // Safe: the C backdrop is not changed after it is made; each overlay is drawn on a copy of its rows.
        private let handle: OpaquePointer

        init(svg: Data, width: Int, height: Int, top: Int) throws(Failure) {
            var error = [CChar](repeating: 0, count: 256)
            let handle = svg.withUnsafeBytes { bytes in
                cobrand_backdrop_new(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, Int32(clamping: width),
                                     Int32(clamping: height), Int32(clamping: top), &error, 256)
            }
            guard let handle else { throw Failure(reason: Raster.reason(error)) }
            self.handle = handle
        }

        deinit { cobrand_backdrop_free(handle) }

        /// The backdrop with `overlay`, an SVG on the same canvas that draws nothing above `top`, as PNG.
        func png(overlay: Data) throws(Failure) -> Data {
            var length = 0
            var error = [CChar](repeating: 0, count: 256)
            let bytes = overlay.withUnsafeBytes { bytes in
                cobrand_backdrop_png(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, &length, &error, 256)
            }
            guard let bytes else { throw Failure(reason: Raster.reason(error)) }
            defer { cobrand_raster_free(bytes) }
            return Data(bytes: bytes, count: length)
        }
    }

    /// A PNG read back by cairo, an independent decoder: its pixel size and the RGBA of pixel (x, y).
    public static func pixel(png: Data, x: Int, y: Int) -> (width: Int, height: Int, rgba: UInt32)? {
        guard let image = pixels(png: png), (0..<image.width).contains(x), (0..<image.height).contains(y) else { return nil }
        return (image.width, image.height, image.rgba[y * image.width + x])
    }

    /// A PNG read back by cairo: its size and every pixel's RGBA (0xRRGGBBAA), row by row.
    public static func pixels(png: Data) -> (width: Int, height: Int, rgba: [UInt32])? {
        var width: Int32 = 0, height: Int32 = 0
        let rgba = png.withUnsafeBytes { bytes in
            cobrand_raster_png_rgba(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &width, &height)
        }
        guard let rgba else { return nil }
        defer { cobrand_raster_free(rgba) }
        return (Int(width), Int(height), Array(UnsafeBufferPointer(start: rgba, count: Int(width) * Int(height))))
    }

    fileprivate static func reason(_ error: [CChar]) -> String {
        let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "the SVG cannot be read" : text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Where drawn images outlive one build (a folder of the output, kept by the Files layer), so a publish or an
/// incremental build redraws nothing it drew before: drawing a share image is most of a kit's render.
public protocol RasterStore: Sendable {
    func png(for key: String) -> Data?
    func keep(_ png: Data, for key: String)
}

/// Rasterised images by SVG digest and size, shared by every kit a renderer builds (a logo is drawn once per
/// size, not once per kit), and kept in a `RasterStore` when there is one.
public final class RasterCache: Sendable {
    private let images = Mutex<[String: Data]>([:])
    private let store: (any RasterStore)?
    /// In every key: the generator and the drawing libraries, so a new binary or librsvg draws afresh.
    private let version: String

    public init(store: (any RasterStore)? = nil, generator: String = Generator.name) {
        self.store = store
        version = "\(generator) \(Raster.libraries)"
    }

    /// Backdrops of share images, by digest: drawn once for every partner's image of a post and network.
    private let backdrops = Mutex<[String: Raster.Backdrop]>([:])

    /// Kept in memory for the other kits too: a logo is drawn once per size, not once per kit.
    func png(svg: Data, width: Int, height: Int) throws(Raster.Failure) -> Data {
        let key = digest(width, height, svg)
        if let cached = images.withLock({ $0[key] }) { return cached }
        let store = Self.keepable(svg) ? store : nil
        let png: Data
        if let kept = store?.png(for: key) {
            png = kept
        } else {
            png = try Raster.png(svg: svg, width: width, height: height)
            store?.keep(png, for: key)
        }
        images.withLock { $0[key] = png }
        return png
    }

    /// A post's share image for one partner (`ShareImage`): its backdrop drawn once per build, the partner's
    /// plate over it. Kept in the store like any drawing, under the digest of both layers.
    func png(_ layers: ShareImage.Layers, width: Int, height: Int) throws(Raster.Failure) -> Data {
        let parts = try ShareImage.parts(layers, width: width, height: height)
        let (backdropSVG, overlay) = (Data(parts.backdrop.utf8), Data(parts.overlay.utf8))
        // The artwork, base64 in the backdrop, is most of the bytes: hashed once, for both keys.
        let backdropKey = digest(width, height, backdropSVG, top: parts.top)
        let key = digest(width, height, Data(backdropKey.utf8), overlay, top: parts.top)
        let store = Self.keepable(backdropSVG) && Self.keepable(overlay) ? store : nil
        if let kept = store?.png(for: key) { return kept }
        let backdrop: Raster.Backdrop
        if let known = backdrops.withLock({ $0[backdropKey] }) {
            backdrop = known
        } else {
            backdrop = try Raster.Backdrop(svg: backdropSVG, width: width, height: height, top: parts.top)
            backdrops.withLock { $0[backdropKey] = backdrop }
        }
        let png = try backdrop.png(overlay: overlay)
        store?.keep(png, for: key)
        return png
    }

    private func digest(_ width: Int, _ height: Int, _ svgs: Data..., top: Int? = nil) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(version)\n\(width)x\(height)\n".utf8))
        if let top { hasher.update(data: Data("over \(top)\n".utf8)) }
        for svg in svgs { hasher.update(data: svg) }
        return hasher.finalize().hex
    }

    /// Text is drawn with whatever fonts the machine has: such a drawing is not kept past this build.
    private static func keepable(_ svg: Data) -> Bool { !HTMLText.contains("<text", in: svg) }
}
