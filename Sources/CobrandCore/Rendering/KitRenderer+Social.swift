import Foundation

extension KitRenderer {
    /// Social posts: one row per post and network in `posts.csv` (network, text, link, image, image_alt,
    /// image_url, post_at), plus each network's file for Buffer's and Hootsuite's bulk upload. A post's
    /// image is drawn per network at that network's size with the partner's logo (`ShareImage`), as PNG under
    /// `assets/`, and served content-addressed like email images. Lengths are checked per network.
    func renderSocial(_ component: Component, context: KitContext, id: KitID) throws(RenderError) -> [KitFile] {
        var rows = [["network", "text", "link", "image", "image_alt", "image_url", "post_at"]]
        var perNetwork: [SocialNetwork: [(text: String, link: String?, imageURL: String?, postAt: Date?)]] = [:]
        var problems: [String] = []
        var files: [KitFile] = []
        let partner = context.partner
        let logo = partner.logo.flatMap { project.partnerLogos[$0] }
        for post in component.posts {
            let text = context.message(post.text)
            let postAt = component.startDate.flatMap {
                SendSchedule.date(start: $0, day: post.day, time: component.sendTime, timeZone: context.timeZone)
            }
            for network in post.networks {
                let link = post.link.flatMap { context.campaign.links[$0] }.map {
                    context.link($0, component: component, asset: "\(post.id)-\(network.rawValue)")
                }
                let length = network.length(text: text, link: link)
                if length > network.limit {
                    problems.append("post '\(post.id)' is \(length) characters on \(network.rawValue), over its limit of \(network.limit)"
                        + (network == .x ? " (links count 23, CJK and emoji 2)" : "") + "; shorten \(post.text) or the partner name")
                }
                var image: KitFile?
                if let asset = post.image, let artwork = project.assets[asset] {
                    let (width, height) = network.imageSize
                    do throws(Raster.Failure) {
                        let layers = ShareImage.Layers(artwork: artwork, logo: logo, partnerName: partner.name, rightToLeft: context.locale.isRightToLeft)
                        let png = try rasters.png(layers, width: width, height: height)
                        image = KitFile(path: "assets/\(post.id)-\(network.rawValue)-\(width)x\(height).png", data: png)
                    } catch {
                        problems.append("post '\(post.id)' has an image \(asset) that cannot be drawn for \(network.rawValue): \(error.reason)")
                    }
                }
                if let image { files.append(image) }
                let imageURL = image.map { EmailImages.url(base: project.config.assetBaseURL, sha256: $0.sha256, format: .png) }
                rows.append([network.rawValue, text, link ?? "", image?.path ?? "", context.message(post.imageAlt), imageURL ?? "",
                             postAt.map { SendSchedule.local($0, context.timeZone) } ?? ""])
                perNetwork[network, default: []].append((text, link, imageURL, postAt))
            }
        }
        guard problems.isEmpty else { throw .contentRule(kit: id.description, file: "\(component.id)/posts.csv", problems: problems) }
        files.append(KitFile(path: "\(component.id)/posts.csv", text: rows.map(CSV.line).joined()))
        for network in SocialNetwork.allCases {
            guard let posts = perNetwork[network] else { continue }
            // Buffer: its bulk-upload template's columns; the link goes into the text, as Buffer publishes it.
            let buffer = [["Text", "Image URL", "Tags", "Posting Time"]] + posts.map { post in
                [[post.text, post.link].compactMap { $0 }.joined(separator: " "), post.imageURL ?? "", "",
                 post.postAt.map { SendSchedule.local($0, context.timeZone) } ?? ""]
            }
            files.append(KitFile(path: "\(component.id)/buffer-\(network.rawValue).csv", text: buffer.map(CSV.line).joined()))
            // Hootsuite's bulk composer: no header; date and time (MM/dd/yyyy HH:mm), message, link. Every row needs a
            // date, so the file is written only when the component has a start_date.
            let dated = posts.compactMap { post in post.postAt.map { (post, $0) } }
            guard dated.count == posts.count, !dated.isEmpty else { continue }
            let hootsuite = dated.map { post, date in
                [Timestamp.format(date, in: context.timeZone, "%2$02d/%3$02d/%1$04d %4$02d:%5$02d"), post.text, post.link ?? ""]
            }
            files.append(KitFile(path: "\(component.id)/hootsuite-\(network.rawValue).csv", text: hootsuite.map(CSV.line).joined()))
        }
        return files
    }

    /// A print-ready one-pager in A4 and US Letter: the template gets `page.size` for its CSS `@page` rule.
    func renderDocument(_ component: Component, context: KitContext, id: KitID) throws(RenderError) -> [KitFile] {
        var files: [KitFile] = []
        for (name, size, label) in [("a4.html", "A4", "A4"), ("letter.html", "letter", "US Letter")] {
            let path = "\(component.id)/\(name)"
            var model = context.model(forFileAt: path, component: component, asset: component.id)
            model["page"] = ["size": size, "label": label]
            files.append(try checkedPage(path, try render("\(context.campaign.id)/\(component.template ?? "").html", model, id), id))
        }
        return files
    }
}
