import CobrandCore
import Foundation
import GRDB

/// A row of `deal`: a Core `Deal` as stored. Products are a JSON list; a row that does not decode is an error
/// naming the column, never an empty list or a guessed rule.
struct DealRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "deal"

    enum Columns {
        static let id = Column(CodingKeys.id), partner = Column(CodingKeys.partner), domain = Column(CodingKeys.domain)
        static let status = Column(CodingKeys.status), expiresAt = Column(CodingKeys.expiresAt), currency = Column(CodingKeys.currency)
        static let idempotencyKey = Column(CodingKeys.idempotencyKey), evidenceVisitor = Column(CodingKeys.evidenceVisitor)
        static let crmId = Column(CodingKeys.crmId), outcomeStage = Column(CodingKeys.outcomeStage)
    }

    var id: Int64?
    var partner: String
    var domain: String
    var accountName: String
    var valueMinor: Int64
    var currency: String
    var products: String
    var expectedClose: String
    var leadId: Int64?
    var status: DealStatus
    var rule: DealRules.Rule
    var note: String?
    var idempotencyKey: String?
    var createdAt: Date
    var decidedAt: Date
    var expiresAt: Date?
    var evidenceVisitor: String?
    var crmId: String?
    var outcomeStage: DealStage?
    var outcomeMinor: Int64?
    var outcomeCurrency: String?
    var closeDate: String?
    var outcomeAt: Date?

    init(_ deal: Deal) throws {
        id = deal.id == 0 ? nil : deal.id
        partner = deal.partner
        domain = deal.domain
        accountName = deal.accountName
        valueMinor = deal.value.amountMinor
        currency = deal.value.currency
        products = try JSONColumn.encode(deal.products)
        expectedClose = deal.expectedClose
        leadId = deal.leadID
        status = deal.status
        rule = deal.rule
        note = deal.note
        idempotencyKey = deal.idempotencyKey
        createdAt = deal.createdAt
        decidedAt = deal.decidedAt
        expiresAt = deal.expiresAt
        evidenceVisitor = deal.evidenceVisitor
        crmId = deal.outcome?.crmID
        outcomeStage = deal.outcome?.stage
        outcomeMinor = deal.outcome?.amount?.amountMinor
        outcomeCurrency = deal.outcome?.amount?.currency
        closeDate = deal.outcome?.closeDate
        outcomeAt = deal.outcome?.at
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    func deal() throws -> Deal {
        Deal(id: id ?? 0, partner: partner, domain: domain, accountName: accountName, value: Money(amountMinor: valueMinor, currency: currency),
                    products: try JSONColumn.decode([String].self, products, table: "deal", column: "products"), expectedClose: expectedClose,
                    leadID: leadId, status: status, rule: rule, note: note, idempotencyKey: idempotencyKey, createdAt: createdAt,
                    decidedAt: decidedAt, expiresAt: expiresAt, evidenceVisitor: evidenceVisitor, outcome: try outcome())
    }

    /// The CRM's outcome: a stage and its time, or neither; an amount with its currency, or neither.
    func outcome() throws -> DealOutcome? {
        guard let outcomeStage, let outcomeAt else {
            guard outcomeStage == nil, outcomeAt == nil else { throw StoredValueError(table: "deal", column: "outcomeAt", value: "\(outcomeAt.map(Timestamp.iso8601) ?? "NULL") for stage \(outcomeStage?.rawValue ?? "NULL")") }
            return nil
        }
        let amount: Money?
        switch (outcomeMinor, outcomeCurrency) {
        case let (minor?, currency?): amount = Money(amountMinor: minor, currency: currency)
        case (nil, nil): amount = nil
        default: throw StoredValueError(table: "deal", column: "outcomeCurrency", value: outcomeCurrency ?? "NULL")
        }
        return DealOutcome(stage: outcomeStage, amount: amount, closeDate: closeDate, crmID: crmId, at: outcomeAt)
    }
}

extension DealStatus: DatabaseValueConvertible {}
extension DealRules.Rule: DatabaseValueConvertible {}

/// A row of `dealDecision`: every decision on a deal, by whom, with its note.
struct DealDecisionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "dealDecision"

    enum Columns { static let dealId = Column(CodingKeys.dealId), id = Column(CodingKeys.id) }

    var id: Int64?
    var dealId: Int64
    var status: DealStatus
    var rule: DealRules.Rule
    var actor: String
    var note: String?
    var decidedAt: Date
}

/// JSON stored in a text column: encoded sorted, decoded or an error naming the column.
enum JSONColumn {
    /// One encoder for every column (its options are fixed; making one per value cost reconciliation microseconds per claim).
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, table: String, column: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw StoredValueError(table: table, column: column, value: text)
        }
    }
}
