import ArgumentParser
import CobrandCore
import CobrandStore
import Foundation

extension Cobrand {
    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The CRM outbox: every lead and deal decision, waiting for or delivered to crm.webhook_url.",
            discussion: """
            Example:
              cobrand outbox deliver        # from cron, when cobrand serve is not running
              cobrand outbox status
              cobrand outbox retry --all
            """,
            subcommands: [Deliver.self, Status.self, Retry.self, Secret.self]
        )
    }
}

extension Cobrand.Outbox {
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what is due now, oldest first; stops at the first failure (it is retried after its backoff).")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let (project, _) = try options.project.load()
            let database = try await options.project.openDatabase(options.db)
            try await database.expireDeals(now: Date())
            guard let deliverer = try await ProjectOptions.deliverer(for: project, database: database) else {
                throw UserError("cobrand.yaml has no crm.webhook_url; set it, or export with cobrand leads list / cobrand deals list")
            }
            let round = try await deliverer.deliverDue()
            guard !round.elsewhere else {
                print("another cobrand process is delivering the outbox now (a serve node on this database); nothing to do here")
                return
            }
            let counts = try await database.outboxCounts()
            print("delivered \(round.delivered), failed \(round.failed), parked as dead \(round.dead); "
                  + "pending \(counts[.pending] ?? 0), dead \(counts[.dead] ?? 0)")
            if round.failed > 0 || round.dead > 0 { throw ExitCode(1) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts per status, and every dead row with its last error.")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let database = try await options.project.openDatabase(options.db)
            let counts = try await database.outboxCounts()
            print("pending \(counts[.pending] ?? 0), delivered \(counts[.delivered] ?? 0), dead \(counts[.dead] ?? 0)")
            for row in try await database.outbox(status: .pending) where row.attempts > 0 {
                print("retrying \(row.id) \(row.type) after \(row.attempts) attempt(s), next \(Timestamp.iso8601(row.nextAttemptAt)): \(row.lastError ?? "")")
            }
            for row in try await database.outbox(status: .dead) {
                print("dead \(row.id) \(row.type) after \(row.attempts) attempt(s): \(row.lastError ?? "")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead rows back in the queue with fresh attempts.")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: "Outbox row ids (see cobrand outbox status).") var ids: [Int64] = []
        @Flag(help: "Every dead row.") var all = false

        func validate() throws {
            guard all != !ids.isEmpty else { throw ValidationError("name row ids or --all, not both or neither") }
        }

        func run() async throws {
            let count = try await options.project.openDatabase(options.db).retryDead(ids: all ? nil : ids, now: Date())
            print("\(count) row(s) queued again")
        }
    }

    struct Secret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the webhook signing secret (COBRAND_WEBHOOK_SECRET, else the database's), for the CRM side.")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            print(String(decoding: try await ProjectOptions.webhookSecret(database: options.project.openDatabase(options.db)), as: UTF8.self))
        }
    }
}
