import CobrandStore
import Foundation
import Hummingbird
import MultipartKit
import NIOCore

extension Request {
    /// A JSON body decoded as `T`, at most `limit` bytes. A field of the wrong type or shape gets a 400 naming
    /// it; anything that is no JSON object of fields gets a 400 `bad_json`.
    func decodeJSON<T: Decodable>(_ type: T.Type, upTo limit: Int) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: buffer))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw APIError(status: .badRequest, code: "invalid", message: context.debugDescription, field: context.codingPath[0].stringValue)
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let field = context.codingPath[0].stringValue
            throw APIError(status: .badRequest, code: "invalid", message: "\(field) has the wrong type", field: field)
        } catch {
            throw APIError(status: .badRequest, code: "bad_json", message: "the body must be a JSON object of fields")
        }
    }

    /// The partner of the bearer token (a partner access token from `cobrand partners token`).
    func partner(in database: AppDatabase) throws -> String {
        let header = headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), let grant = try database.grant(for: String(header.dropFirst(7))), grant.role == .partner,
              let partner = grant.partner
        else { throw APIError(status: .unauthorized, code: "unauthorized", message: "A partner token is required: Authorization: Bearer <token>.") }
        return partner
    }

    /// An `application/x-www-form-urlencoded` body, at most 16 KB; the first value of a repeated name wins.
    func urlEncodedForm() async throws -> [String: String] {
        let buffer = try await body.collect(upTo: 16_384)
        var parts = URLComponents()
        parts.percentEncodedQuery = String(buffer: buffer).replacingOccurrences(of: "+", with: "%20")
        return Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }
}

/// A `multipart/form-data` body: text fields by name, and the files chosen in file inputs.
struct MultipartForm {
    struct File {
        let field: String
        /// The name the browser sent: untrusted, for display only.
        let filename: String
        let data: Data
    }

    var fields: [String: String] = [:]
    var files: [File] = []
}

extension Request {
    /// A `multipart/form-data` body of at most `limit` bytes (MultipartKit parses it). The first value of a
    /// repeated text field wins; a file input left empty (no filename, no bytes) is skipped.
    func multipartForm(upTo limit: Int) async throws -> MultipartForm {
        guard let type = headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = HeaderParameters(type)["boundary"], !boundary.isEmpty
        else { throw HTTPError(.unsupportedMediaType, message: "send the form as multipart/form-data") }
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch {
            throw HTTPError(.contentTooLarge, message: "the form is larger than \(limit >> 20) MB")
        }
        let parts: [MultipartPart]
        do { parts = try MultipartParser.parts(of: buffer, boundary: boundary) } catch {
            throw HTTPError(.badRequest, message: "the multipart form could not be read")
        }
        var form = MultipartForm()
        for part in parts {
            let disposition = HeaderParameters(part.headers.first(name: "Content-Disposition") ?? "")
            guard let name = disposition["name"] else { continue }
            if let filename = disposition["filename"] {
                if !filename.isEmpty || part.body.readableBytes > 0 { form.files.append(.init(field: name, filename: filename, data: Data(buffer: part.body))) }
            } else if form.fields[name] == nil {
                form.fields[name] = String(buffer: part.body)
            }
        }
        return form
    }
}

extension MultipartParser {
    /// Every part of a complete body.
    static func parts(of buffer: ByteBuffer, boundary: String) throws -> [MultipartPart] {
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var current = MultipartPart(body: ByteBuffer())
        parser.onHeader = { name, value in current.headers.add(name: name, value: value) }
        parser.onBody = { current.body.writeBuffer(&$0) }
        parser.onPartComplete = {
            parts.append(current)
            current = MultipartPart(body: ByteBuffer())
        }
        try parser.execute(buffer)
        return parts
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
