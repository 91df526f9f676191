import CobrandCore
import CobrandStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// Sends outbox rows to the CRM webhook in order: a signed JSON POST per row (`Webhook.signature`), the
/// row's key as `Idempotency-Key`, marked delivered on a 2xx only. On a failure the row waits for its
/// backoff and the round stops, so later rows never overtake it; after `maxAttempts` it is parked as dead
/// and the rest go on. Delivery is at least once: a crash between the CRM's answer and the bookkeeping
/// resends that row with the same key, which receivers use to drop the repeat. Several servers on one
/// database deliver one at a time: a round holds the database's `outbox` lock, and a node that finds it
/// taken leaves the round to the holder (a node that dies lets it go with its connection).
public struct OutboxDeliverer: Sendable {
    public let database: any Store
    public let url: URL
    public let secret: Data
    public let policy: Webhook.RetryPolicy
    public let now: @Sendable () -> Date
    let session: URLSession

    public init(database: any Store, url: URL, secret: Data, policy: Webhook.RetryPolicy, timeout: TimeInterval = 10,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.url = url
        self.secret = secret
        self.policy = policy
        self.now = now
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    public struct Round: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var dead = 0
        /// Another process held the outbox: this round sent nothing.
        public var elsewhere = false

        public init(delivered: Int = 0, failed: Int = 0, dead: Int = 0, elsewhere: Bool = false) {
            self.delivered = delivered
            self.failed = failed
            self.dead = dead
            self.elsewhere = elsewhere
        }
    }

    /// Delivers what is due, oldest first, until a failure or nothing is due.
    public func deliverDue(logger: Logger? = nil) async throws -> Round {
        try await database.tryLock("outbox") { try await deliverHeld(logger: logger) } ?? Round(elsewhere: true)
    }

    private func deliverHeld(logger: Logger?) async throws -> Round {
        var round = Round()
        while true {
            let due = try await database.dueOutbox(now: now(), limit: 50)
            guard !due.isEmpty else { return round }
            for row in due {
                let failure = await send(row)
                guard let failure else {
                    try await database.markDelivered(row.id, now: now())
                    round.delivered += 1
                    continue
                }
                let attempts = row.attempts + 1
                let dead = policy.isDead(afterAttempts: attempts)
                let wait = policy.delay(afterAttempt: attempts, unit: Double.random(in: 0..<1))
                try await database.markFailed(row.id, error: failure, dead: dead, retryAt: now().addingTimeInterval(wait))
                logger?.warning("webhook delivery failed", metadata: [
                    "outbox": "\(row.id)", "type": "\(row.type)", "attempt": "\(attempts)", "error": "\(failure)", "dead": "\(dead)",
                ])
                if dead {
                    round.dead += 1
                    continue  // parked: the rows behind it go on
                }
                round.failed += 1
                return round
            }
        }
    }

    /// One POST; nil on a 2xx, else why not.
    func send(_ row: AppDatabase.OutboxRow) async -> String? {
        let body = Data(row.payload.utf8)
        let timestamp = Int64(now().timeIntervalSince1970)
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(row.eventKey, forHTTPHeaderField: "Idempotency-Key")
        request.setValue(row.type, forHTTPHeaderField: "Cobrand-Event")
        request.setValue(String(timestamp), forHTTPHeaderField: "Cobrand-Timestamp")
        request.setValue(Webhook.signature(body: body, timestamp: timestamp, secret: secret), forHTTPHeaderField: "Cobrand-Signature")
        do {
            let (_, response) = try await session.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode else { return "no HTTP response" }
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return error.localizedDescription
        }
    }

    /// A redirect is a failure, never followed: the signed body goes only where it was configured to.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}
