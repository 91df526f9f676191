import Crypto
import Foundation

/// How the CRM webhook is signed and retried. Pure: the deliverer does the HTTP, the store the bookkeeping.
public enum Webhook {
    /// `Cobrand-Signature` value: `v1=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` with the shared
    /// secret. The timestamp (`Cobrand-Timestamp`, Unix seconds) is signed too, so a receiver can refuse
    /// old replays.
    public static func signature(body: Data, timestamp: Int64, secret: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "v1=" + Array(mac).hex
    }

    /// Whether `header` is a valid signature of `body` at `timestamp` (constant-time comparison).
    public static func verify(header: String, body: Data, timestamp: Int64, secret: Data) -> Bool {
        let expected = Array(signature(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(header.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// How far a signed request's timestamp may be from the receiver's clock, either way: a captured request
    /// replayed later than this is refused (within it, the CRM's event ids make a replay change nothing).
    public static let replayWindow: TimeInterval = 300

    /// Why a signed request is refused, or nil when it is accepted.
    public enum Refusal: String, Sendable, Equatable {
        case missing = "the Cobrand-Timestamp and Cobrand-Signature headers are required"
        case timestamp = "Cobrand-Timestamp must be the Unix time in whole seconds, such as 1800000000"
        case stale = "Cobrand-Timestamp is more than 5 minutes from the server's clock; sign with the current Unix time"
        case signature = "Cobrand-Signature does not match: sign \"<timestamp>.<body>\" with HMAC-SHA256 and the webhook secret"
    }

    /// Checks a request signed as Cobrand signs its own webhook (`signature`): its timestamp within
    /// `replayWindow` of `now`, then its signature.
    public static func refusal(header: String?, timestamp: String?, body: Data, secret: Data, now: Date) -> Refusal? {
        guard let header, let text = timestamp else { return .missing }
        guard let timestamp = Int64(text) else { return .timestamp }
        guard abs(Double(timestamp) - now.timeIntervalSince1970) <= replayWindow else { return .stale }
        return verify(header: header, body: body, timestamp: timestamp, secret: secret) ? nil : .signature
    }

    /// Retries: exponential backoff from `base` seconds, capped at `cap`, with full jitter in its upper half,
    /// and a row parked as dead after `maxAttempts` failures.
    public struct RetryPolicy: Sendable, Equatable {
        public var base: Double
        public var cap: Double
        public var maxAttempts: Int

        public init(base: Double = 2, cap: Double = 3_600, maxAttempts: Int = 10) {
            self.base = base
            self.cap = cap
            self.maxAttempts = maxAttempts
        }

        /// The wait after the `attempt`-th failure (1-based); `unit` is a random number in 0..<1.
        public func delay(afterAttempt attempt: Int, unit: Double) -> Double {
            let exponential = min(cap, base * pow(2, Double(max(0, attempt - 1))))
            return exponential * (0.5 + unit / 2)
        }

        public func isDead(afterAttempts attempts: Int) -> Bool { attempts >= maxAttempts }
    }
}
