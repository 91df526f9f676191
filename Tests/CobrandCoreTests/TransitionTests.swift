@testable import CobrandCore
import Foundation
import Testing

@Suite("Deal transitions")
struct DealTransitionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day = 86_400.0
    static let rules = DealRules(expiryDays: 90)

    static func deal(_ status: DealStatus, expiresIn: Double? = nil, rule: DealRules.Rule = .reviewNoTrackedLead, evidence: String? = nil) -> Deal {
        Deal(id: 7, partner: "alpha", domain: "acme.com", accountName: "Acme", value: Money(amountMinor: 100, currency: "EUR"), products: ["P"],
             expectedClose: "2027-01-01", leadID: nil, status: status, rule: rule, note: "earlier", createdAt: now.addingTimeInterval(-day),
             decidedAt: now.addingTimeInterval(-day), expiresAt: expiresIn.map { now.addingTimeInterval($0) }, evidenceVisitor: evidence)
    }

    enum Step: Sendable, CustomStringConvertible {
        case approve(heldByOther: Bool), reject, extend(days: Int), expire
        var description: String {
            switch self {
            case let .approve(held): "approve\(held ? " (held)" : "")"
            case .reject: "reject"
            case let .extend(days): "extend \(days)"
            case .expire: "expire"
            }
        }
    }

    /// Each transition from each state: the status, rule and expiry it leaves, or the exact error.
    @Test("transitions give the next deal or the exact error", arguments: [
        (DealStatus.pending, nil, Step.approve(heldByOther: false), Result<(DealStatus, DealRules.Rule, Double?), DealError>.success((.approved, .manualApproval, 90 * day))),
        (.pending, nil, .approve(heldByOther: true), .failure(.accountTaken(7))),
        (.approved, day, .approve(heldByOther: false), .failure(.transition(id: 7, from: .approved, action: "approved"))),
        (.pending, nil, .reject, .success((.rejected, .manualRejection, nil))),
        (.approved, day, .reject, .success((.rejected, .manualRejection, nil))),
        (.approved, -1, .reject, .failure(.transition(id: 7, from: .approved, action: "rejected"))),
        (.rejected, nil, .reject, .failure(.transition(id: 7, from: .rejected, action: "rejected"))),
        (.approved, day, .extend(days: 30), .success((.approved, .extended, 31 * day))),
        (.approved, day, .extend(days: 0), .failure(.extensionDays(0))),
        (.pending, nil, .extend(days: 30), .failure(.transition(id: 7, from: .pending, action: "extended"))),
        (.expired, -day, .extend(days: 30), .failure(.transition(id: 7, from: .expired, action: "extended"))),
        (.approved, -1, .expire, .success((.expired, .expired, -1))),
        (.approved, day, .expire, .failure(.transition(id: 7, from: .approved, action: "expired"))),
        (.conflict, nil, .expire, .failure(.transition(id: 7, from: .conflict, action: "expired"))),
    ] as [(DealStatus, Double?, Step, Result<(DealStatus, DealRules.Rule, Double?), DealError>)])
    func transition(status: DealStatus, expiresIn: Double?, step: Step, expected: Result<(DealStatus, DealRules.Rule, Double?), DealError>) {
        let deal = Self.deal(status, expiresIn: expiresIn)
        let result = Result { () throws(DealError) -> Deal in
            switch step {
            case let .approve(held): try deal.approved(note: "ok", at: Self.now, rules: Self.rules, accountHeldByOther: held)
            case .reject: try deal.rejected(note: "ok", at: Self.now)
            case let .extend(days): try deal.extended(days: days, note: "ok", at: Self.now)
            case .expire: try deal.expired(at: Self.now)
            }
        }
        switch (result, expected) {
        case let (.success(next), .success((status, rule, expiresIn))):
            #expect(next.status == status && next.rule == rule && next.decidedAt == Self.now)
            #expect(next.expiresAt == expiresIn.map { Self.now.addingTimeInterval($0) })
            #expect(next.note == (step.description == "expire" ? "earlier" : "ok"))
            #expect(next.id == deal.id && next.partner == deal.partner && next.value == deal.value)
        case let (.failure(error), .failure(expectedError)):
            #expect(error == expectedError)
        default:
            Issue.record("\(step) from \(status): got \(result)")
        }
    }

    @Test("an extension without a note keeps the approval's note; with one, replaces it", arguments: [(String?.none, "earlier"), ("more time", "more time")])
    func extensionNote(note: String?, kept: String) throws {
        #expect(try Self.deal(.approved, expiresIn: Self.day).extended(days: 10, note: note, at: Self.now).note == kept)
    }

    @Test("an automatic approval resting on the partner's own address goes back to review; nothing else does", arguments: [
        (DealStatus.approved, DealRules.Rule.autoApproved, "v1", true), (.approved, .autoApproved, "v2", false),
        (.approved, .manualApproval, "v1", false), (.pending, .autoApproved, "v1", false),
    ])
    func contradicted(status: DealStatus, rule: DealRules.Rule, visitor: String, back: Bool) {
        let next = Self.deal(status, expiresIn: Self.day, rule: rule, evidence: "v1").contradicted(by: visitor, rules: Self.rules, at: Self.now)
        #expect((next != nil) == back)
        if let next { #expect(next.status == .pending && next.rule == .reviewContradicted && next.expiresAt == nil) }
    }

    @Test("active means pending, or approved until its expiry", arguments: [
        (DealStatus.pending, nil, true), (.approved, 1.0, true), (.approved, 0.0, false), (.expired, -1.0, false), (.rejected, nil, false),
        (.conflict, nil, false),
    ] as [(DealStatus, Double?, Bool)])
    func active(status: DealStatus, expiresIn: Double?, active: Bool) {
        #expect(Self.deal(status, expiresIn: expiresIn).isActive(at: Self.now) == active)
    }
}

