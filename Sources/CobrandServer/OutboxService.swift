import CobrandCore
import CobrandStore
import CobrandUseCases
import Foundation
import Logging
import ServiceLifecycle

/// Inside `cobrand serve`: every second, expire deals whose protection ended and deliver the outbox.
public struct OutboxService: Service {
    public let database: AppDatabase
    public let deliverer: OutboxDeliverer?
    public let logger: Logger
    public let interval: Duration
    /// The clock deals expire by: the server's, or a test's.
    public let now: @Sendable () -> Date

    public init(database: AppDatabase, deliverer: OutboxDeliverer?, logger: Logger, interval: Duration = .seconds(1),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.deliverer = deliverer
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let expired = try database.expireDeals(now: now())
                    if !expired.isEmpty { logger.info("deals expired", metadata: ["count": "\(expired.count)"]) }
                    if let round = try await deliverer?.deliverDue(logger: logger), round.delivered > 0 {
                        logger.info("webhook delivered", metadata: ["count": "\(round.delivered)"])
                    }
                } catch {
                    logger.error("outbox round failed", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
