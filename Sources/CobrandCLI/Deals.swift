import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct Deals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deal registrations: register, list, show, and the channel team's decisions.",
            discussion: """
            Example:
              cobrand deals register --partner rheinwerk --domain emea.acme.com --name "Acme" --value 18000 --currency EUR \\
                --product "Helioscale Stream" --close 2027-03-31
              cobrand deals approve 12 --note "checked with the account manager"
            """,
            subcommands: [Register.self, List.self, Show.self, Approve.self, Reject.self, Extend.self, Expire.self]
        )
    }
}

/// The project (for its rules and roster) and the database: what the deals, outbox and mdf commands share.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var project: ProjectOptions

    @Option(help: ArgumentHelp("Database: a SQLite file or a postgres:// URL (default: COBRAND_DATABASE_URL, else <project>/cobrand.sqlite).", valueName: "file|url"))
    var db: String?

    func openDatabase() async throws -> any Store { try await project.openDatabase(db) }

    func open() async throws -> (any Store, DealRules) {
        let (project, _) = try project.load()
        return (try await self.project.openDatabase(db), project.config.deals.rules)
    }
}

extension Cobrand.Deals {
    static func describe(_ deal: AppDatabase.Deal) -> String {
        var lines = [
            "deal \(deal.id): \(deal.status.rawValue) (\(deal.rule.rawValue))",
            "  partner \(deal.partner), account \(deal.accountName) <\(deal.domain)>",
            "  \(deal.value.majorText) \(deal.value.currency), \(deal.products.joined(separator: ", ")), closes \(deal.expectedClose)",
            "  \(deal.rule.explanation)",
        ]
        if let expires = deal.expiresAt { lines.append("  protected until \(Timestamp.iso8601(expires))") }
        if let note = deal.note { lines.append("  note: \(note)") }
        if let outcome = deal.outcome { lines.append("  CRM: \(outcome.summary)") }
        return lines.joined(separator: "\n")
    }

    static func userError(_ error: any Error) -> any Error {
        switch error {
        case let error as AppDatabase.DealError: UserError(error.description)
        case let error as FieldError: UserError("--\(error.field.replacingOccurrences(of: "_", with: "-")): \(error.message)")
        default: error
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a deal for a partner, decided by the same rules as POST /api/deals.")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Partner id.", valueName: "id")) var partner: String
        @Option(help: ArgumentHelp("Account domain (a subdomain counts as its registrable domain).", valueName: "domain")) var domain: String?
        @Option(help: ArgumentHelp("A lead of the partner whose company domain is the account.", valueName: "id")) var lead: Int64?
        @Option(help: ArgumentHelp("Account name.", valueName: "text")) var name: String
        @Option(help: ArgumentHelp("Estimated value in major units, such as 18000 or 18000.50.", valueName: "amount")) var value: String
        @Option(help: ArgumentHelp("ISO 4217 currency.", valueName: "code")) var currency: String
        @Option(name: .customLong("product"), help: ArgumentHelp("Product (repeatable).", valueName: "name")) var products: [String] = []
        @Option(help: ArgumentHelp("Expected close date, YYYY-MM-DD.", valueName: "day")) var close: String

