import Foundation

/// Adds UTM parameters to outbound links, merging them into an existing query and keeping the fragment.
public enum TrackedLink {
    /// `url` with `utm_source`, `utm_medium`, `utm_campaign` and `utm_content` set (replacing any it had).
    /// Links that are not http(s) (mailto:, tel:) come back unchanged.
    public static func tagged(_ url: String, source: String, medium: String, campaign: String, content: String) -> String {
        guard var parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return url
        }
        let utm = [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign), ("utm_content", content)]
        var items = (parts.queryItems ?? []).filter { item in !utm.contains { $0.0 == item.name } }
        items += utm.map { URLQueryItem(name: $0.0, value: $0.1) }
        parts.queryItems = items
        if parts.path.isEmpty { parts.path = "/" }
        return parts.string ?? url
    }
}

/// http(s) addresses with a host: the only links Cobrand writes or redirects to.
public enum WebAddress {
    /// Also refuses spaces and control characters, which Foundation's `URLComponents` lets through: a CR LF in a
    /// redirect's target would end its `Location` header and start a header of the sender's choosing.
    public static func isValid(_ url: String) -> Bool {
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }), let parts = URLComponents(string: url), ["http", "https"].contains(parts.scheme?.lowercased() ?? "") else { return false }
        return parts.host?.isEmpty == false
    }
}
