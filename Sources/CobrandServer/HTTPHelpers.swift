import CobrandCore
import CobrandStore
import Foundation
import Hummingbird
import MultipartKit
import NIOConcurrencyHelpers
import NIOCore

extension Request {
    /// A JSON body decoded as `T`, at most `limit` bytes. A field of the wrong type or shape gets a 400 naming
    /// it; anything that is no JSON object of fields gets a 400 `bad_json`.
    func decodeJSON<T: Decodable>(_ type: T.Type, upTo limit: Int) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: buffer))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw ServerError(.badRequest, code: "invalid", message: context.debugDescription, field: context.codingPath[0].stringValue)
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let field = context.codingPath[0].stringValue
            throw ServerError(.badRequest, code: "invalid", message: "\(field) has the wrong type", field: field)
        } catch {
            throw ServerError(.badRequest, code: "bad_json", message: "the body must be a JSON object of fields")
        }
    }

    /// An `application/x-www-form-urlencoded` body, at most 16 KB; the first value of a repeated name wins.
    func urlEncodedForm() async throws -> [String: String] {
        let buffer = try await body.collect(upTo: 16_384)
        do { return try URLEncodedForm.fields(String(buffer: buffer)) } catch {
            throw ServerError(.badRequest, message: error.description)
        }
    }
}

/// A `multipart/form-data` body: text fields by name, and the files chosen in file inputs, on disk.
final class MultipartForm: Sendable {
    struct File: Sendable {
        let field: String
        /// The name the browser sent: untrusted, for display only.
        let filename: String
        /// Where the part's bytes were streamed (a temp file, removed with the form).
        let url: URL
        let size: Int

        var data: Data { get throws { try Data(contentsOf: url) } }
    }

    let fields: [String: String]
    let files: [File]
    private let folder: URL

    init(fields: [String: String], files: [File], folder: URL) {
        self.fields = fields
        self.files = files
        self.folder = folder
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

/// How much of a multipart form is read: bytes in all, parts, bytes of a text field.
struct MultipartLimits: Sendable {
    var bytes: Int
    var parts = 64
    var fieldBytes = 65_536
}

extension Request {
    /// Reads a `multipart/form-data` body as it arrives (MultipartKit parses it), never more than `limits`:
    /// text fields in memory, files streamed to a temp folder. `check` sees each text field as soon as it is
    /// complete, so a form whose `csrf` field (sent first by the portal's forms) is wrong is refused before
    /// the rest of its body is read. The first value of a repeated text field wins; a file input left empty
    /// (no filename, no bytes) is skipped.
    func multipartForm(_ limits: MultipartLimits, check: (_ field: String, _ value: String) throws -> Void = { _, _ in }) async throws -> MultipartForm {
        guard let type = headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = HeaderParameters(type)["boundary"], !boundary.isEmpty
        else { throw ServerError(.unsupportedMediaType, message: "send the form as multipart/form-data") }
        let reader = try MultipartReader(boundary: boundary, limits: limits)
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            guard total <= limits.bytes else { throw ServerError(.contentTooLarge, message: "the form is larger than \(limits.bytes >> 20) MB") }
            try reader.feed(chunk)
            for (name, value) in reader.takeCompletedFields() { try check(name, value) }
        }
        return try reader.finish()
    }
}

/// The state of one streamed multipart body. Used by one request's task only.
final class MultipartReader {
    let parser: MultipartParser
    private var headerGuard: MultipartHeaderGuard
    let limits: MultipartLimits
    let folder: URL
    private var headers: [(String, String)] = []
    private var field = ByteBuffer()
    private var file: (handle: FileHandle, url: URL, size: Int)?
    private var fields: [String: String] = [:]
    private var completed: [(String, String)] = []
    private var files: [MultipartForm.File] = []
    private var parts = 0
    private var failure: ServerError?
    /// Set once `finish` hands the folder to the form, which then removes it.
    private var handedOver = false

    init(boundary: String, limits: MultipartLimits) throws {
        parser = MultipartParser(boundary: boundary)
        headerGuard = MultipartHeaderGuard(boundary: boundary)
        self.limits = limits
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cobrand-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        parser.onHeader = { [unowned self] name, value in headers.append((name, value)) }
        parser.onBody = { [unowned self] buffer in body(&buffer) }
        parser.onPartComplete = { [unowned self] in complete() }
    }

    deinit {
        try? file?.handle.close()
        if !handedOver { try? FileManager.default.removeItem(at: folder) }
    }

    private var disposition: HeaderParameters {
        HeaderParameters(headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? "")
    }

