import CobrandCore
import Foundation

/// PostgreSQL's migrations. The first is the whole schema as SQLite has it after `v13-constraints` (the
/// same tables, columns and constraints; identifiers fold to lower case, so queries may write them as the
/// SQLite schema does). Never edit a shipped one: add the next.
enum PostgresSchema {
    struct Migration: Sendable {
        let id: String
        /// One statement each: the extended query protocol takes one at a time.
        let statements: [String]
    }

    /// The advisory lock migrations hold (any constant both nodes agree on).
    static let migrationLock: Int64 = 0x636F_6272_616E_6401

    static var migrations: [Migration] { [v1, v2, v3, v4, v5, v6] }

    /// The outbox's lease: which node delivers, until when (SQLite has one process, so no such table).
    static var v2: Migration {
        Migration(id: "v2-outbox-lease", statements: ["CREATE TABLE outboxLease (name TEXT PRIMARY KEY, node TEXT NOT NULL, until TIMESTAMPTZ NOT NULL)"])
    }

    /// Rate-limit buckets shared by the nodes (`RateLimiter.Bucket`).
    static var v3: Migration {
        Migration(id: "v3-rate-buckets", statements: [
            "CREATE TABLE rateBucket (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at TIMESTAMPTZ NOT NULL)",
            "CREATE INDEX rateBucket_at ON rateBucket (at)",
        ])
    }

    /// The outbox is delivered under a session lock (a dead node's lock goes with its connection), not a lease.
    static var v5: Migration { Migration(id: "v5-drop-outbox-lease", statements: ["DROP TABLE outboxLease"]) }

    /// SQLite's `v14-fleet-builds`: the shards of a fleet build that have reported.
    static var v4: Migration {
        Migration(id: "v4-fleet-builds", statements: [
            """
            CREATE TABLE fleetShard (build TEXT NOT NULL, shard INTEGER NOT NULL CHECK (shard >= 1), shards INTEGER NOT NULL CHECK (shard <= shards),
              kits INTEGER NOT NULL, reportedAt TIMESTAMPTZ NOT NULL, PRIMARY KEY (build, shard))
            """,
        ])
    }

    /// SQLite's `v15-crm-outcomes`: the CRM's word on deals and leads, and the events already applied.
    static var v6: Migration {
        let deals = CRMSchema.list(DealStatus.allCases.map(\.rawValue)), rules = CRMSchema.list(DealRules.Rule.allCases.map(\.rawValue))
        return Migration(id: "v6-crm-outcomes", statements: [
            """
            ALTER TABLE deal DROP CONSTRAINT deal_status_check, DROP CONSTRAINT deal_rule_check,
              ADD CONSTRAINT deal_status_check CHECK (status IN (\(deals))), ADD CONSTRAINT deal_rule_check CHECK (rule IN (\(rules))),
              \(CRMSchema.dealColumns)
            """,
            """
            ALTER TABLE dealDecision DROP CONSTRAINT dealdecision_status_check, DROP CONSTRAINT dealdecision_rule_check,
              ADD CONSTRAINT dealdecision_status_check CHECK (status IN (\(deals))), ADD CONSTRAINT dealdecision_rule_check CHECK (rule IN (\(rules)))
            """,
            CRMSchema.dealCRMIndex,
            "ALTER TABLE lead \(CRMSchema.leadColumns)",
            CRMSchema.leadCRMIndex,
            CRMSchema.eventTable(time: "TIMESTAMPTZ"),
        ])
    }

