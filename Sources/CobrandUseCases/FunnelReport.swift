import CobrandCore
import CobrandStore
import Foundation

/// The funnel report, for `cobrand funnel report`, the admin console and the partner portal: the store's
/// facts for the days asked, decided by `Funnel.report`.
public enum FunnelReport {
    public static func rows(_ database: any Store, partner: String?, range: Funnel.Range) async throws -> [Funnel.Row] {
        Funnel.report(try await database.funnelFacts(partner: partner, from: range.from, until: range.until), partner: partner)
    }
}
