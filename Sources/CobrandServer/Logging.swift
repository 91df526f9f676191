import Foundation
import Hummingbird
import Logging

/// One JSON object per line on standard error, for log shippers (`cobrand serve --log-format json`).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    public let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        write(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// The JSON line for one event; keys are sorted so lines diff and grep well.
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var object: [String: Any] = metadata.mapValues(json)
        object["time"] = time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case let .string(text): text
        case let .stringConvertible(value): value.description
        case let .array(values): values.map(json)
        case let .dictionary(values): values.mapValues(json)
        }
    }
}

/// Logs every request once it is answered: method, path, status and milliseconds. Tracking hits and
/// health checks log at `debug` (they come by the thousand, and forged tokens with them), other requests
/// at `info`, or `warning` for a 4xx; any 5xx at `error`.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start, logger: context.logger)
            return response
        } catch let error as HTTPResponseError {
            log(request, status: error.status.code, since: start, logger: context.logger)
            throw error
        } catch {
            log(request, status: 500, since: start, logger: context.logger, error: error)
            throw error
        }
    }

    func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, logger: Logger, error: (any Error)? = nil) {
        let path = request.uri.path
        let level: Logger.Level = status >= 500 ? .error
            : path.hasPrefix("/t/") || path == "/healthz" || path == "/readyz" ? .debug
            : status >= 400 ? .warning : .info
        guard logger.logLevel <= level else { return }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "path": .string(path), "status": .stringConvertible(status),
            "ms": .string(String(format: "%.2f", milliseconds)),
        ]
        if let error { metadata["error"] = .string(String(describing: error)) }
        logger.log(level: level, "request", metadata: metadata)
    }
}
