import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

extension Cobrand {
    struct Partners: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Partner access to the portal, and the changes partners make there.",
            discussion: """
            Examples:
              cobrand partners token rheinwerk
              cobrand partners changes --pending
              cobrand partners approve rheinwerk
              cobrand partners overrides --export roster-updates.csv
            """,
            subcommands: [PartnerToken.self, Overrides.self, Changes.self, Approve.self, Reject.self]
        )
    }

    struct PartnerToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Issue a portal access token for a partner (shown once; only its hash is stored), or revoke theirs.",
            discussion: """
            Example:
              cobrand partners token rheinwerk
              cobrand partners token rheinwerk --revoke
            """
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: ArgumentHelp("Partner id from the roster.", valueName: "id"))
        var partner: String

        @Flag(help: "Revoke every token of the partner instead.")
        var revoke = false


        func run() async throws {
            let (project, _) = try options.project.load()
            guard project.partners.contains(where: { $0.id == partner }) else {
                throw UserError("no partner '\(partner)' in \(project.rosterPath) (or its row has errors; run cobrand validate)")
            }
            let database = try await options.openDatabase()
            if revoke {
                let count = try await database.revokeTokens(role: .partner, partner: partner, now: Date())
                print("Revoked \(count) token(s) of \(partner).")
            } else {
                var random = SystemRandomNumberGenerator()
                print(try await database.issueToken(role: .partner, partner: partner, now: Date(), using: &random))
            }
        }
    }

    struct Admin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Administrator access to the admin API and pages.",
            discussion: """
            Example:
              cobrand admin token
            """,
            subcommands: [AdminToken.self]
        )
    }

    struct AdminToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Issue an admin token (shown once; only its hash is stored), or revoke all admin tokens.",
            discussion: """
            Example:
              cobrand admin token --db /var/lib/cobrand/cobrand.sqlite
            """
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(help: "Revoke every admin token instead.")
        var revoke = false


        func run() async throws {
            let database = try await options.openDatabase()
            if revoke {
                print("Revoked \(try await database.revokeTokens(role: .admin, partner: nil, now: Date())) admin token(s).")
            } else {
                var random = SystemRandomNumberGenerator()
                print(try await database.issueToken(role: .admin, partner: nil, now: Date(), using: &random))
            }
        }
    }
}
