import CobrandCore
import CobrandStore
import Foundation
import Hummingbird

/// The portal's MDF page: a signed-in partner's balances per period, their claims with decisions and
/// reasons, and a form to claim with proof files. It submits through the same checks as `POST /api/mdf/claims`.
///
/// The form works without JavaScript: a mistake re-renders it with what was typed and the message next to
/// the field; a stored claim redirects (303) to the page with a notice, so a reload cannot submit twice.
struct PortalMDFRoutes: Sendable {
    let portal: PortalRoutes
    let claims: ClaimRoutes

    /// Proofs are at most 10 MB each; a form carries a few of them.
    static let formLimit = 32 << 20

    func add(to router: Router<ServerContext>) {
        let group = portal.group(router)
        group.get("mdf") { request, context in
            let (partner, session) = (context.partner, context.session)
            let submitted = request.uri.queryParameters.get("submitted").flatMap(Int64.init)
            return try await page(partner: partner, session: session, form: FormState(), notice: submitted)
        }
        group.get("mdf/proofs/{sha256}") { request, context in
            let partner = context.partner
            return try await claims.proofDownload(context.parameters.get("sha256") ?? "", partner: partner)
        }
        group.post("mdf/claims") { request, context in
            let (partner, session) = (context.partner, context.session)
            let form = try await portal.uploads.run(partner) {
                try await request.multipartForm(MultipartLimits(bytes: Self.formLimit, parts: 100)) { name, value in
                    if name == FormToken.field { try portal.checkFormToken(value, session: session) }
                }
            }
            try portal.checkFormToken(form.fields[FormToken.field], session: session)
            var state = FormState(fields: form.fields)
            do {
                let results = try state.results()
                let proofs = try form.files.filter { $0.field == "proofs" }.map { (name: $0.filename, data: try $0.data) }
                let (claim, _) = try await claims.submit(partner: partner, fields: state.claimFields(results: results), proofs: proofs,
                                                   idempotencyKey: form.fields["idempotency_key"].flatMap { $0.isEmpty ? nil : "portal:\($0)" })
                return Response(status: .seeOther, headers: [.location: "/portal/mdf?submitted=\(claim.id)"])
            } catch let error as FieldError {
                state.errors[error.field] = error.message
            } catch let error as AppDatabase.ClaimError {
                state.errors[error.field] = error.description
            }
            var response = try await page(partner: partner, session: session, form: state, notice: nil)
            response.status = .badRequest
            return response
        }
    }

    /// What the partner typed into the claim form, and the message for each field that needs fixing.
    struct FormState {
        var fields: [String: String] = [:]
        var errors: [String: String] = [:]

        func value(_ name: String) -> String { fields[name] ?? "" }

        /// The claimed results: each `results.<name>` box that is filled in, as a whole number.
        func results() throws(FieldError) -> [String: Int] {
            var results: [String: Int] = [:]
            for name in ClaimRequest.resultNames {
                let text = value("results.\(name)").trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { continue }
                guard let number = Int(text), number >= 0 else {
                    throw FieldError(field: "results", code: "invalid", message: "\(name.replacingOccurrences(of: "_", with: " ")) must be a whole number, 0 or more")
                }
                results[name] = number
            }
            return results
        }

        func claimFields(results: [String: Int]) -> ClaimRoutes.ClaimFields {
            func given(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }
            return .init(campaign: given("campaign"), activity: given("activity"), start: given("activity_start"), end: given("activity_end"),
                         amount: given("amount"), currency: given("currency"), invoice: given("invoice"), results: results)
        }
    }

