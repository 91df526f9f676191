import Foundation

/// One update from the vendor's CRM: a deal's stage, or a lead's qualification. The API's JSON objects and
/// the import's CSV rows carry the same fields (`CRMUpdate.fields`) and are read by one parser.
public enum CRMUpdate: Sendable, Equatable {
    case deal(CRMReference, DealUpdate)
    case lead(CRMReference, LeadUpdate)

    /// The CRM's event id: the same event twice is applied once.
    public var eventID: String {
        switch self {
        case let .deal(_, update): update.eventID
        case let .lead(_, update): update.eventID
        }
    }

    /// Every field an update may carry; any other is refused, so a misspelt one is never ignored.
    public static let fields = ["event_id", "type", "deal_id", "lead_id", "crm_id", "stage", "status", "amount", "currency", "close_date", "updated_at"]

    /// How far ahead of the receiver's clock a CRM's `updated_at` may be. A later one is refused: applied, it
    /// would make every real update until then look stale.
    public static let clockSkew: TimeInterval = 300

    /// The largest won amount taken, in minor units (a trillion in a currency of cents).
    public static let maximumAmountMinor: Int64 = 100_000_000_000_000

    /// What an update is about.
    public enum Kind: String, Sendable, Equatable, CaseIterable { case deal, lead }

    /// What became of one update.
    public enum Result: String, Sendable, Equatable { case applied, duplicate, stale }

    /// Reads an update from its fields (empty ones count as absent).
    /// - `event_id`: the CRM's id for this event, at most 200 characters.
    /// - `type`: `deal` or `lead`.
    /// - `deal_id` / `lead_id` (Cobrand's id, as sent in the outbox), or `crm_id` alone (the CRM's id, once
    ///   known): which deal or lead. With both, Cobrand's id decides and `crm_id` is stored.
    /// - deals: `stage` (`open`, `won`, `lost`); `amount` and `currency` when won; `close_date` (YYYY-MM-DD)
    ///   when won or lost.
    /// - leads: `status` (`qualified`, `disqualified`).
    /// - `updated_at`: the CRM's time of the change, RFC 3339 (`2027-02-10T09:30:00Z`), not after `now` (give or
    ///   take `clockSkew`).
    public static func parse(_ given: [String: String], now: Date) throws(CRMUpdateError) -> CRMUpdate {
        let values = given.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }.mapValues { $0.trimmingCharacters(in: .whitespaces) }
        if let unknown = values.keys.sorted().first(where: { !fields.contains($0) }) {
            throw CRMUpdateError(field: unknown, problem: "is not a field of a CRM update; use \(fields.joined(separator: ", "))")
        }
        func required(_ field: String, _ hint: String) throws(CRMUpdateError) -> String {
            guard let value = values[field] else { throw CRMUpdateError(field: field, problem: "is missing; give \(hint)") }
            return value
        }
        let eventID = try required("event_id", "the CRM's id for this event")
        guard eventID.count <= 200, !eventID.contains(where: \.isNewline) else {
            throw CRMUpdateError(field: "event_id", problem: "must be one line of at most 200 characters")
        }
        let atText = try required("updated_at", "the CRM's time of the change, such as 2027-02-10T09:30:00Z")
        guard let at = Self.instant(atText) else {
            throw CRMUpdateError(field: "updated_at", problem: "'\(atText)' is not an RFC 3339 time; write 2027-02-10T09:30:00Z")
        }
        guard at <= now.addingTimeInterval(clockSkew) else {
            throw CRMUpdateError(field: "updated_at", problem: "'\(atText)' is in the future by Cobrand's clock (\(Timestamp.iso8601(now))); send the time the CRM recorded the change")
        }
        let crmID = values["crm_id"]
        if let crmID, crmID.count > 200 || crmID.contains(where: \.isNewline) {
            throw CRMUpdateError(field: "crm_id", problem: "must be one line of at most 200 characters")
        }
        switch try required("type", "deal or lead") {
        case "deal":
            try refuse(["lead_id", "status"], in: values, for: "deal")
            let reference = try reference("deal_id", crmID: crmID, values)
            let stageText = try required("stage", "open, won or lost")
            guard let stage = DealStage(rawValue: stageText) else {
                throw CRMUpdateError(field: "stage", problem: "'\(stageText)' is not open, won or lost")
            }
            var amount: Money?
            if stage == .won {
                let text = try required("amount", "the won amount in major units, such as 48000.00")
                let currency = try required("currency", "the amount's ISO 4217 code, such as EUR")
                guard let money = Money(major: text, currency: currency) else {
                    throw CRMUpdateError(field: "amount", problem: "'\(text) \(currency)' is not an amount; write digits with a dot and at most the currency's decimals (48000.00, 48000 JPY) and a currency code (EUR)")
                }
                // Sums of many deals stay far inside 64 bits.
                guard money.amountMinor <= maximumAmountMinor else {
                    throw CRMUpdateError(field: "amount", problem: "'\(text) \(currency)' is above \(Money(amountMinor: maximumAmountMinor, currency: money.currency).majorText); check the CRM's figure")
                }
                amount = money
            } else {
                try refuse(["amount", "currency"], in: values, for: "\(stage.rawValue) deal")
            }
            let closeDate = values["close_date"]
            if let closeDate, Period.day(closeDate) == nil {
                throw CRMUpdateError(field: "close_date", problem: "'\(closeDate)' is not a day; write YYYY-MM-DD")
            }
            if stage != .open, closeDate == nil { _ = try required("close_date", "the day the deal closed, YYYY-MM-DD") }
            return .deal(reference, DealUpdate(eventID: eventID, stage: stage, amount: amount, closeDate: stage == .open ? nil : closeDate,
                                               crmID: crmID, at: at))
        case "lead":
            try refuse(["deal_id", "stage", "amount", "currency", "close_date"], in: values, for: "lead")
            let reference = try reference("lead_id", crmID: crmID, values)
            let statusText = try required("status", "qualified or disqualified")
            guard let qualification = LeadQualification(rawValue: statusText) else {
                throw CRMUpdateError(field: "status", problem: "'\(statusText)' is not qualified or disqualified")
            }
            return .lead(reference, LeadUpdate(eventID: eventID, qualification: qualification, crmID: crmID, at: at))
        case let other:
            throw CRMUpdateError(field: "type", problem: "'\(other)' is not deal or lead")
        }
    }

    private static func reference(_ field: String, crmID: String?, _ values: [String: String]) throws(CRMUpdateError) -> CRMReference {
        if let text = values[field] {
            guard let id = Int64(text), id > 0 else { throw CRMUpdateError(field: field, problem: "'\(text)' is not one of Cobrand's ids (a whole number)") }
            return .ours(id)
        }
        guard let crmID else { throw CRMUpdateError(field: field, problem: "is missing; give \(field) (Cobrand's id) or crm_id (the CRM's, once stored)") }
        return .crm(crmID)
    }

    private static func refuse(_ fields: [String], in values: [String: String], for kind: String) throws(CRMUpdateError) {
        if let field = fields.first(where: { values[$0] != nil }) {
            throw CRMUpdateError(field: field, problem: "does not belong to a \(kind) update; leave it empty")
        }
    }

    /// RFC 3339 with or without fractional seconds.
    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Which deal or lead an update is about.