    private func body(_ buffer: inout ByteBuffer) {
        guard failure == nil else { return }
        if disposition["filename"] != nil {
            do {
                if file == nil {
                    let url = folder.appendingPathComponent("\(files.count)")
                    guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
                    file = (try FileHandle(forWritingTo: url), url, 0)
                }
                let bytes = Data(buffer: buffer)
                try file?.handle.write(contentsOf: bytes)
                file?.size += bytes.count
            } catch {
                failure = ServerError(.internalServerError, message: "the upload could not be stored")
            }
        } else {
            guard field.readableBytes + buffer.readableBytes <= limits.fieldBytes else {
                failure = ServerError(.contentTooLarge, message: "a form field is longer than \(limits.fieldBytes / 1024) KB")
                return
            }
            field.writeBuffer(&buffer)
        }
    }

    private func complete() {
        defer { headers = []; field.clear(); file = nil }
        guard failure == nil else { return }
        parts += 1
        guard parts <= limits.parts else {
            failure = ServerError(.contentTooLarge, message: "the form has more than \(limits.parts) parts")
            return
        }
        guard let name = disposition["name"] else { return }
        if let filename = disposition["filename"] {
            try? file?.handle.close()
            if let file, !filename.isEmpty || file.size > 0 {
                files.append(.init(field: name, filename: filename, url: file.url, size: file.size))
            } else if filename.isEmpty {
                // An empty file input: nothing to keep.
                if let file { try? FileManager.default.removeItem(at: file.url) }
            }
        } else if fields[name] == nil {
            let value = String(buffer: field)
            fields[name] = value
            completed.append((name, value))
        }
    }

    func feed(_ chunk: ByteBuffer) throws {
        guard failure == nil else { throw failure! }
        guard headerGuard.accepts(chunk.readableBytesView) else {
            failure = ServerError(.badRequest, message: "a part header's name is not ASCII; the multipart form could not be read")
            throw failure!
        }
        do { try parser.execute(chunk) } catch {
            failure = ServerError(.badRequest, message: "the multipart form could not be read")
        }
        if let failure { throw failure }
    }

    func takeCompletedFields() -> [(String, String)] {
        defer { completed = [] }
        return completed
    }

    func finish() throws -> MultipartForm {
        if let failure { throw failure }
        handedOver = true
        return MultipartForm(fields: fields, files: files, folder: folder)
    }
}

/// The `key=value` parameters of a header such as `Content-Disposition: form-data; name="a"; filename="b;c.pdf"`,
/// with quoted values unquoted (a `;` or `=` inside quotes stays part of the value). Keys are lowercased.
struct HeaderParameters {
    private var values: [String: String] = [:]

    init(_ header: String) {
        var scalars = Substring(header)
        while let semicolon = scalars.firstIndex(of: ";") {
            scalars = scalars[scalars.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard let equals = scalars.firstIndex(of: "=") else { break }
            let key = scalars[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            scalars = scalars[scalars.index(after: equals)...]
            var value = ""
            if scalars.first == "\"" {
                scalars = scalars.dropFirst()
                while let character = scalars.first, character != "\"" {
                    scalars = scalars.dropFirst()
                    if character == "\\", let escaped = scalars.first { value.append(escaped); scalars = scalars.dropFirst() } else { value.append(character) }
                }
                scalars = scalars.dropFirst()
                if let next = scalars.firstIndex(of: ";") { scalars = scalars[next...] } else { scalars = "" }
            } else {
                let end = scalars.firstIndex(of: ";") ?? scalars.endIndex
                value = scalars[..<end].trimmingCharacters(in: .whitespaces)
                scalars = scalars[end...]
            }
            if values[key] == nil { values[key] = value }
        }
    }

    subscript(key: String) -> String? { values[key] }
}

extension Response {
    /// A JSON object with sorted keys.
    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A money amount in a JSON body: a string ("25000.00") or a whole number, never a float.
struct AmountText: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self.text = text }
        else if let whole = try? container.decode(Int64.self) { text = String(whole) }
        else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "write the value as a string such as \"12500.50\"") }
    }
}

/// Uploads being read at once, per partner and in all: each holds a request body and its temp files, so
/// without a cap 100 parallel posts reached 2.5 GB.
final class UploadGate: Sendable {
    let perPartner: Int
    let total: Int
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    init(perPartner: Int = 2, total: Int = 8) {
        self.perPartner = perPartner
        self.total = total
    }

    /// Takes a slot for `partner`; false when the partner or the server is at its cap (answer 429).
    func enter(_ partner: String) -> Bool {
        counts.withLockedValue { counts in
            guard counts[partner, default: 0] < perPartner, counts.values.reduce(0, +) < total else { return false }
            counts[partner, default: 0] += 1
            return true
        }
    }

    func leave(_ partner: String) {
        counts.withLockedValue { counts in
            counts[partner, default: 1] -= 1
            if counts[partner] == 0 { counts[partner] = nil }
        }
    }

    /// Runs `body` in a slot, or throws 429.
    func run<T>(_ partner: String, _ body: () async throws -> T) async throws -> T {
        guard enter(partner) else {
            throw ServerError(.tooManyRequests, message: "Another upload is still being read; try again in a few seconds.", headers: [.retryAfter: "10"])
        }
        defer { leave(partner) }
        return try await body()
    }
}