    func page(partner: String, session: String, form: FormState, notice: Int64?) async throws -> Response {
        let (name, locale) = try await portal.profile(of: partner)
        let language = Locale(identifier: locale.identifier)
        let today = Timestamp.day(portal.now())
        let strings = portal.project.strings(for: locale)
        let titles = Dictionary(uniqueKeysWithValues: portal.project.campaigns.map { ($0.id, strings.lookup($0.title)?.text ?? $0.id) })
        func label(_ key: String, _ code: String) -> String { strings.lookup(key)?.text ?? code }

        let balances = try await portal.database.balances(partner: partner)
        let allocations = balances.map { balance -> [String: Any] in
            [
                "period": balance.period, "allocated": balance.money.allocated.formatted(language), "claimed": balance.money.claimed.formatted(language),
                "approved": balance.money.approved.formatted(language), "paid": balance.money.paid.formatted(language),
                "remaining": balance.money.remaining.formatted(language), "deadline": balance.deadline, "open": ClaimState.isOpen(today: today, deadline: balance.deadline),
            ]
        }
        var proofsByClaim: [Int64: [AppDatabase.Proof]] = [:]
        let claims = try await portal.database.claims(partner: partner)
        for claim in claims { proofsByClaim[claim.id] = try await portal.database.proofs(claim: claim.id) }
        let claimRows = claims.reversed().map { claim -> [String: Any] in
            let reasons = claim.reasons ?? []
            let proofs = proofsByClaim[claim.id] ?? []
            return [
                "id": claim.id, "period": claim.period, "campaign": titles[claim.campaign] ?? claim.campaign,
                "activity": label(PortalTemplates.activityKey(claim.activity.rawValue), claim.activity.rawValue), "start": claim.activityStart, "end": claim.activityEnd,
                "invoice": claim.invoice, "amount": claim.amount.formatted(language), "status": claim.status.rawValue,
                "status_label": label(PortalTemplates.statusKey(claim.status.rawValue), claim.status.rawValue),
                // An empty string would still open a Mustache section: false when nothing is approved.
                "approved": ClaimStatus.approvedAmounts.contains(claim.status)
                    ? claim.approvedMinor.map { Money(amountMinor: $0, currency: claim.currency).formatted(language) as Any } ?? false : false,
                "paid": claim.paidAt != nil, "reasons": reasons, "has_reasons": !reasons.isEmpty, "has_proofs": !proofs.isEmpty,
                "proofs": proofs.map {
                    ["name": $0.name, "size": ByteCountFormatter.string(fromByteCount: Int64($0.size), countStyle: .file), "href": "/portal/mdf/proofs/\($0.sha256)"]
                },
            ]
        }
        let chosenCurrency = form.fields["currency"] ?? balances.last { ClaimState.isOpen(today: today, deadline: $0.deadline) }?.currency
        let model: [String: Any] = [
            "partner": ["id": partner, "name": name],
            "csrf": portal.formToken.token(session: session),
            "notice": notice.map { ["id": $0] as Any } ?? false,
            "allocations": allocations, "no_allocation": allocations.isEmpty,
            "claims": claimRows, "no_claims": claimRows.isEmpty,
            "form": [
                "campaigns": portal.project.campaigns.map { ["id": $0.id, "title": titles[$0.id] ?? $0.id, "selected": form.fields["campaign"] == $0.id] },
                "activities": ClaimRequest.Activity.allCases.map { ["id": $0.rawValue, "label": label(PortalTemplates.activityKey($0.rawValue), $0.rawValue), "selected": form.fields["activity"] == $0.rawValue] },
                "currencies": Set(balances.map(\.currency)).sorted().map { ["code": $0, "selected": $0 == chosenCurrency] },
                "results": ClaimRequest.resultNames.map { ["name": $0, "label": label(PortalTemplates.resultKey($0), $0), "value": form.value("results.\($0)")] },
                "activity_start": form.value("activity_start"), "activity_end": form.value("activity_end"), "amount": form.value("amount"),
                "invoice": form.value("invoice"),
                // A fresh key per rendered form: submitting the same form twice stores one claim.
                "idempotency_key": form.fields["idempotency_key"] ?? portal.random.token(bytes: 16),
                "errors": form.errors, "error": !form.errors.isEmpty,
            ],
        ]
        return try portal.page(PortalTemplates.mdf, locale: locale, model: model)
    }
}
