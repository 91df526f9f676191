import Dispatch
import Synchronization

/// A value computed on another thread while the caller goes on; `value` waits for it. For the few large
/// parses of a project load that need nothing else loaded, so both cores work.
final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            let value = work()
            self.result.withLock { $0 = value }
            self.done.signal()
        }
    }

    var value: Value {
        done.wait()
        defer { done.signal() }
        guard let value = result.withLock({ $0 }) else { preconditionFailure("the worker sets the value before it signals") }
        return value
    }
}
