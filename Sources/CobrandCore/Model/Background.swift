import Dispatch
import Synchronization

/// One serial queue for all `Background` work. A queue of its own always gets a thread (the callers wait in
/// `value`, and they may be every worker of GCD's global pool), and it adds one busy thread, not one per job:
/// with a thread per job, parallel tests starved a `cobrand serve` subprocess enough to break its 50 ms
/// crash-loss bound. Jobs never wait for each other, so running them in turn cannot deadlock.
private let backgroundQueue = DispatchQueue(label: "cobrand.background")

/// A value computed on another thread while the caller goes on; `value` waits for it. For the parts of a
/// project load that need nothing else loaded, so both cores work.
final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Value) {
        backgroundQueue.async {
            let value = work()
            self.result.withLock { $0 = value }
            self.done.signal()
        }
    }

    var value: Value {
        // A job waiting for another would wait for itself: the queue runs one at a time.
        dispatchPrecondition(condition: .notOnQueue(backgroundQueue))
        done.wait()
        defer { done.signal() }
        guard let value = result.withLock({ $0 }) else { preconditionFailure("the worker sets the value before it signals") }
        return value
    }
}

/// Items taken in turn by whichever thread asks next, so work shared between the caller and a `Background`
/// job ends on both at about the same time, whatever else each had to do first.
final class Turns<Item: Sendable>: Sendable {
    private let items: [Item]
    private let taken = Atomic<Int>(0)

    init(_ items: [Item]) { self.items = items }

    /// The next item nobody has taken; nil when all are.
    func next() -> Item? {
        let index = taken.wrappingAdd(1, ordering: .relaxed).oldValue
        return index < items.count ? items[index] : nil
    }
}