public enum CRMReference: Sendable, Equatable, CustomStringConvertible {
    /// Cobrand's id, as its outbox events carry it.
    case ours(Int64)
    /// The CRM's id, stored from an earlier update.
    case crm(String)

    public var description: String {
        switch self {
        case let .ours(id): "id \(id)"
        case let .crm(id): "CRM id '\(id)'"
        }
    }
}

/// A CRM update that cannot be read: the field and what to write instead.
public struct CRMUpdateError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String
    /// The event whose update it is, when the store refused it.
    public let eventID: String?

    public init(field: String, problem: String, eventID: String? = nil) {
        self.field = field
        self.problem = problem
        self.eventID = eventID
    }

    public var description: String { "\(field) \(problem)" }
}

/// A CRM update naming a deal or lead Cobrand does not have: the whole batch is refused, nothing stored.
public struct CRMUnknownTarget: Error, Equatable, CustomStringConvertible {
    public let kind: CRMUpdate.Kind
    public let reference: CRMReference
    public let eventID: String

    public init(kind: CRMUpdate.Kind, reference: CRMReference, eventID: String) {
        self.kind = kind
        self.reference = reference
        self.eventID = eventID
    }

    public var description: String {
        "event '\(eventID)': no \(kind) with \(reference); send Cobrand's \(kind)_id from the outbox event, or its crm_id once an update with both has been applied"
    }
}

extension CRMUpdate {
    /// A CRM export (`cobrand crm import`): a header naming fields of `CRMUpdate.fields` in any order, then
    /// one update a row. Every bad row is reported with its line, and then none is applied.
    public static func parseCSV(_ text: String, file: String, now: Date) throws(CRMImportError) -> [(line: Int, update: CRMUpdate)] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text, file: file) } catch { throw CRMImportError(problems: [error.description]) }
        guard let header = records.first else { throw CRMImportError(problems: ["\(file): the file is empty; the first row names the columns (\(fields.joined(separator: ",")))"]) }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let unknown = columns.first(where: { !fields.contains($0) }) {
            throw CRMImportError(problems: ["\(file):\(header.line): column '\(unknown)' is not a field of a CRM update; use \(fields.joined(separator: ", "))"])
        }
        if let twice = columns.first(where: { name in columns.filter { $0 == name }.count > 1 }) {
            throw CRMImportError(problems: ["\(file):\(header.line): column '\(twice)' appears twice; keep one"])
        }
        var updates: [(line: Int, update: CRMUpdate)] = [], problems: [String] = []
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                problems.append("\(file):\(record.line): \(record.fields.count) fields where the header has \(columns.count)")
                continue
            }
            do { updates.append((record.line, try parse(Dictionary(uniqueKeysWithValues: zip(columns, record.fields)), now: now))) } catch {
                problems.append("\(file):\(record.line): \(error.description)")
            }
        }
        guard problems.isEmpty else { throw CRMImportError(problems: problems) }
        guard !updates.isEmpty else { throw CRMImportError(problems: ["\(file): no updates below the header"]) }
        return updates
    }
}

/// Why a CRM export was refused: every bad row, by line. Nothing of the file was applied.
public struct CRMImportError: Error, Equatable, CustomStringConvertible {
    public let problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { (problems + ["nothing was imported; fix these rows and import the file again"]).joined(separator: "\n") }
}
