import CobrandCore
import CobrandStore
import Foundation
import GRDB
import Testing

@Suite("Partner changes and the override layer")
struct OverrideStoreTests {
    let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("a change without approval takes effect at once; one that needs approval waits, replaces an earlier wait, and takes effect when approved", arguments: Engine.all)
    func changes(engine: Engine) async throws {
        try await engine.with { database in
            try await database.saveChanges(partner: "alpha", [
                .init(field: "phone", oldValue: "+1 555 0100", newValue: "+1 555 0199", needsApproval: false),
                .init(campaign: "launch", locale: "de-DE", field: "intro", oldValue: nil, newValue: "Hallo", needsApproval: false),
                .init(field: "primary_color", oldValue: "#1F3A93", newValue: "#000000", needsApproval: true),
            ], actor: "partner:alpha", now: now)
            #expect(try await database.overrides() == ["alpha": PartnerOverrides(profile: ["phone": "+1 555 0199"], slots: ["launch": ["de-DE": ["intro": "Hallo"]]])])
            #expect(try await database.overrides(partner: nil, pending: true)["alpha"]?.profile == ["phone": "+1 555 0199", "primary_color": "#000000"])

            // A second pending value for the same field withdraws the first.
            let second = try await database.saveChanges(partner: "alpha", [.init(field: "primary_color", oldValue: "#1F3A93", newValue: "#112233", needsApproval: true)],
                                                  actor: "partner:alpha", now: now)
            #expect(try await database.changes(status: .withdrawn).map(\.newValue) == ["#000000"])
            #expect(try await database.changes(partner: "alpha", status: .pending).map(\.id) == second.map(\.id))

            let approved = try await database.decide(change: second[0].id, approve: true, by: "cli:vendor", now: now)
            #expect(approved.status == .approved && approved.decidedBy == "cli:vendor")
            #expect(try await database.overrides()["alpha"]?.profile["primary_color"] == "#112233")
            await #expect(throws: AppDatabase.ChangeError.self) { try await database.decide(change: second[0].id, approve: false, by: "x", now: now) }

            // Asking again for the value in effect withdraws what waits and adds nothing.
            try await database.saveChanges(partner: "alpha", [.init(field: "primary_color", oldValue: "#112233", newValue: "#445566", needsApproval: true)],
                                     actor: "partner:alpha", now: now)
            #expect(try await database.saveChanges(partner: "alpha", [.init(field: "primary_color", oldValue: "#112233", newValue: "#112233", needsApproval: true)],
                                             actor: "partner:alpha", now: now).isEmpty)
            #expect(try await database.changes(partner: "alpha", status: .pending).isEmpty)

            // Rejected changes never take effect; every change keeps who, when, old and new.
            let third = try await database.saveChanges(partner: "alpha", [.init(field: "logo", oldValue: nil, newValue: "abc.svg", needsApproval: true)], actor: "partner:alpha", now: now)
            _ = try await database.decide(change: third[0].id, approve: false, by: "cli:vendor", note: "off-brand", now: now)
            #expect(try await database.overrides()["alpha"]?.profile["logo"] == nil)
            let log = try await database.changes(partner: "alpha")
            #expect(log.map(\.status) == [.applied, .applied, .withdrawn, .approved, .withdrawn, .rejected])
            #expect(log.map(\.subject) == ["phone", "launch.intro (de-DE)", "primary_color", "primary_color", "primary_color", "logo"])
            #expect(log[0].oldValue == "+1 555 0100" && log[0].actor == "partner:alpha" && log[0].createdAt == now)
            #expect(log[5].note == "off-brand")
        }
    }
}
