import Foundation

extension KitRenderer {
    /// Syndication: each article as a co-branded page with `rel=canonical` to the vendor original, an Atom
    /// feed, a script-free embeddable page for an iframe, and an HTML snippet to paste into a site.
    func renderSyndication(_ component: Component, context: KitContext, id: KitID) throws(RenderError) -> [KitFile] {
        let campaign = context.campaign
        // Placeholders in Markdown become HTML: fill them with escaped values.
        let values = context.placeholders.mapValues(\.htmlEscaped)
        func tag(_ url: String, _ asset: String) -> String { context.link(url, component: component, asset: asset) }
        func day(_ date: Date) -> String { context.format(date, .init(date: .long, time: .omitted), in: Timestamp.utc) }

        var articles: [Article] = []
        var files: [KitFile] = []
        for articleID in component.articles {
            guard let (markdown, file) = project.article(articleID, campaign: campaign.id, locale: context.locale) else { continue }
            let article: Article
            do { article = try Article.parse(id: articleID, markdown: Catalog.format(markdown, values), file: file) } catch { throw .article(error) }
            articles.append(article)
            let path = "\(component.id)/\(articleID).html"
            var model = context.model(forFileAt: path, component: component, asset: articleID)
            var entry: [String: Any] = [
                "id": articleID, "title": article.title, "summary": article.summary, "canonical": article.canonical,
                "published": day(article.published), "published_iso": AtomFeed.date(article.published),
                "html": HTMLScan.rewriteHrefs(in: article.html) { ContentRules.isOutbound($0) ? tag($0, articleID) : $0 },
            ]
            entry["author"] = article.author
            model["article"] = entry
            files.append(try checkedPage(path, try render("\(campaign.id)/\(component.template ?? "").html", model, id), id))
        }
        articles.sort { ($0.published, $0.id) > ($1.published, $1.id) }

        let listing = articles.map { article -> [String: Any] in
            ["title": article.title, "summary": article.summary, "date": day(article.published),
             "url": tag(article.canonical, article.id), "page": "\(article.id).html"]
        }
        for name in ["embed.html", "snippet.html"] {
            let path = "\(component.id)/\(name)"
            var model = context.model(forFileAt: path, component: component, asset: component.id)
            model["articles"] = listing
            model["feed"] = "feed.xml"
            let html = try render("_shared/syndication/\(name)", model, id)
            files.append(try checkedPage(path, html, id))
        }

        let partner = context.partner
        let feed = AtomFeed(
            id: "urn:cobrand:\(campaign.id):\(component.id):\(partner.id):\(context.locale)",
            title: "\(context.placeholders["campaign.title"] ?? campaign.id) | \(partner.name)",
            language: context.locale.identifier,
            alternate: tag(partner.website ?? project.config.vendor.website ?? "https://invalid.example", component.id),
            selfURL: project.config.portalAddress(AtomFeed.path(id, component: component.id)),
            author: partner.name,
            entries: articles.map { article in
                AtomFeed.Entry(
                    // Per partner: each partner's feed is its own publication, with its own links.
                    id: "urn:cobrand:article:\(campaign.id):\(partner.id):\(article.id):\(context.locale)", title: article.title,
                    link: tag(article.canonical, article.id), published: article.published, updated: article.updated,
                    author: article.author ?? project.config.vendor.name, summary: article.summary,
                    contentHTML: HTMLScan.rewriteHrefs(in: article.html) { ContentRules.isOutbound($0) ? tag($0, article.id) : $0 })
            })
        files.append(KitFile(path: "\(component.id)/\(AtomFeed.fileName)", data: feed.encoded()))
        return files
    }
}
