import ArgumentParser
import CobrandCore
import CobrandStore
import CobrandFiles
import CobrandUseCases
import Foundation

extension Cobrand {
    struct MDF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mdf",
            abstract: "Market development funds: allocations, balances and the audit log.",
            discussion: """
            Periods are quarters (2026-Q4), halves (2026-H1), months (2026-11), years (2026) or days (2026-10-01..2026-12-31).

            Example:
              cobrand mdf import --period 2026-Q4 allocations.csv
              cobrand mdf balances --period 2026-Q4
              cobrand mdf audit verify
            """,
            subcommands: [Allocate.self, Import.self, Extend.self, Balances.self, Claim.self, Claims.self, Reconcile.self, Override.self, Pay.self, Report.self, Audit.self]
        )
    }
}

extension Cobrand.MDF {
    static func period(_ text: String) throws -> Period {
        guard let period = Period(text) else {
            throw ValidationError("--period '\(text)' is not a period; write 2026-Q4, 2026-H1, 2026-11, 2026 or 2026-10-01..2026-12-31")
        }
        return period
    }

    /// Who did it, for the audit log: `$COBRAND_ACTOR`, else the login name.
    static var actor: String {
        let environment = ProcessInfo.processInfo.environment
        return "cli:" + (environment["COBRAND_ACTOR"] ?? environment["USER"] ?? "unknown")
    }

    struct Allocate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set one partner's allocation for a period (a new amount replaces the old).")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Partner id.", valueName: "id")) var partner: String
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Option(help: ArgumentHelp("Amount in major units, such as 5000 or 5000.50.", valueName: "amount")) var amount: String
        @Option(help: ArgumentHelp("ISO 4217 currency.", valueName: "code")) var currency: String
        @Option(help: ArgumentHelp("Claim deadline, YYYY-MM-DD (default: period end + mdf.claim_deadline_days).", valueName: "day"))
        var deadline: String?

        func validate() throws {
            _ = try Cobrand.MDF.period(period)
            guard Money(major: amount, currency: currency) != nil else {
                throw ValidationError("--amount '\(amount)' --currency '\(currency)' is not an amount such as 5000.50 with a code such as EUR")
            }
            if let deadline, Period.day(deadline) == nil { throw ValidationError("--deadline '\(deadline)' is not a day; write YYYY-MM-DD") }
        }

        func run() async throws {
            let (project, _) = try options.project.load()
            guard project.partners.contains(where: { $0.id == partner }) else {
                throw UserError("no partner '\(partner)' in \(project.rosterPath) (or its row has errors; run cobrand validate)")
            }
            let period = try Cobrand.MDF.period(period)
            let database = try await options.project.openDatabase(options.db)
            do {
                try await database.allocate([.init(partner: partner, amount: Money(major: amount, currency: currency)!, deadline: deadline)],
                                      period: period, deadlineDays: project.config.mdf.claimDeadlineDays, actor: Cobrand.MDF.actor, now: Date())
            } catch let error as AppDatabase.MDFError {
                throw UserError(error.description)
            }
            let allocation = try await database.allocations(period: period.id, partner: partner)[0]
            print("\(partner) \(period.id) (\(period.start) to \(period.end)): \(allocation.amount.majorText) \(allocation.currency), claims until \(allocation.deadline)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a whole period's allocations from a CSV (partner,amount,currency[,deadline]); all rows or none.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file")) var file: String

        func validate() throws { _ = try Cobrand.MDF.period(period) }

