import Foundation

/// A token bucket per key: `limit` requests at once, refilled at `limit` per `period`. A value type the
/// server keeps behind a lock; time is passed in, so tests need no clock.
public struct RateLimiter: Sendable {
    public let limit: Int
    public let period: TimeInterval
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    public init(limit: Int, period: TimeInterval = 60) {
        self.limit = limit
        self.period = period
    }

    /// Takes one token for `key`; false when its bucket is empty.
    public mutating func allow(_ key: String, now: Date) -> Bool {
        if buckets.count > 10_000 { forgetFull(now: now) }
        let rate = Double(limit) / period
        var bucket = buckets[key] ?? (Double(limit), now)
        bucket.tokens = min(Double(limit), bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }

    /// Drops buckets that have refilled completely: they behave like new ones, and memory stays bounded.
    private mutating func forgetFull(now: Date) {
        buckets = buckets.filter { now.timeIntervalSince($0.value.at) < period }
    }
}