    static var v1: Migration {
        func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }
        let deals = list(DealStatus.allCases.map(\.rawValue)), rules = list(DealRules.Rule.allCases.map(\.rawValue))
        let claims = list(ClaimStatus.allCases.map(\.rawValue)), payable = list(ClaimStatus.approvedAmounts.map(\.rawValue))
        let activities = list(ClaimRequest.Activity.allCases.map(\.rawValue)), kinds = list(AssetEvent.Kind.allCases.map(\.rawValue))
        let outbox = list(AppDatabase.OutboxRow.Status.allCases.map(\.rawValue)), roles = list(AppDatabase.Role.allCases.map(\.rawValue))
        let changes = list(ChangeStatus.allCases.map(\.rawValue)), sources = list(Suppression.Source.allCases.map(\.rawValue))
        return Migration(id: "v1-schema", statements: [
            "CREATE TABLE setting (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
            "CREATE TABLE partner (id TEXT PRIMARY KEY, name TEXT NOT NULL, locales TEXT NOT NULL)",
            """
            CREATE TABLE kit (dir TEXT PRIMARY KEY, campaign TEXT NOT NULL, partner TEXT NOT NULL, locale TEXT NOT NULL, bundle TEXT NOT NULL,
              sha256 TEXT NOT NULL, files INTEGER NOT NULL, bytes BIGINT NOT NULL, builtAt TIMESTAMPTZ NOT NULL)
            """,
            "CREATE INDEX kit_partner ON kit (partner)",
            """
            CREATE TABLE event (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN (\(kinds))), partner TEXT NOT NULL, campaign TEXT NOT NULL,
              asset TEXT NOT NULL, locale TEXT NOT NULL, target TEXT, occurredAt TIMESTAMPTZ NOT NULL, ipHash TEXT NOT NULL, agentClass TEXT NOT NULL)
            """,
            "CREATE INDEX event_partner_time ON event (partner, occurredAt)",
            """
            CREATE TABLE accessToken (id BIGSERIAL PRIMARY KEY, role TEXT NOT NULL CHECK (role IN (\(roles))), partner TEXT,
              tokenHash TEXT NOT NULL UNIQUE, createdAt TIMESTAMPTZ NOT NULL, revokedAt TIMESTAMPTZ)
            """,
            """
            CREATE TABLE session (idHash TEXT PRIMARY KEY, partner TEXT NOT NULL, expiresAt TIMESTAMPTZ NOT NULL,
              role TEXT NOT NULL DEFAULT 'partner' CHECK (role IN (\(roles))), CHECK ((role = 'admin') = (partner = '')))
            """,
            """
            CREATE TABLE lead (id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL, email TEXT NOT NULL, firstName TEXT, lastName TEXT, company TEXT,
              companyDomain TEXT, country TEXT, phone TEXT, website TEXT, consent BOOLEAN NOT NULL, consentVersion TEXT, consentAt TIMESTAMPTZ,
              campaign TEXT NOT NULL, source TEXT NOT NULL, locale TEXT NOT NULL, createdAt TIMESTAMPTZ NOT NULL, updatedAt TIMESTAMPTZ NOT NULL,
              UNIQUE (partner, email))
            """,
            "CREATE INDEX lead_domain ON lead (companyDomain)",
            """
            CREATE TABLE leadSubmission (id BIGSERIAL PRIMARY KEY, leadId BIGINT NOT NULL REFERENCES lead (id), partner TEXT NOT NULL,
              campaign TEXT NOT NULL, asset TEXT, locale TEXT NOT NULL, source TEXT NOT NULL, ipHash TEXT NOT NULL, submittedAt TIMESTAMPTZ NOT NULL,
              signed BOOLEAN NOT NULL DEFAULT false)
            """,
            "CREATE INDEX leadSubmission_campaign ON leadSubmission (partner, campaign, submittedAt)",
            """
            CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, eventKey TEXT NOT NULL UNIQUE, type TEXT NOT NULL, payload TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN (\(outbox))), attempts INTEGER NOT NULL CHECK (attempts >= 0), nextAttemptAt TIMESTAMPTZ NOT NULL,
              lastError TEXT, createdAt TIMESTAMPTZ NOT NULL, deliveredAt TIMESTAMPTZ)
            """,
            "CREATE INDEX outbox_due ON outbox (status, nextAttemptAt)",
            """
            CREATE TABLE deal (id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL, domain TEXT NOT NULL, accountName TEXT NOT NULL,
              valueMinor BIGINT NOT NULL CHECK (valueMinor >= 0), currency TEXT NOT NULL CHECK (length(currency) = 3), products TEXT NOT NULL,
              expectedClose TEXT NOT NULL, leadId BIGINT REFERENCES lead (id), status TEXT NOT NULL CHECK (status IN (\(deals))),
              rule TEXT NOT NULL CHECK (rule IN (\(rules))), note TEXT, idempotencyKey TEXT, createdAt TIMESTAMPTZ NOT NULL,
              decidedAt TIMESTAMPTZ NOT NULL, expiresAt TIMESTAMPTZ, evidenceVisitor TEXT, UNIQUE (partner, idempotencyKey))
            """,
            "CREATE INDEX deal_domain ON deal (domain, status)",
            """
            CREATE TABLE dealDecision (id BIGSERIAL PRIMARY KEY, dealId BIGINT NOT NULL REFERENCES deal (id),
              status TEXT NOT NULL CHECK (status IN (\(deals))), rule TEXT NOT NULL CHECK (rule IN (\(rules))), actor TEXT NOT NULL, note TEXT,
              decidedAt TIMESTAMPTZ NOT NULL)
            """,
            "CREATE INDEX dealDecision_deal ON dealDecision (dealId)",
            """
            CREATE TABLE mdfAllocation (partner TEXT NOT NULL, period TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
              amountMinor BIGINT NOT NULL CHECK (amountMinor >= 0), currency TEXT NOT NULL, deadline TEXT NOT NULL, createdAt TIMESTAMPTZ NOT NULL,
              updatedAt TIMESTAMPTZ NOT NULL, PRIMARY KEY (partner, period))
            """,
            """
            CREATE TABLE mdfAudit (id BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
              detail TEXT NOT NULL, previous TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            """
            CREATE TABLE mdfClaim (id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL, period TEXT NOT NULL, campaign TEXT NOT NULL,
              activity TEXT NOT NULL CHECK (activity IN (\(activities))), activityStart TEXT NOT NULL, activityEnd TEXT NOT NULL,
              amountMinor BIGINT NOT NULL CHECK (amountMinor > 0), currency TEXT NOT NULL CHECK (length(currency) = 3), invoice TEXT NOT NULL,
              results TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN (\(claims))),
              approvedMinor BIGINT CHECK (approvedMinor BETWEEN 0 AND amountMinor), reasons TEXT, overrideNote TEXT, idempotencyKey TEXT,
              createdAt TIMESTAMPTZ NOT NULL, decidedAt TIMESTAMPTZ, paidAt TIMESTAMPTZ CHECK (paidAt IS NULL OR status IN (\(payable))),
              paymentReference TEXT, UNIQUE (partner, idempotencyKey), CHECK (activityStart <= activityEnd),
              FOREIGN KEY (partner, period) REFERENCES mdfAllocation (partner, period))
            """,
            "CREATE INDEX mdfClaim_period ON mdfClaim (period, partner)",
            """
            CREATE TABLE mdfProof (claimId BIGINT NOT NULL REFERENCES mdfClaim (id), name TEXT NOT NULL,
              sha256 TEXT NOT NULL CHECK (length(sha256) = 64), size INTEGER NOT NULL CHECK (size > 0), position BIGSERIAL)
            """,
            "CREATE INDEX mdfProof_claim ON mdfProof (claimId)",
            "CREATE INDEX mdfProof_sha256 ON mdfProof (sha256)",
            """
            CREATE TABLE partnerChange (id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL, campaign TEXT NOT NULL, locale TEXT NOT NULL,
              field TEXT NOT NULL, oldValue TEXT, newValue TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN (\(changes))), actor TEXT NOT NULL,
              createdAt TIMESTAMPTZ NOT NULL, decidedBy TEXT, decidedAt TIMESTAMPTZ, note TEXT)
            """,
            "CREATE INDEX partnerChange_partner ON partnerChange (partner, status)",
            """
            CREATE TABLE partnerOverride (partner TEXT NOT NULL, campaign TEXT NOT NULL, locale TEXT NOT NULL, field TEXT NOT NULL,
              value TEXT NOT NULL, changeId BIGINT NOT NULL REFERENCES partnerChange (id), updatedAt TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (partner, campaign, locale, field))
            """,
            "CREATE TABLE eventSpoolSegment (name TEXT PRIMARY KEY, replayedAt TIMESTAMPTZ NOT NULL, events INTEGER NOT NULL)",
            """
            CREATE TABLE partnerAddress (partner TEXT NOT NULL, visitor TEXT NOT NULL, firstSeen TIMESTAMPTZ NOT NULL, lastSeen TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (partner, visitor))
            """,
            """
            CREATE TABLE suppression (partner TEXT NOT NULL, address TEXT NOT NULL, campaign TEXT NOT NULL,
              source TEXT NOT NULL CHECK (source IN (\(sources))), createdAt TIMESTAMPTZ NOT NULL, PRIMARY KEY (partner, address))
            """,
            "CREATE TABLE partnerVisit (partner TEXT PRIMARY KEY, lastAt TIMESTAMPTZ NOT NULL, previousAt TIMESTAMPTZ)",
        ])
    }
}