        func run() async throws {
            let (project, _) = try options.project.load()
            let period = try Cobrand.MDF.period(period)
            guard let data = FileManager.default.contents(atPath: file) else { throw UserError("cannot read \(file)") }
            let rows: [AllocationSheet.Row]
            do {
                rows = try AllocationSheet.parse(String(decoding: data, as: UTF8.self), file: file, partners: Set(project.partners.map(\.id)))
            } catch let problems as AllocationSheet.Problems {
                printError(problems.description)
                throw UserError("\(problems.messages.count) problem(s) in \(file); nothing was imported")
            }
            do {
                try await options.project.openDatabase(options.db).allocate(
                    rows.map { .init(partner: $0.partner, amount: $0.amount, deadline: $0.deadline) }, period: period,
                    deadlineDays: project.config.mdf.claimDeadlineDays, actor: Cobrand.MDF.actor, now: Date())
            } catch let error as AppDatabase.MDFError {
                throw UserError("\(error.description); nothing was imported")
            }
            print("Imported \(rows.count) allocation(s) for \(period.id).")
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move one partner's claim deadline for a period.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Partner id.", valueName: "id")) var partner: String
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Option(help: ArgumentHelp("New deadline, YYYY-MM-DD.", valueName: "day")) var deadline: String

        func validate() throws {
            _ = try Cobrand.MDF.period(period)
            guard Period.day(deadline) != nil else { throw ValidationError("--deadline '\(deadline)' is not a day; write YYYY-MM-DD") }
        }

        func run() async throws {
            do {
                try await options.project.openDatabase(options.db).extendDeadline(partner: partner, period: try Cobrand.MDF.period(period), to: deadline,
                                                                             actor: Cobrand.MDF.actor, now: Date())
            } catch let error as AppDatabase.MDFError {
                throw UserError(error.description)
            }
            print("\(partner) \(period): claims until \(deadline)")
        }
    }

    struct Balances: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allocated, claimed, approved, paid and remaining per partner for a period.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Option(help: "Output format: table, csv or json.") var format: Format = .table

        func validate() throws { _ = try Cobrand.MDF.period(period) }

