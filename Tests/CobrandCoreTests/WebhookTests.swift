import CobrandCore
import Foundation
import Testing

@Suite("Webhook signing and retries")
struct WebhookTests {
    @Test("the signature is HMAC-SHA256 over timestamp.body, as Python's hmac computes it")
    func signature() {
        let secret = Data("shared-secret-123".utf8), body = Data(#"{"a":1}"#.utf8)
        let header = Webhook.signature(body: body, timestamp: 1_800_000_000, secret: secret)
        #expect(header == "v1=f1aa10c8abeca733ac98262cc64248ef4a27b18610981606ec408df3fbad09ca")
        #expect(Webhook.verify(header: header, body: body, timestamp: 1_800_000_000, secret: secret))
        #expect(!Webhook.verify(header: header, body: Data(#"{"a":2}"#.utf8), timestamp: 1_800_000_000, secret: secret))
        #expect(!Webhook.verify(header: header, body: body, timestamp: 1_800_000_001, secret: secret))
        #expect(!Webhook.verify(header: header, body: body, timestamp: 1_800_000_000, secret: Data("other-secret-456".utf8)))
    }

    @Test("backoff doubles from the base up to the cap, jittered into its upper half; dead after the last attempt")
    func backoff() {
        let policy = Webhook.RetryPolicy(base: 2, cap: 60, maxAttempts: 5)
        #expect(policy.delay(afterAttempt: 1, unit: 0) == 1)
        #expect(policy.delay(afterAttempt: 1, unit: 0.999_999) < 2)
        #expect(policy.delay(afterAttempt: 3, unit: 1) == 8)
        #expect(policy.delay(afterAttempt: 10, unit: 1) == 60)
        #expect(!policy.isDead(afterAttempts: 4) && policy.isDead(afterAttempts: 5))
    }
}
