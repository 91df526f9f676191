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
