import CobrandCore
@testable import CobrandStore
import Foundation
import GRDB
import Testing

/// Databases written by earlier versions upgrade in place: every row they hold is still there, column for
/// column, and reads back through the store.
@Suite("Schema upgrades")
struct MigrationTests {
    static let versions = ["v3-session-roles", "v4-leads", "v5-deals", "v6-mdf-allocations", "v7-mdf-claims", "v8-mdf-payments",
                           "v9-partner-overrides"]
    static let day = "2026-11-02 10:00:00.000"

    @Test("a database at each shipped version upgrades to the current schema with its rows intact", arguments: versions)
    func upgrade(from version: String) throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: version)
        let tables = try queue.write { db in try Self.seed(db) }
        let before = try queue.read { db in try Self.rows(of: tables, db) }
        #expect(before.values.allSatisfy { !$0.isEmpty })

        let database = try AppDatabase(queue)
        let after = try queue.read { db in try Self.rows(of: tables, db) }
        for table in tables {
            let columns = Set(before[table]?.first.map { Array($0.keys) } ?? [])
            let dropped = { (rows: [[String: DatabaseValue]]?) in rows?.map { $0["leadId"] == 999.databaseValue ? $0.merging(["leadId": .null]) { $1 } : $0 } }
            let kept = after[table]?.map { $0.filter { columns.contains($0.key) } }.sorted { Self.key($0) < Self.key($1) }
            #expect(kept == dropped(before[table])?.sorted { Self.key($0) < Self.key($1) }, "table \(table)")
        }
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(try database.session("admin-session", now: now) == AppDatabase.Grant(role: .admin, partner: nil))
        #expect(try database.kits(partner: "alpha").map(\.dir) == ["launch/alpha/en-US"])
        if tables.contains("deal") {
            let deal = try database.deal(1)
            #expect(deal.products == ["Cloud", "Backup"] && deal.status == .approved && deal.rule == .autoApproved && deal.leadID == 1)
            #expect(try database.decisions(deal: 1).map(\.rule) == ["auto-approved"])
            #expect(try database.deal(2).leadID == nil, "a lead id that names no lead of the partner is dropped, the deal kept")
        }
        if tables.contains("mdfClaim") {
            let claim = try database.claim(1)
            #expect(claim.activity == .email && claim.results == ["emails_sent": 100] && claim.reasons == ["ok"])
            #expect(try database.proofs(claim: 1).map(\.name) == ["invoice.pdf"])
            #expect(try database.verifyAudit() == nil)
        }
        if tables.contains("partnerOverride") {
            #expect(try database.overrides()["alpha"]?.profile == ["phone": "+49 30 1234"])
        }
        #expect(try database.leads().count == (tables.contains("lead") ? 1 : 0))
    }

    /// Fills every table the schema at hand has with rows an earlier version would have written; returns them.
    static func seed(_ db: Database) throws -> [String] {
        var tables = ["setting", "partner", "kit", "event", "accessToken", "session"]
        try db.execute(sql: """
            INSERT INTO setting VALUES ('tracking.secret', x'0102');
            INSERT INTO partner VALUES ('alpha', 'Alpha GmbH', 'en-US;de-DE');
            INSERT INTO kit VALUES ('launch/alpha/en-US', 'launch', 'alpha', 'en-US', 'launch-alpha-en-US.zip', '\(String(repeating: "a", count: 64))',
              12, 3456, '\(day)');
            INSERT INTO event (kind, partner, campaign, asset, locale, target, occurredAt, ipHash, agentClass)
              VALUES ('open', 'alpha', 'launch', 'email-1', 'en-US', NULL, '\(day)', 'h1', 'desktop');
            INSERT INTO accessToken (role, partner, tokenHash, createdAt) VALUES ('partner', 'alpha', 'hash', '\(day)');
            INSERT INTO session (idHash, partner, expiresAt, role) VALUES ('\(Checksum.sha256(Data("admin-session".utf8)))', '', '2030-01-01 00:00:00.000', 'admin');
            """)
        if try db.tableExists("lead") {
            tables += ["lead", "leadSubmission", "outbox"]
            try db.execute(sql: """
                INSERT INTO lead (partner, email, companyDomain, consent, campaign, source, locale, createdAt, updatedAt)
                  VALUES ('alpha', 'ana@acme.com', 'acme.com', 1, 'launch', 'landing', 'en-US', '\(day)', '\(day)');
                INSERT INTO leadSubmission (leadId, partner, campaign, asset, locale, source, ipHash, submittedAt)
                  VALUES (1, 'alpha', 'launch', 'landing', 'en-US', 'landing', 'h2', '\(day)');
                INSERT INTO outbox (eventKey, type, payload, status, attempts, nextAttemptAt, createdAt)
                  VALUES ('k1', 'lead.created', '{"id":"k1"}', 'delivered', 1, '\(day)', '\(day)');
                """)
        }
        if try db.tableExists("deal") {
            tables += ["deal", "dealDecision"]
            try db.execute(sql: """
                INSERT INTO deal (partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, createdAt,
                  decidedAt, expiresAt) VALUES ('alpha', 'acme.com', 'Acme', 4000000, 'EUR', '["Cloud","Backup"]', '2027-03-01', 1, 'approved',
                  'auto-approved', '\(day)', '\(day)', '2027-02-01 10:00:00.000');
                INSERT INTO deal (partner, domain, accountName, valueMinor, currency, products, expectedClose, leadId, status, rule, createdAt,
                  decidedAt) VALUES ('alpha', 'other.com', 'Other', 100, 'EUR', '[]', '2027-03-01', 999, 'pending', 'review-no-tracked-lead',
                  '\(day)', '\(day)');
                INSERT INTO dealDecision (dealId, status, rule, actor, decidedAt) VALUES (1, 'approved', 'auto-approved', 'rules', '\(day)');
                """)
        }
        if try db.tableExists("mdfAllocation") {
            tables += ["mdfAllocation", "mdfAudit"]
            let entry = AuditChain.Entry(id: 1, at: "2026-10-01T09:00:00Z", actor: "cli", action: "allocate", subject: "allocation:alpha/2026-Q4",
                                         detail: #"{"amount":"1000.00"}"#)
            try db.execute(sql: """
                INSERT INTO mdfAllocation VALUES ('alpha', '2026-Q4', '2026-10-01', '2026-12-31', 100000, 'EUR', '2027-01-30', '\(day)', '\(day)');
                INSERT INTO mdfAudit VALUES (1, ?, ?, ?, ?, ?, ?, ?);
                """, arguments: [entry.at, entry.actor, entry.action, entry.subject, entry.detail, AuditChain.genesis,
                                 AuditChain.hash(entry, previous: AuditChain.genesis)])
        }
        if try db.tableExists("mdfClaim") {
            tables += ["mdfClaim", "mdfProof"]
            try db.execute(sql: """
                INSERT INTO mdfClaim (partner, period, campaign, activity, activityStart, activityEnd, amountMinor, currency, invoice, results,
                  status, approvedMinor, reasons, createdAt, decidedAt) VALUES ('alpha', '2026-Q4', 'launch', 'email', '2026-11-02', '2026-11-20',
                  50000, 'EUR', 'INV-1', '{"emails_sent":100}', 'approved', 50000, '["ok"]', '\(day)', '\(day)');
                INSERT INTO mdfProof VALUES (1, 'invoice.pdf', '\(String(repeating: "b", count: 64))', 2048);
                """)
        }
        if try db.tableExists("mdfClaim"), try db.columns(in: "mdfClaim").contains(where: { $0.name == "paidAt" }) {
            try db.execute(sql: "UPDATE mdfClaim SET paidAt = '\(day)', paymentReference = 'SEPA-1'")
        }
        if try db.tableExists("partnerChange") {
            tables += ["partnerChange", "partnerOverride"]
            try db.execute(sql: """
                INSERT INTO partnerChange (partner, campaign, locale, field, oldValue, newValue, status, actor, createdAt)
                  VALUES ('alpha', '', '', 'phone', NULL, '+49 30 1234', 'applied', 'partner:alpha', '\(day)');
                INSERT INTO partnerOverride VALUES ('alpha', '', '', 'phone', '+49 30 1234', 1, '\(day)');
                """)
        }
        return tables
    }

    /// Each table's rows as column → value, in a stable order.
    static func rows(of tables: [String], _ db: Database) throws -> [String: [[String: DatabaseValue]]] {
        try Dictionary(uniqueKeysWithValues: tables.map { table in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { row in
                Dictionary(uniqueKeysWithValues: row.map { ($0.0, $0.1) })
            }
            return (table, rows.sorted { key($0) < key($1) })
        })
    }

    /// A row as text with its columns in name order, to sort rows by.
    static func key(_ row: [String: DatabaseValue]) -> String {
        row.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
    }
}
