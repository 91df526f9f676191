import CobrandCore
import Foundation

/// Where the server's randomness comes from (session ids, tokens, form values, idempotency keys): the
/// system's generator in production, a seeded one in tests. Injected, so no handler makes its own.
public struct RandomSource: Sendable {
    let next: @Sendable () -> UInt64

    public init(next: @escaping @Sendable () -> UInt64) { self.next = next }

    public static let system = RandomSource {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }

    /// A generator to hand to APIs that take one (`AppDatabase.startSession(using:)`).
    public var generator: Generator { Generator(source: self) }

    public struct Generator: RandomNumberGenerator {
        let source: RandomSource
        public mutating func next() -> UInt64 { source.next() }
    }

    /// `count` random bytes as unpadded base64url.
    public func token(bytes count: Int) -> String {
        var generator = generator
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
