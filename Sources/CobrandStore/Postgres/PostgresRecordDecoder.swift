import Foundation
import Logging
import PostgresNIO

/// Decodes a PostgreSQL row into the same `Decodable` records GRDB fills, so both engines share one
/// record type per table. Columns are matched case-insensitively (PostgreSQL folds unquoted names to lower
/// case); a value that is neither a PostgreSQL scalar nor a string-backed enum is a JSON text column, as on
/// SQLite.
struct PostgresRecordDecoder: Decoder {
    let row: PostgresRandomAccessRow
    let columns: [String: Int]
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
        var columns: [String: Int] = [:]
        for (index, cell) in self.row.enumerated() { columns[cell.columnName.lowercased()] = index }
        self.columns = columns
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a row is a keyed record"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard let first = row.first else { throw DecodingError.valueNotFound(Any.self, .init(codingPath: [], debugDescription: "empty row")) }
        return CellDecoder(cell: first)
    }

    func cell(_ key: some CodingKey) throws -> PostgresCell {
        guard let index = columns[key.stringValue.lowercased()] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "the query returns no column \(key.stringValue)"))
        }
        return row[index]
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: PostgresRecordDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { decoder.columns.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { decoder.columns[key.stringValue.lowercased()] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { try decoder.cell(key).bytes == nil }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try CellDecoder(cell: try decoder.cell(key)).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw CellDecoder.JSONColumn()
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw CellDecoder.JSONColumn() }
        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }
}

/// One cell as a single value: a PostgreSQL scalar decodes directly, an enum through its raw value, and
/// anything keyed or unkeyed (a dictionary, a list) from the cell's JSON text.
struct CellDecoder: Decoder, SingleValueDecodingContainer {
    struct JSONColumn: Error {}

    let cell: PostgresCell
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw JSONColumn() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw JSONColumn() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell.bytes == nil }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // A list is a JSON text column here, as on SQLite, never a PostgreSQL array.
        if !(T.self is any StoredAsJSON.Type), let scalar = T.self as? any PostgresDecodable.Type {
            guard let value = try open(scalar) as? T else { throw unsupported(T.self) }
            return value
        }
        do { return try T(from: self) } catch is JSONColumn {
            let text = try cell.decode(String.self)
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                throw StoredValueError(table: "", column: cell.columnName, value: text)
            }
        }
    }

    private func open<D: PostgresDecodable>(_ type: D.Type) throws -> D { try cell.decode(D.self) }
    private func scalar<D: Decodable>(_ type: D.Type) throws -> D { try decode(type) }
    private func unsupported(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "column \(cell.columnName): no PostgreSQL type maps to \(type)"))
    }

    func decode(_ type: Bool.Type) throws -> Bool { try scalar(type) }
    func decode(_ type: String.Type) throws -> String { try scalar(type) }
    func decode(_ type: Double.Type) throws -> Double { try scalar(type) }
    func decode(_ type: Float.Type) throws -> Float { try scalar(type) }
    func decode(_ type: Int.Type) throws -> Int { try scalar(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { throw unsupported(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar(type) }
    func decode(_ type: UInt.Type) throws -> UInt { throw unsupported(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { throw unsupported(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { throw unsupported(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { throw unsupported(type) }
}

/// Collections the records keep as JSON text.
protocol StoredAsJSON {}
extension Array: StoredAsJSON {}
extension Dictionary: StoredAsJSON {}

extension PostgresRow {
    func decode<T: Decodable>(record type: T.Type) throws -> T { try T(from: PostgresRecordDecoder(self)) }
}

/// One connection as the engine's queries use it (inside a transaction, or a pooled read), with the
/// logger every query names.
struct PostgresDB {
    let connection: PostgresConnection
    let logger: Logger

    /// Every row `query` returns, as `T`.
    func all<T: Decodable>(_ type: T.Type, _ query: PostgresQuery) async throws -> [T] {
        try await connection.query(query, logger: logger).collect().map { try $0.decode(record: T.self) }
    }

    func one<T: Decodable>(_ type: T.Type, _ query: PostgresQuery) async throws -> T? {
        try await all(type, query).first
    }

    /// The first column of every row.
    func column<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) async throws -> [T] {
        try await connection.query(query, logger: logger).collect().map { try $0.makeRandomAccess()[0].decode(T.self) }
    }

    /// The first column of the first row; nil without rows or for NULL.
    func value<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) async throws -> T? {
        guard let row = try await connection.query(query, logger: logger).collect().first else { return nil }
        let cell = row.makeRandomAccess()[0]
        return cell.bytes == nil ? nil : try cell.decode(T.self)
    }

    /// The id an `INSERT … RETURNING id` gives back.
    func insertedID(_ query: PostgresQuery, table: String) async throws -> Int64 {
        guard let id = try await value(Int64.self, query) else {
            throw PostgresStore.DatabaseError(description: "PostgreSQL stored no \(table) row (its INSERT returned no id); nothing was kept, try again")
        }
        return id
    }

    /// Runs a statement; returns how many rows it returned (write `RETURNING 1` to count changed rows).
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        try await connection.query(query, logger: logger).collect().count
    }

    /// Holds a lock named `name` until the transaction ends: what serialises one account's registrations,
    /// one chain's appends, one partner's kits across nodes.
    func lock(_ name: String) async throws {
        try await run("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))) AS locked")
    }
}
