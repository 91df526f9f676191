/// The templates `cobrand serve` renders its partner-facing pages from, under `Templates/` without `.mustache`,
/// and the `portal.*` messages the server looks up itself (so `cobrand validate` counts them as used).
public enum PortalTemplates {
    public static let signIn = "_shared/portal/sign-in.html"
    public static let kits = "_shared/portal/kits.html"
    public static let mdf = "_shared/portal/mdf.html"
    /// The partner's own profile fields, logo and campaign texts.
    public static let customise = "_shared/portal/customise.html"
    /// Links to preview each kit with the saved changes, and the publish button.
    public static let preview = "_shared/portal/preview.html"
    /// The page after a lead form: thanks, or what to fix.
    public static let lead = "_shared/portal/lead.html"

    public static let all = [signIn, kits, mdf, customise, preview, lead]

    public static let rateLimitedKey = "portal.rate_limited"

    /// The label of a claim status (`submitted` or a reconciliation decision), an activity or a result name.
    public static func statusKey(_ status: String) -> String { "portal.status_\(status)" }
    public static func activityKey(_ activity: String) -> String { "portal.activity_\(activity.replacingOccurrences(of: "-", with: "_"))" }
    public static func resultKey(_ result: String) -> String { "portal.result_\(result)" }
    /// The label of an editable roster column.
    public static func fieldKey(_ column: String) -> String { "portal.field_\(column)" }

    /// Every key above, by the template whose page shows it.
    public static var messageKeys: [(template: String, key: String)] {
        let statuses = ["submitted"] + Reconciler.Decision.Status.allCases.map(\.rawValue)
        return [(lead, rateLimitedKey)]
            + statuses.map { (mdf, statusKey($0)) }
            + ClaimRequest.Activity.allCases.map { (mdf, activityKey($0.rawValue)) }
            + ClaimRequest.resultNames.map { (mdf, resultKey($0)) }
            + SelfServiceConfig.editableColumns.map { (customise, fieldKey($0)) }
            + ["applied", "pending", "approved", "rejected", "withdrawn"].map { (customise, statusKey($0)) }
    }
}
