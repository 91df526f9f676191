import Foundation

extension KitRenderer {
    /// Social posts: one row per post and network in `posts.csv` (network, text, link, image, image_alt),
    /// the shape bulk schedulers import; lengths are checked per network at build time.
    func renderSocial(_ component: Component, context: KitContext, id: KitID) throws(RenderError) -> [KitFile] {
        var rows = [["network", "text", "link", "image", "image_alt"]]
        var problems: [String] = []
        var files: [KitFile] = []
        for post in component.posts {
            let text = context.message(post.text)
            let image = post.image.map { "assets/\(($0 as NSString).lastPathComponent)" } ?? ""
            if let asset = post.image, let data = project.assets[asset], !files.contains(where: { $0.path == image }) {
                files.append(KitFile(path: image, data: data))
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
                rows.append([network.rawValue, text, link ?? "", image, context.message(post.imageAlt)])
            }
        }
        guard problems.isEmpty else { throw .contentRule(kit: id.description, file: "\(component.id)/posts.csv", problems: problems) }
        return files + [KitFile(path: "\(component.id)/posts.csv", text: rows.map(CSV.line).joined())]
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
