import Foundation

/// A post's share image at a network's recommended size, with the partner's logo composed in: the vendor's
/// artwork fills the canvas (cropped to it, centred) and the logo sits on a white plate in the bottom corner
/// at the end of the reading direction (right, or left in right-to-left locales). The networks and the bulk
/// schedulers take PNG or JPEG, never SVG, so the result is a PNG drawn by librsvg.
public enum ShareImage {
    /// What is composed: images as PNG, JPEG or SVG bytes.
    public struct Layers {
        public let artwork: Data
        public let logo: Data?
        /// Drawn in place of a logo the partner does not have.
        public let partnerName: String
        public let rightToLeft: Bool

        public init(artwork: Data, logo: Data?, partnerName: String, rightToLeft: Bool) {
            self.artwork = artwork
            self.logo = logo
            self.partnerName = partnerName
            self.rightToLeft = rightToLeft
        }
    }

    public static func png(_ layers: Layers, width: Int, height: Int) throws(Raster.Failure) -> Data {
        try Raster.png(svg: Data(svg(layers, width: width, height: height).utf8), width: width, height: height)
    }

    /// The composition as one SVG; the images travel inside it as `data:` URIs, which is all librsvg may load.
    static func svg(_ layers: Layers, width: Int, height: Int) throws(Raster.Failure) -> String {
        let body = try body(layers, width: width, height: height)
        return document(width, height, body.backdrop + body.overlay)
    }

    /// The composition as two SVGs on the same canvas: the backdrop (white, then the artwork), the same for every
    /// partner, and the overlay (the plate and the partner's logo or name), which draws nothing above row `top`.
    /// A build draws each backdrop once and only the overlays per partner (`RasterCache`).
    struct Parts {
        let backdrop: String
        let overlay: String
        let top: Int
    }

    static func parts(_ layers: Layers, width: Int, height: Int) throws(Raster.Failure) -> Parts {
        let body = try body(layers, width: width, height: height)
        return Parts(backdrop: document(width, height, body.backdrop), overlay: document(width, height, body.overlay), top: body.top)
    }

    private static func document(_ width: Int, _ height: Int, _ body: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\(body)</svg>"
    }

    private static func body(_ layers: Layers, width: Int, height: Int) throws(Raster.Failure) -> Parts {
        let margin = height / 20
        let plateHeight = height / 6
        let padding = plateHeight / 6
        let innerHeight = plateHeight - 2 * padding
        let logoSize = try layers.logo.map { logo throws(Raster.Failure) in try intrinsicSize(logo) }
        let fontSize = innerHeight * 2 / 3
        let innerWidth = logoSize.map { min(width * 3 / 10, max(innerHeight, Int((Double(innerHeight) * $0.width / $0.height).rounded()))) }
            ?? min(width * 4 / 10, max(innerHeight, layers.partnerName.count * fontSize * 3 / 5))
        let plateWidth = innerWidth + 2 * padding
        let plateX = layers.rightToLeft ? margin : width - margin - plateWidth
        let plateY = height - margin - plateHeight
        let (x, y) = (plateX + padding, plateY + padding)
        let partner = if let logo = layers.logo {
            "<image x=\"\(x)\" y=\"\(y)\" width=\"\(innerWidth)\" height=\"\(innerHeight)\" preserveAspectRatio=\"xMidYMid meet\" href=\"\(dataURI(logo))\"/>"
        } else {
            // Squeezed into the plate whatever its length; escaped, so a name can add no markup.
            "<text x=\"\(x)\" y=\"\(y + innerHeight * 5 / 6)\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"\(fontSize)\" font-weight=\"bold\""
                + " fill=\"#1A1A1A\" textLength=\"\(innerWidth)\" lengthAdjust=\"spacingAndGlyphs\">\(XMLTree.escape(layers.partnerName, attribute: false))</text>"
        }
        // Artwork librsvg cannot read would come out as a blank picture: fail here with the reason instead.
        _ = try intrinsicSize(layers.artwork)
        return Parts(
            backdrop: "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#FFFFFF\"/>"
                + "<image width=\"\(width)\" height=\"\(height)\" preserveAspectRatio=\"xMidYMid slice\" href=\"\(dataURI(layers.artwork))\"/>",
            overlay: "<rect x=\"\(plateX)\" y=\"\(plateY)\" width=\"\(plateWidth)\" height=\"\(plateHeight)\" rx=\"\(padding)\" fill=\"#FFFFFF\"/>\(partner)",
            // A row above the plate: its rounded corners' antialiasing stays below it.
            top: max(0, plateY - 1))
    }

    static func intrinsicSize(_ image: Data) throws(Raster.Failure) -> (width: Double, height: Double) {
        switch Raster.format(of: image) {
        case .svg: return try Raster.svgSize(image)
        case .png, .jpeg:
            guard let pixels = Raster.pixelSize(image), pixels.width > 0, pixels.height > 0 else {
                throw Raster.Failure(reason: "its image header cannot be read")
            }
            return (Double(pixels.width), Double(pixels.height))
        case nil: throw Raster.Failure(reason: "it is not a PNG, JPEG or SVG file")
        }
    }

    static func dataURI(_ image: Data) -> String {
        let type = switch Raster.format(of: image) {
        case .svg: "image/svg+xml"
        case .jpeg: "image/jpeg"
        case .png, nil: "image/png"
        }
        return "data:\(type);base64,\(image.base64EncodedString())"
    }
}
