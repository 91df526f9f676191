import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import Logging
import ServiceLifecycle

/// Inside `cobrand serve`: every second, expire deals whose protection ended and deliver the outbox.
public struct OutboxService: Service {
    public let database: any Store
    public let deliverer: OutboxDeliverer?
    public let logger: Logger
    public let interval: Duration
    /// The clock deals expire by: the server's, or a test's.
    public let now: @Sendable () -> Date

    public init(database: any Store, deliverer: OutboxDeliverer?, logger: Logger, interval: Duration = .seconds(1),
                now: @escaping @Sendable () -> Date) {
        self.database = database
        self.deliverer = deliverer
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await round() } catch {
                    logger.error("outbox round failed", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// One round, by the injected clock: expire deals whose protection ended, then deliver what is due.
    /// Returns the deals expired and the rows delivered.
    @discardableResult
    public func round() async throws -> (expired: [AppDatabase.Deal], delivered: Int) {
        // Each step on its own: a deal that cannot be expired never holds up the CRM's deliveries.
        var expired: [AppDatabase.Deal] = []
        do { expired = try await database.expireDeals(now: now()) } catch { logger.error("deal expiry failed", metadata: ["error": "\(error)"]) }
        if !expired.isEmpty { logger.info("deals expired", metadata: ["count": "\(expired.count)"]) }
        let delivered = try await deliverer?.deliverDue(logger: logger).delivered ?? 0
        if delivered > 0 { logger.info("webhook delivered", metadata: ["count": "\(delivered)"]) }
        return (expired, delivered)
    }
}
