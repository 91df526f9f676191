import Foundation

/// A token bucket per key: `limit` requests at once, refilled at `limit` per `period`. A value type the
/// server keeps behind a lock; time is passed in, so tests need no clock.
public struct RateLimiter: Sendable {
    public let limit: Int
    public let period: TimeInterval
    private var buckets: [String: Bucket] = [:]

    /// One key's tokens when last taken from. Several servers keep these in their database and take from
    /// them with `take`, so the limit holds across nodes.
    public struct Bucket: Sendable, Equatable {
        public var tokens: Double
        public var at: Date

        public init(tokens: Double, at: Date) {
            self.tokens = tokens
            self.at = at
        }

        /// This bucket refilled to `now` and, if a token is there, one taken; whether it was.
        public func take(limit: Int, period: TimeInterval, now: Date) -> (bucket: Bucket, allowed: Bool) {
            let rate = Double(limit) / period
            var bucket = Bucket(tokens: min(Double(limit), tokens + max(0, now.timeIntervalSince(at)) * rate), at: now)
            guard bucket.tokens >= 1 else { return (bucket, false) }
            bucket.tokens -= 1
            return (bucket, true)
        }

        /// A bucket nobody took from yet.
        public static func full(limit: Int, now: Date) -> Bucket { Bucket(tokens: Double(limit), at: now) }
    }

    public init(limit: Int, period: TimeInterval = 60) {
        self.limit = limit
        self.period = period
    }

    /// Takes one token for `key`; false when its bucket is empty.
    public mutating func allow(_ key: String, now: Date) -> Bool {
        if buckets.count > 10_000 { forgetFull(now: now) }
        let (bucket, allowed) = (buckets[key] ?? .full(limit: limit, now: now)).take(limit: limit, period: period, now: now)
        buckets[key] = bucket
        return allowed
    }

    /// Drops buckets that have refilled completely: they behave like new ones, and memory stays bounded.
    private mutating func forgetFull(now: Date) {
        buckets = buckets.filter { now.timeIntervalSince($0.value.at) < period }
    }
}