@Suite("Claim rules")
struct ClaimStateTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let claim = ClaimState(id: 3, amount: Money(amountMinor: 50_000, currency: "EUR"), status: .review, approvedMinor: 0, reasons: ["why"])

    @Test("an override sets status and approved amount, or names what is wrong", arguments: [
        (Reconciler.Decision.Status.approved, nil, Result<Int64, ClaimError>.success(50_000)),
        (.approved, 20_000, .success(20_000)),
        (.partial, 20_000, .success(20_000)),
        (.partial, nil, .failure(.approvedAmount(claimed: Money(amountMinor: 50_000, currency: "EUR"), partial: true))),
        (.partial, 50_000, .failure(.approvedAmount(claimed: Money(amountMinor: 50_000, currency: "EUR"), partial: true))),
        (.approved, 60_000, .failure(.approvedAmount(claimed: Money(amountMinor: 50_000, currency: "EUR"), partial: false))),
        (.rejected, 20_000, .success(0)),
    ] as [(Reconciler.Decision.Status, Int64?, Result<Int64, ClaimError>)])
    func override(status: Reconciler.Decision.Status, requested: Int64?, expected: Result<Int64, ClaimError>) {
        let result = Result { () throws(ClaimError) in try Self.claim.overridden(status, approvedMinor: requested, note: "n", at: Self.now) }
        switch (result, expected) {
        case let (.success(next), .success(approved)):
            #expect(next.status.rawValue == status.rawValue && next.approvedMinor == approved && next.overrideNote == "n")
            #expect(next.reasons == ["overridden by an admin: n"] && next.isSettled && next.decidedAt == Self.now)
        case let (.failure(error), .failure(expectedError)): #expect(error == expectedError)
        default: Issue.record("got \(result)")
        }
    }

    @Test("payment: an approved or partial claim, once", arguments: [
        (ClaimStatus.approved, false, ClaimError?.none), (.partial, false, nil), (.review, false, .notPayable(id: 3, status: .review)),
        (.rejected, false, .notPayable(id: 3, status: .rejected)), (.submitted, false, .notPayable(id: 3, status: .submitted)),
        (.approved, true, .alreadyPaid(id: 3, reference: "SEPA-0")),
    ] as [(ClaimStatus, Bool, ClaimError?)])
    func payment(status: ClaimStatus, paidBefore: Bool, expected: ClaimError?) {
        var claim = Self.claim
        claim.status = status
        claim.approvedMinor = 20_000
        if paidBefore { (claim.paidAt, claim.paymentReference) = (Self.now.addingTimeInterval(-1), "SEPA-0") }
        switch Result(catching: { () throws(ClaimError) in try claim.paid(reference: "SEPA-1", at: Self.now) }) {
        case let .success(paid):
            #expect(expected == nil && paid.paidAt == Self.now && paid.paymentReference == "SEPA-1" && paid.isSettled && paid.approvedMinor == 20_000)
        case let .failure(error): #expect(error == expected)
        }
    }

    @Test("a paid claim's decision is final: no override, and reconciliation leaves it", arguments: Reconciler.Decision.Status.allCases)
    func paidIsFinal(decision: Reconciler.Decision.Status) throws {
        var approved = Self.claim
        (approved.status, approved.approvedMinor) = (.approved, 50_000)
        let paid = try approved.paid(reference: "SEPA-1", at: Self.now)
        #expect(throws: ClaimError.paidIsFinal(id: 3, reference: "SEPA-1")) { try paid.overridden(decision, approvedMinor: nil, note: "n", at: Self.now) }
        #expect(paid.reconciled(Reconciler.Decision(claim: 3, status: decision, approvedMinor: 0, reasons: []), at: Self.now) == nil)
        #expect(paid.settledDecision?.status == .approved && paid.settledDecision?.approvedMinor == 50_000)
    }

    @Test("reconciliation changes an open claim only when its decision differs", arguments: [
        (Reconciler.Decision.Status.review, Int64(0), ["why"], false), (.review, 0, ["other"], true), (.approved, 50_000, ["ok"], true),
        (.partial, 20_000, ["why"], true), (.rejected, 0, ["why"], true),
    ])
    func reconciled(status: Reconciler.Decision.Status, approved: Int64, reasons: [String], changes: Bool) {
        let next = Self.claim.reconciled(Reconciler.Decision(claim: 3, status: status, approvedMinor: approved, reasons: reasons), at: Self.now)
        #expect((next != nil) == changes)
        if let next {
            #expect(next.status == ClaimStatus(status) && next.approvedMinor == approved && next.reasons == reasons && next.decidedAt == Self.now)
        }
    }

    @Test("the claim deadline day is the last day a claim is accepted", arguments: [("2027-01-14", true), ("2027-01-15", false)])
    func deadline(today: String, accepted: Bool) {
        let result = Result { () throws(ClaimError) in try ClaimState.checkDeadline(today: today, period: "2026-Q4", deadline: "2027-01-14") }
        if accepted { #expect(throws: Never.self) { try result.get() } } else {
            #expect(throws: ClaimError.pastDeadline(period: "2026-Q4", deadline: "2027-01-14")) { try result.get() }
        }
    }

    @Test("a balance: claimed is every claim not rejected, approved the approved amounts, paid those paid, remaining what is left")
    func balance() {
        func claim(_ status: ClaimStatus, _ amount: Int64, approved: Int64?, paid: Bool = false, currency: String = "EUR") -> ClaimState {
            ClaimState(id: 1, amount: Money(amountMinor: amount, currency: currency), status: status, approvedMinor: approved,
                       paidAt: paid ? Self.now : nil)
        }
        let balance = MDFBalance(allocation: Money(amountMinor: 100_000, currency: "EUR"), claims: [
            claim(.approved, 30_000, approved: 30_000, paid: true), claim(.partial, 40_000, approved: 10_000), claim(.review, 5_000, approved: 0),
            claim(.rejected, 9_000, approved: 0), claim(.submitted, 1_000, approved: nil), claim(.approved, 7_000, approved: 7_000, currency: "USD"),
        ])
        #expect([balance.claimed, balance.approved, balance.paid, balance.remaining].map(\.amountMinor) == [76_000, 40_000, 30_000, 60_000])
    }
}

@Suite("Partner-change workflow")
struct ChangeWorkflowTests {
    @Test("a change starts applied, pending, or only withdraws what waited", arguments: [
        (false, "old", "new", ChangeStatus?.some(.applied)), (false, "same", "same", .applied), (true, "old", "new", .pending),
        (true, "same", "same", nil), (true, nil, "", nil),
    ] as [(Bool, String?, String, ChangeStatus?)])
    func start(needsApproval: Bool, old: String?, new: String, expected: ChangeStatus?) {
        #expect(ChangeWorkflow.start(needsApproval: needsApproval, oldValue: old, newValue: new) == expected)
    }

    @Test("only a pending change is approved or rejected", arguments: ChangeStatus.allCases)
    func decide(status: ChangeStatus) throws {
        if status == .pending {
            #expect(try ChangeWorkflow.decide(4, status: status, approve: true) == .approved)
            #expect(try ChangeWorkflow.decide(4, status: status, approve: false) == .rejected)
        } else {
            #expect(throws: ChangeError.notPending(id: 4, status: status)) {
                try ChangeWorkflow.decide(4, status: status, approve: true)
            }
        }
        #expect(status.takesEffect == (status == .applied || status == .approved))
    }
}
