import CobrandCore
import CobrandServer
import CobrandStore
import CobrandUseCases
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

/// A CRM stand-in: records every POST and answers with `status`.
final class Receiver: Sendable {
    struct Delivery: Sendable { let key: String; let type: String; let body: Data; let signed: Bool }
    let secret = Data("receiver-secret-16".utf8)
    let deliveries = NIOLockedValueBox<[Delivery]>([])
    let status = NIOLockedValueBox<HTTPResponse.Status>(.ok)

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let timestamp = Int64(request.headers[HTTPField.Name("Cobrand-Timestamp")!] ?? "") ?? 0
            let signed = Webhook.verify(header: request.headers[HTTPField.Name("Cobrand-Signature")!] ?? "", body: body, timestamp: timestamp,
                                        secret: self.secret)
            self.deliveries.withLockedValue {
                $0.append(Delivery(key: request.headers[HTTPField.Name("Idempotency-Key")!] ?? "",
                                   type: request.headers[HTTPField.Name("Cobrand-Event")!] ?? "", body: body, signed: signed))
            }
            return self.status.withLockedValue { $0 }
        }
        router.post("/moved") { _, _ in Response(status: .temporaryRedirect, headers: [.location: "/hook"]) }
        return router
    }
}

@Suite("CRM outbox delivery")
struct OutboxDelivererTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func database(leads: Int) throws -> AppDatabase {
        let database = try AppDatabase(DatabaseQueue())
        for index in 0..<leads {
            try database.record(Lead(partner: "alpha", campaign: "launch", asset: nil, locale: "en-US", source: "landing",
                                     email: EmailAddress("p\(index)@acme.com")!), ipHash: "h", now: now)
        }
        return database
    }

    @Test("due rows are POSTed in order, signed, with their key; 2xx marks them delivered")
    func delivers() async throws {
        let receiver = Receiver()
        let database = try database(leads: 3)
        let now = self.now
        try await Application(router: receiver.router).test(.live) { client in
            let deliverer = OutboxDeliverer(database: database, url: URL(string: "http://127.0.0.1:\(client.port!)/hook")!,
                                            secret: receiver.secret, policy: .init(base: 0.01, cap: 0.02, maxAttempts: 3), now: { now })
            let round1 = try await deliverer.deliverDue()
            #expect(round1 == .init(delivered: 3))
            let round2 = try await deliverer.deliverDue()
            #expect(round2 == .init())
        }
        let rows = try await database.outbox()
        let got = receiver.deliveries.withLockedValue { $0 }
        #expect(got.map(\.key) == rows.map(\.eventKey))
        #expect(got.allSatisfy { $0.signed && $0.type == "lead.created" })
        #expect(got.map { String(decoding: $0.body, as: UTF8.self) } == rows.map(\.payload))
        #expect(rows.allSatisfy { $0.status == .delivered && $0.attempts == 1 })
    }

    @Test("one round of the serve loop, by its injected clock: an expired approval expires and its event goes out with the rest, no sleeping")
    func serviceRound() async throws {
        let receiver = Receiver()
        let database = try database(leads: 1)
        let start = now
        let clock = NIOLockedValueBox(start)
        let deal = try await database.register(DealRequest(partner: "alpha", domain: "acme.com", accountName: "Acme", value: Money(amountMinor: 100, currency: "USD"),
                                                     products: ["P"], expectedClose: "2027-01-01"), rules: DealRules(), idempotencyKey: nil, now: start).deal
        _ = try database.decide(deal.id, .approve, note: nil, rules: DealRules(expiryDays: 1), now: start)
        try await Application(router: receiver.router).test(.live) { client in
            let deliverer = OutboxDeliverer(database: database, url: URL(string: "http://127.0.0.1:\(client.port!)/hook")!, secret: receiver.secret,
                                            policy: .init(base: 0.01, cap: 0.02, maxAttempts: 3), now: { clock.withLockedValue { $0 } })
            let service = OutboxService(database: database, deliverer: deliverer, logger: Logger(label: "test"), now: { clock.withLockedValue { $0 } })
            let first = try await service.round()
            #expect(first.expired.isEmpty && first.delivered == 3, "lead.created, deal.registered, deal.approved and nothing expired yet")
            clock.withLockedValue { $0 = start.addingTimeInterval(86_400) }
            let second = try await service.round()
            #expect(second.expired.map(\.id) == [deal.id] && second.expired.first?.status == .expired && second.delivered == 1)
        }
        #expect(receiver.deliveries.withLockedValue { $0.map(\.type) } == ["lead.created", "deal.registered", "deal.approved", "deal.expired"])
    }

    @Test("a failing CRM stops the round at the first row, which backs off, is parked as dead after max attempts, and can be retried")
    func failures() async throws {
        let receiver = Receiver()
        receiver.status.withLockedValue { $0 = .internalServerError }
        let database = try database(leads: 2)
        try await Application(router: receiver.router).test(.live) { client in
            let clock = NIOLockedValueBox(now)
            let deliverer = OutboxDeliverer(database: database, url: URL(string: "http://127.0.0.1:\(client.port!)/hook")!,
                                            secret: receiver.secret, policy: .init(base: 10, cap: 100, maxAttempts: 2),
                                            now: { clock.withLockedValue { $0 } })
            let round3 = try await deliverer.deliverDue()
            #expect(round3 == .init(failed: 1))
            let first = try await #require(try database.outbox().first)
            #expect(first.status == .pending && first.attempts == 1 && first.lastError == "HTTP 500")
            #expect(first.nextAttemptAt >= now.addingTimeInterval(5) && first.nextAttemptAt < now.addingTimeInterval(10))
            let round4 = try await deliverer.deliverDue()
            #expect(round4 == .init())  // still backing off
            clock.withLockedValue { $0 = $0.addingTimeInterval(11) }
            // Second failure of row 1 parks it; row 2 is tried (and fails) in the same round.
            let round5 = try await deliverer.deliverDue()
            #expect(round5 == .init(failed: 1, dead: 1))
            await #expect(try database.outbox().map(\.status) == [.dead, .pending])
            receiver.status.withLockedValue { $0 = .ok }
            await #expect(try database.retryDead(now: clock.withLockedValue { $0 }) == 1)
            clock.withLockedValue { $0 = $0.addingTimeInterval(30) }
            let round6 = try await deliverer.deliverDue()
            #expect(round6 == .init(delivered: 2))
        }
        #expect(receiver.deliveries.withLockedValue { $0.count } == 5)
    }

    @Test("a redirect is a failure, never followed")
    func redirect() async throws {
        let receiver = Receiver()
        let database = try database(leads: 1)
        let now = self.now
        try await Application(router: receiver.router).test(.live) { client in
            let deliverer = OutboxDeliverer(database: database, url: URL(string: "http://127.0.0.1:\(client.port!)/moved")!,
                                            secret: receiver.secret, policy: .init(base: 1, cap: 1, maxAttempts: 3), now: { now })
            let round7 = try await deliverer.deliverDue()
            #expect(round7 == .init(failed: 1))
        }
        #expect(receiver.deliveries.withLockedValue { $0.isEmpty })
        await #expect(try database.outbox().first?.lastError == "HTTP 307")
    }
}
