import ArgumentParser
import CobrandCore
import CobrandFiles
import CobrandStore
import Foundation

extension Cobrand {
    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Move the database to PostgreSQL, or back up a SQLite database while it is in use.",
            discussion: """
            Example:
              cobrand db migrate-to postgres://cobrand@db.internal/cobrand
              cobrand db backup backups/cobrand-2026-12-06.sqlite
            """,
            subcommands: [MigrateTo.self, Backup.self]
        )
    }
}

extension Cobrand.DB {
    struct MigrateTo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate-to",
            abstract: "Copy the SQLite database (--db) into a new PostgreSQL database, then check every table's rows and the MDF audit chain.")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: ArgumentHelp("The PostgreSQL database to fill: postgres://user[:password]@host[:port]/database[?search_path=…].", valueName: "url"))
        var url: String

        func run() async throws {
            let source = options.project.databasePath(options.db)
            guard !PostgresURL.isPostgres(source) else { throw UserError("--db \(PostgresURL.redacted(source)) is already PostgreSQL; give the SQLite file with --db") }
            guard PostgresURL.isPostgres(url) else { throw UserError("\(PostgresURL.redacted(url)) is not a postgres:// URL; write postgres://user@host/database") }
            guard FileManager.default.fileExists(atPath: source) else { throw UserError("\(source) does not exist; give the SQLite file with --db") }
            // A server still writing to the SQLite file would add rows the copy misses.
            let claim: EventSpool.Claim
            do { claim = try EventSpool.claim(URL(fileURLWithPath: source + ".events-spool", isDirectory: true)) } catch {
                throw UserError("a cobrand serve is running on \(source); stop it first, then run migrate-to")
            }
            defer { withExtendedLifetime(claim) {} }
            guard let sqlite = try await options.project.openDatabase(options.db) as? AppDatabase,
                  let postgres = try await options.project.openDatabase(url) as? PostgresStore
            else { throw UserError("--db must be a SQLite file and the URL a PostgreSQL database") }
            // Logos and proofs kept beside the SQLite file go to the project folder, where every node finds them
            // (first: copying again changes nothing, so a failed copy of the rows can simply be run again).
            var blobs = 0
            for folder in ["partner-logos", "mdf-proofs"] {
                blobs += try BlobStore(folder: options.project.dataFolder(options.db).appendingPathComponent(folder))
                    .copy(to: BlobStore(folder: options.project.dataFolder(url).appendingPathComponent(folder)))
            }
            let counts: [String: Int]
            do {
                counts = try await postgres.copy(from: sqlite) { table, rows in print("\(table): \(rows) row(s)") }
            } catch let error as PostgresStore.CopyError {
                throw UserError(error.description)
            }
            print("copied \(counts.values.reduce(0, +)) row(s) in \(counts.count) tables to \(postgres.location); row counts match, "
                  + "the MDF audit chain (\(counts["mdfAudit"] ?? 0) entries) verifies" + (blobs > 0 ? "; \(blobs) logo and proof file(s) copied" : ""))
            print("next: serve with --db '\(postgres.location)' (or COBRAND_DATABASE_URL) on every node, and move \(source) aside "
                  + "(mv \(source) \(source).migrated) so that no command without --db writes to it")
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite database (--db) to FILE while servers keep using it (SQLite's online backup).")

        @OptionGroup var options: DatabaseOptions
        @Argument(help: ArgumentHelp("Where the copy goes; an existing file is replaced only when the copy is complete.", valueName: "file"))
        var file: String

        func run() async throws {
            let source = options.project.databasePath(options.db)
            guard !PostgresURL.isPostgres(source) else { throw UserError("--db is PostgreSQL: back it up with \(PostgresURL.pgDump(source))") }
            guard FileManager.default.fileExists(atPath: source) else { throw UserError("\(source) does not exist; give the SQLite file with --db") }
            let database = try AppDatabase.open(path: source)
            do {
                let entries = try AtomicFile.replace(URL(fileURLWithPath: file)) { temporary in try database.backup(to: temporary.path) }
                print("backed up \(source) to \(file); its MDF audit chain (\(entries) entries) verifies")
            } catch let error as AppDatabase.StoreError {
                throw UserError(error.description)
            } catch let error as CocoaError {
                throw UserError(error.localizedDescription)
            }
        }
    }
}