        func run() async throws {
            let (database, rules) = try await options.open()
            do {
                var account = domain
                if account == nil, let lead { account = try await database.leadDomain(lead, partner: partner) }
                let request = try DealRequest.validated(partner: partner, domain: account, accountName: name, value: value, currency: currency,
                                                        products: products, expectedClose: close, leadID: lead)
                let registration = try await database.register(request, rules: rules, idempotencyKey: nil, now: Date())
                print(Cobrand.Deals.describe(registration.deal))
            } catch {
                throw Cobrand.Deals.userError(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deals, newest first, as a table, CSV or JSON (for CRMs without a webhook).")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("Only this partner.", valueName: "id")) var partner: String?
        @Option(help: ArgumentHelp("Only this status: \(DealStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "status"))
        var status: String?
        @Option(help: "Output format: table, csv or json.") var format: Format = .table
        @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file")) var out: String?

        func run() async throws {
            let filter = try status.map { text -> DealStatus in
                guard let status = DealStatus(rawValue: text) else {
                    throw UserError("--status '\(text)' is not one of \(DealStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let deals = try await options.openDatabase().deals(partner: partner, status: filter)
            let text: String
            switch format {
            case .json:
                let objects = deals.map { deal -> [String: Any] in
                    var object = deal.payload
                    object["partner"] = deal.partner
                    return object
                }
                text = String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                              as: UTF8.self) + "\n"
            case .csv:
                let header = ["id", "partner", "account_domain", "account_name", "value", "currency", "products", "expected_close", "lead_id",
                              "status", "rule", "note", "created_at", "decided_at", "expires_at", "crm_id", "crm_stage", "won_amount", "won_currency", "close_date"]
                let rows = deals.map { deal in
                    [String(deal.id), deal.partner, deal.domain, deal.accountName, deal.value.majorText, deal.value.currency,
                     deal.products.joined(separator: ";"), deal.expectedClose, deal.leadID.map(String.init) ?? "", deal.status.rawValue, deal.rule.rawValue,
                     deal.note ?? "", Timestamp.iso8601(deal.createdAt), Timestamp.iso8601(deal.decidedAt), deal.expiresAt.map(Timestamp.iso8601) ?? "",
                     deal.outcome?.crmID ?? "", deal.outcome?.stage.rawValue ?? "", deal.outcome?.amount?.majorText ?? "", deal.outcome?.amount?.currency ?? "",
                     deal.outcome?.closeDate ?? ""]
                }
                text = ([header] + rows).map(CSV.line).joined()
            case .table:
                text = deals.map { deal in
                    [String(deal.id), deal.partner, deal.domain, "\(deal.value.majorText) \(deal.value.currency)", deal.status.rawValue, deal.rule.rawValue,
                     deal.expiresAt.map(Timestamp.iso8601) ?? "-"].joined(separator: "\t") + "\n"
                }.joined() + "\(deals.count) deal(s)\n"
            }
            try emit(text, to: out, summary: "\(deals.count) deal(s)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One deal and every decision on it, with the rule that made it.")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Deal id.") var id: Int64

        func run() async throws {
            let database = try await options.open().0
            do {
                print(Cobrand.Deals.describe(try await database.deal(id)))
                for decision in try await database.decisions(deal: id) {
                    print("  \(Timestamp.iso8601(decision.at)) \(decision.status) by \(decision.actor): \(decision.rule)"
                          + (decision.note.map { " (\($0))" } ?? ""))
                }
            } catch {
                throw Cobrand.Deals.userError(error)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending deal; it is protected for deals.expiry_days from now.")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Deal id.") var id: Int64
        @Option(help: "Why, for the record.") var note: String?
        func run() async throws { try await Cobrand.Deals.apply(.approve, id: id, note: note, options: options) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending or approved deal; the account is free again.")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Deal id.") var id: Int64
        @Option(help: "Why, for the record.") var note: String?
        func run() async throws { try await Cobrand.Deals.apply(.reject, id: id, note: note, options: options) }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend an approved deal's protection by N days (from its expiry, or from now if later).")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Deal id.") var id: Int64
        @Option(help: "Days to add.") var days: Int = 30
        @Option(help: "Why, for the record.") var note: String?
        func validate() throws { guard (1...3650).contains(days) else { throw ValidationError("--days must be 1 to 3650") } }
        func run() async throws { try await Cobrand.Deals.apply(.extend(days: days), id: id, note: note, options: options) }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark approved deals whose protection ended as expired (run daily from cron; serve does it too).")
        @OptionGroup var options: DatabaseOptions
        func run() async throws {
            let expired = try await options.open().0.expireDeals(now: Date())
            for deal in expired { print("deal \(deal.id) (\(deal.partner), \(deal.domain)) expired") }
            print("\(expired.count) deal(s) expired")
        }
    }

    static func apply(_ action: AppDatabase.Action, id: Int64, note: String?, options: DatabaseOptions) async throws {
        let (database, rules) = try await options.open()
        do {
            print(describe(try await database.decide(id, action, note: note, rules: rules, now: Date())))
        } catch {
            throw userError(error)
        }
    }
}
