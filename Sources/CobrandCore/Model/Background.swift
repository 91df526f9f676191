import Dispatch
import Foundation
import Synchronization

/// A value computed on another thread while the caller goes on; `value` waits for it. For the parts of a
/// project load that need nothing else loaded, so both cores work.
final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// On a thread of its own, not a GCD worker: the caller blocks in `value`, and on a two-core machine every
    /// GCD worker may be such a caller (parallel tests, commands loading from async code), with none left to
    /// run the work.
    init(_ work: @escaping @Sendable () -> Value) {
        Thread {
            let value = work()
            self.result.withLock { $0 = value }
            self.done.signal()
        }.start()
    }

    var value: Value {
        done.wait()
        defer { done.signal() }
        guard let value = result.withLock({ $0 }) else { preconditionFailure("the worker sets the value before it signals") }
        return value
    }
}