        func run() async throws {
            let balances = try await options.project.openDatabase(options.db).balances(period: try Cobrand.MDF.period(period).id)
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(balances), as: UTF8.self))
            case .csv:
                print(([AppDatabase.balanceColumns] + balances.map(\.fields)).map(CSV.line).joined(), terminator: "")
            case .table:
                for balance in balances { print(balance.fields.joined(separator: "\t")) }
                print("\(balances.count) allocation(s)")
            }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a claim for a partner (as the channel team), with the same checks as POST /api/mdf/claims.",
            discussion: """
            Example:
              cobrand mdf claim --partner rheinwerk --campaign cloud-migration --activity email --start 2026-11-02 --end 2026-11-20 \\
                --amount 2400 --currency EUR --invoice RW-2026-114 --result emails_sent=5000 --proof invoice.pdf
            """
        )

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Partner id.", valueName: "id")) var partner: String
        @Option(help: ArgumentHelp("Campaign id.", valueName: "id")) var campaign: String
        @Option(help: "email, webinar, event, syndication, paid-social or other.") var activity: String
        @Option(help: ArgumentHelp("First day of the activity, YYYY-MM-DD.", valueName: "day")) var start: String
        @Option(help: ArgumentHelp("Last day of the activity, YYYY-MM-DD.", valueName: "day")) var end: String
        @Option(help: ArgumentHelp("Amount requested, such as 2400 or 2400.50.", valueName: "amount")) var amount: String
        @Option(help: ArgumentHelp("ISO 4217 currency.", valueName: "code")) var currency: String
        @Option(help: ArgumentHelp("Invoice reference.", valueName: "text")) var invoice: String
        @Option(name: .customLong("result"), help: ArgumentHelp("A claimed result, name=count (repeatable).", valueName: "name=n"))
        var results: [String] = []
        @Option(name: .customLong("proof"), help: ArgumentHelp("A proof file (repeatable).", valueName: "file")) var proofs: [String] = []

        func run() async throws {
            let (project, _) = try options.project.load()
            guard project.partners.contains(where: { $0.id == partner }) else {
                throw UserError("no partner '\(partner)' in \(project.rosterPath) (or its row has errors; run cobrand validate)")
            }
            var counts: [String: Int] = [:]
            for result in results {
                let parts = result.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let count = Int(parts[1]) else { throw UserError("--result '\(result)' is not name=count, such as attendees=120") }
                counts[parts[0]] = count
            }
            let database = try await options.project.openDatabase(options.db)
            do {
                let request = try ClaimRequest.validated(partner: partner, campaign: campaign, activity: activity, start: start, end: end,
                                                         amount: amount, currency: currency, invoice: invoice, results: counts,
                                                         campaigns: Set(project.campaigns.map(\.id)))
                let files = try proofs.map { path throws -> ClaimProof in
                    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read proof \(path)") }
                    return try ClaimProof(name: path, data: data)
                }
                let (claim, _) = try await SubmitClaim.run(request, proofs: files, store: BlobStore(folder: options.project.proofFolder(options.db)), database: database,
                                                    idempotencyKey: nil,
                                                     actor: Cobrand.MDF.actor, now: Date())
                print("claim \(claim.id): \(claim.amount.majorText) \(claim.currency) for \(claim.period), \(claim.status.rawValue)")
            } catch let error as FieldError {
                throw UserError("--\(error.field.replacingOccurrences(of: "activity_", with: "").replacingOccurrences(of: "_", with: "-")): \(error.message)")
            } catch let error as AppDatabase.ClaimError {
                throw UserError(error.description)
            }
        }
    }

    struct Claims: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List claims, optionally of one period and partner, as a table or JSON.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String?
        @Option(help: ArgumentHelp("Partner id.", valueName: "id")) var partner: String?
        @Flag(help: "JSON instead of a table.") var json = false

        func run() async throws {
            let database = try await options.project.openDatabase(options.db)
            let claims = try await database.claims(period: try period.map { try Cobrand.MDF.period($0).id }, partner: partner)
            if json {
                var objects: [[String: Any]] = []
                for claim in claims {
                    var object = AppDatabase.payload(claim, proofs: try await database.proofs(claim: claim.id))
                    object["partner"] = claim.partner
                    objects.append(object)
                }
                print(String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             as: UTF8.self))
            } else {
                for claim in claims {
                    print([String(claim.id), claim.partner, claim.period, claim.campaign, claim.activity.rawValue, "\(claim.activityStart)..\(claim.activityEnd)",
                           "\(claim.amount.majorText) \(claim.currency)", claim.status.rawValue].joined(separator: "\t"))
                }
                print("\(claims.count) claim(s)")
            }
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide every claim of a period against tracked activity: approved, partial, review or rejected, with reasons.",
            discussion: "Deterministic and re-runnable: the same data gives the same decisions; admin overrides are kept.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Flag(help: "JSON instead of text.") var json = false

        func validate() throws { _ = try Cobrand.MDF.period(period) }

        func run() async throws {
            let (project, _) = try options.project.load()
            let database = try await options.project.openDatabase(options.db)
            let period = try Cobrand.MDF.period(period)
            let decisions = try await database.reconcile(period: period.id, rules: project.config.mdf.reconciliation, actor: Cobrand.MDF.actor, now: Date())
            let claims = Dictionary(uniqueKeysWithValues: try await database.claims(period: period.id).map { ($0.id, $0) })
            if json {
                let objects = decisions.map { decision -> [String: Any] in
                    let claim = claims[decision.claim]
                    return ["claim": decision.claim, "partner": claim?.partner ?? "", "status": decision.status.rawValue,
                            "approved_amount": Money(amountMinor: decision.approvedMinor, currency: claim?.currency ?? "XXX").majorText,
                            "currency": claim?.currency ?? "", "reasons": decision.reasons]
                }
                print(String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             as: UTF8.self))
                return
            }
            for decision in decisions {
                let claim = claims[decision.claim]
                let approved = Money(amountMinor: decision.approvedMinor, currency: claim?.currency ?? "XXX").majorText
                print("claim \(decision.claim) \(claim?.partner ?? "") \(decision.status.rawValue) \(approved) of \(claim?.amount.majorText ?? "") \(claim?.currency ?? "")")
                for reason in decision.reasons { print("  - \(reason)") }
            }
            let counts = Dictionary(grouping: decisions, by: \.status).mapValues(\.count)
            print(Reconciler.Decision.Status.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        }
    }

    struct Override: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An admin's decision on a claim, with a note; reconciliation keeps it.")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Claim id.") var id: Int64
        @Option(help: ArgumentHelp(Reconciler.Decision.Status.allCases.map(\.rawValue).joined(separator: ", ") + ".", valueName: "status"))
        var status: String
        @Option(help: ArgumentHelp("Approved amount (partial; default for approved: the claim).", valueName: "amount")) var amount: String?
        @Option(help: "Why, for the audit log.") var note: String

        func run() async throws {
            guard let decision = Reconciler.Decision.Status(rawValue: status) else {
                throw UserError("--status '\(status)' is not one of \(Reconciler.Decision.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let database = try await options.project.openDatabase(options.db)
            do {
                let claim = try await database.claim(id)
                let minor = try amount.map { text -> Int64 in
                    guard let money = Money(major: text, currency: claim.currency) else { throw UserError("--amount '\(text)' is not an amount in \(claim.currency)") }
                    return money.amountMinor
                }
                let updated = try await database.override(claim: id, status: decision, approvedMinor: minor, note: note, actor: Cobrand.MDF.actor, now: Date())
                print("claim \(id): \(updated.status.rawValue), \(Money(amountMinor: updated.approvedMinor ?? 0, currency: updated.currency).majorText) \(updated.currency) approved")
            } catch let error as AppDatabase.ClaimError {
                throw UserError(error.description)
            }
        }
    }

    struct Pay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that an approved or partial claim was paid; its decision is final from then on.")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Claim id.") var id: Int64
        @Option(help: ArgumentHelp("Payment reference (transfer id, credit note).", valueName: "text")) var reference: String

        func run() async throws {
            do {
                let claim = try await options.project.openDatabase(options.db).markPaid(claim: id, reference: reference, actor: Cobrand.MDF.actor, now: Date())
                print("claim \(id): \(Money(amountMinor: claim.approvedMinor ?? 0, currency: claim.currency).majorText) \(claim.currency) paid (\(reference))")
            } catch let error as AppDatabase.ClaimError {
                throw UserError(error.description)
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per partner: allocated, claimed, approved, remaining, leads, cost per lead, pipeline, approved deals and ROI.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, html }

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Period.", valueName: "period")) var period: String
        @Option(help: "Output format: table, csv, json or html (with an SVG chart).") var format: Format = .table
        @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file")) var out: String?

        func validate() throws { _ = try Cobrand.MDF.period(period) }

        func run() async throws {
            let period = try Cobrand.MDF.period(period)
            let rows = try await options.project.openDatabase(options.db).mdfReport(period: period.id)
            let text: String
            switch format {
            case .table: text = rows.map { $0.fields.joined(separator: "\t") + "\n" }.joined() + "\(rows.count) partner(s)\n"
            case .csv: text = ([MDFReportRow.columns] + rows.map(\.fields)).map(CSV.line).joined()
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                text = String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
            case .html:
                // The admin console's report template, without the console's header: a file to send around.
                let (project, _) = try options.project.load()
                var model = MDFReportPage.model(rows, period: period.id)
                model["standalone"] = true
                guard let html = project.library.render(model, withTemplate: Project.templateName(AdminTemplates.report)) else {
                    throw UserError("Templates/\(AdminTemplates.report).mustache is missing; copy it from a new `cobrand init` project")
                }
                text = html
            }
            try emit(text, to: out, summary: "the \(period.id) report")
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The hash-chained MDF audit log.", subcommands: [Verify.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute the chain; exit 1 and name the first row that was edited, removed or reordered.")

            @OptionGroup var options: DatabaseOptions

            func run() async throws {
                let database = try await options.project.openDatabase(options.db)
                if let broken = try await database.verifyAudit() {
                    throw UserError("audit row \(broken.id) fails: \(broken.reason)")
                }
                print("audit log intact: \(try await database.auditCount()) row(s)")
            }
        }
    }
}
