/// The templates `cobrand serve` renders its partner-facing pages from, under `Templates/` without `.mustache`,
/// and the `portal.*` messages the server looks up itself (so `cobrand validate` counts them as used).
public enum PortalTemplates {
    public static let signIn = "_shared/portal/sign-in.html"
    /// The home page: what is new, deals to watch, MDF balances, and the kits to download.
    public static let kits = "_shared/portal/kits.html"
    public static let mdf = "_shared/portal/mdf.html"
    /// The partner's own profile fields, logo and campaign texts.
    public static let customise = "_shared/portal/customise.html"
    /// Links to preview each kit with the saved changes, and the publish button.
    public static let preview = "_shared/portal/preview.html"
    /// The page after a lead form: thanks, or what to fix.
    public static let lead = "_shared/portal/lead.html"
    /// The partner's leads, with their suppression list.
    public static let leads = "_shared/portal/leads.html"
    /// The partner's deal registrations and the form to register one.
    public static let deals = "_shared/portal/deals.html"
    /// Per campaign and locale over a date range, with a chart.
    public static let performance = "_shared/portal/performance.html"
    /// The public unsubscribe page every email links.
    public static let unsubscribe = "_shared/portal/unsubscribe.html"

    public static let all = [signIn, kits, mdf, customise, preview, lead, leads, deals, performance, unsubscribe]

    public static let rateLimitedKey = "portal.rate_limited"

    /// The label of a claim status (`submitted` or a reconciliation decision), an activity or a result name.
    public static func statusKey(_ status: String) -> String { "portal.status_\(status)" }
    public static func activityKey(_ activity: String) -> String { "portal.activity_\(activity.replacingOccurrences(of: "-", with: "_"))" }
    public static func resultKey(_ result: String) -> String { "portal.result_\(result)" }
    /// The label of a deal status, and the partner's explanation of the rule that decided it.
    public static func dealStatusKey(_ status: String) -> String { "portal.deal_\(status)" }
    public static func ruleKey(_ rule: String) -> String { "portal.rule_\(rule.replacingOccurrences(of: "-", with: "_"))" }
    /// The label of an editable roster column.
    public static func fieldKey(_ column: String) -> String { "portal.field_\(column)" }

    /// Every key above, by the template whose page shows it.
    public static var messageKeys: [(template: String, key: String)] {
        let statuses = ClaimStatus.allCases.map(\.rawValue)
        return [(lead, rateLimitedKey)]
            + statuses.map { (mdf, statusKey($0)) }
            + ClaimRequest.Activity.allCases.map { (mdf, activityKey($0.rawValue)) }
            + ClaimRequest.resultNames.map { (mdf, resultKey($0)) }
            + SelfServiceConfig.editableColumns.map { (customise, fieldKey($0)) }
            + ChangeStatus.allCases.map { (customise, statusKey($0.rawValue)) }
            + DealStatus.allCases.map { (deals, dealStatusKey($0.rawValue)) }
            + DealRules.Rule.allCases.map { (deals, ruleKey($0.rawValue)) }
            + ["yes", "no"].map { (leads, "portal.\($0)") }
            + ["downloads", "opens", "clicks", "views", "leads", "deals", "total", "registered_by_hand", "performance_title"].map { (performance, "portal.\($0)") }
            + Funnel.portalKeys.map { (performance, "portal.\($0)") }
    }
}

/// The templates of the channel team's admin console (`/admin`), under `Templates/` without `.mustache`.
/// The console speaks English; its partials are `_shared/admin/styles.html` and `_shared/admin/header.html`.
public enum AdminTemplates {
    public static let signIn = "_shared/admin/sign-in.html"
    public static let partners = "_shared/admin/partners.html"
    public static let leads = "_shared/admin/leads.html"
    public static let deals = "_shared/admin/deals.html"
    public static let mdf = "_shared/admin/mdf.html"
    public static let claims = "_shared/admin/claims.html"
    public static let report = "_shared/admin/report.html"
    public static let outbox = "_shared/admin/outbox.html"
    public static let usage = "_shared/admin/usage.html"
    public static let funnel = "_shared/admin/funnel.html"
    public static let changes = "_shared/admin/changes.html"
    public static let partials = ["_shared/admin/styles.html", "_shared/admin/header.html"]

    public static let all = [signIn, partners, leads, deals, mdf, claims, report, outbox, usage, funnel, changes] + partials
}
