import CobrandCore
import CobrandFiles
import CobrandStore
import Dispatch
import Foundation
import Logging

/// Collects tracking events from request handlers without making them wait for the disk, and writes them
/// in batches: one transaction per tick instead of one per hit.
///
/// When the database cannot take a batch (locked, being vacuumed, disk full) nothing answered is dropped
/// and the server keeps running: the batch goes to the `EventSpool` on disk, and the spool is replayed in
/// order, with backoff, once the database answers again. Should the spool fail too (the same full disk)
/// or pass `Limits.spoolBytes`, batches wait in memory up to `Limits.queuedEvents`; past that `record`
/// refuses, and the hit is answered `503` rather than a `200` that would be lost.
///
/// Inserts run on a queue of their own, so a database that blocks for seconds never delays a tick. While
/// an insert is under way the next events stay queued for the insert after it; once one has taken longer
/// than `Limits.spoolAfter`, the next batches are spooled. (Spooling every batch that meets a busy worker
/// cost the server a tenth of its CPU under load, encoding and reading back what a moment later would
/// have gone straight in.) A hard crash loses only the events queued since the last tick, or since
/// `Limits.spoolAfter` while an insert is slow, and the batch being inserted.
public final class EventWriter: @unchecked Sendable {
    // Safe: `lock` guards `state`, `spoolLock` guards `spool` and `stranded`; the database is used only on
    // `worker`. Lock order: `spoolLock`, then `lock`.
    public struct Limits: Sendable, Equatable {
        /// How often queued events are handed to the database. Often, so each insert is short: one long insert
        /// every 20 ms took the event loops' core in bursts and doubled the pixel's p99 (`scripts/bench-track`).
        public var interval: Duration = .milliseconds(5)
        /// How long an insert may take before the batches behind it go to the spool instead of waiting. Short:
        /// what waits in memory is lost in a crash (at 100 ms, `CrashLossTests` lost 185 ms of hits on a loaded machine).
        public var spoolAfter: Duration = .milliseconds(20)
        /// Events kept in memory when neither the database nor the spool takes them; more get 503.
        public var queuedEvents = 100_000
        /// Bytes of spooled events on disk before new batches wait in memory instead.
        public var spoolBytes: Int64 = 256 << 20
        /// The first retry after a failure; doubling up to `retryMax`.
        public var retryMin: Duration = .milliseconds(100)
        public var retryMax: Duration = .seconds(5)

        public init() {}
    }

    /// What `/healthz` and `/readyz` report.
    public enum Health: Sendable, Equatable {
        case writing
        /// The database is not taking events; they wait on disk (and in memory) to be replayed.
        case spooling(waiting: Int)
        /// Past the limits: new hits are refused with 503.
        case refusing(waiting: Int)
    }

    private struct State {
        var pending: [AssetEvent] = []
        var sequence: UInt64
        /// Since when the worker is writing; ticks leave events queued, or spool them once it is slow.
        var busySince: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        var backoff: Duration
        /// Events in `stranded` and in the spool, for `health` and `record`.
        var waitingInMemory = 0
        var waitingOnDisk = 0
        var failing = false
    }

    public let database: any EventSink
    public let limits: Limits
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let clock = ContinuousClock()
    private let lock = NSLock()
    private var state: State
    private let spoolLock = NSLock()
    private var spool: EventSpool?
    /// Batches neither the database nor the spool took, oldest first.
    private var stranded: [Batch] = []
    private let worker = DispatchQueue(label: "cobrand.events.writer", qos: .userInitiated)
    private let ticks = DispatchQueue(label: "cobrand.events.tick", qos: .userInitiated)
    private var timer: DispatchSourceTimer?

    typealias Batch = (sequence: UInt64, events: [AssetEvent])

    /// `spool` is where events wait while the database is unavailable; without one they wait in memory only.
    public init(database: any EventSink, spool: EventSpool? = nil, limits: Limits = Limits(),
                logger: Logger = Logger(label: "cobrand.events", factory: { _ in SwiftLogNoOpLogHandler() }),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.spool = spool
        self.limits = limits
        self.logger = logger
        self.now = now
        state = State(sequence: spool?.nextSequence ?? 1, backoff: limits.retryMin)
        state.waitingOnDisk = spool.map { $0.isEmpty ? 0 : 1 } ?? 0
    }

    /// Queues an event and returns at once; false when the writer is past its limits and the caller must
    /// answer 503.
    @discardableResult
    public func record(_ event: AssetEvent) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard state.pending.count + state.waitingInMemory < limits.queuedEvents else { return false }
        state.pending.append(event)
        return true
    }

    public var health: Health {
        lock.lock()
        defer { lock.unlock() }
        let waiting = state.pending.count + state.waitingInMemory + state.waitingOnDisk
        if state.pending.count + state.waitingInMemory >= limits.queuedEvents { return .refusing(waiting: waiting) }
        return state.waitingInMemory + state.waitingOnDisk > 0 || state.failing ? .spooling(waiting: waiting) : .writing
    }

    /// Starts ticking every `limits.interval` on a queue of its own, so ticks keep time when the
    /// cooperative thread pool is busy.
    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: ticks)
        let parts = limits.interval.components
        let interval = DispatchTimeInterval.nanoseconds(Int(parts.seconds) * 1_000_000_000 + Int(parts.attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(1))
        timer.setEventHandler { [weak self] in self?.tick() }
        lock.lock()
        self.timer = timer
        lock.unlock()
        timer.resume()
    }

    /// Stops ticking and writes everything queued: to the database, or, if it still refuses, to the spool
    /// (replayed at the next start). Returns how many events could be kept nowhere (0 unless the disk is full).
    @discardableResult
    public func stop() -> Int {
        lock.lock()
        let timer = self.timer
        self.timer = nil
        lock.unlock()
        timer?.cancel()
        ticks.sync {}
        flush()
        spoolLock.lock()
        defer { spoolLock.unlock() }
        return stranded.reduce(0) { $0 + $1.events.count }
    }

    /// Writes what is queued now and waits for it, spooling on failure; returns how many events reached
    /// the database (replayed ones included). For shutdown, tests, benchmarks and commands.
    @discardableResult
    public func flush() -> Int {
        worker.sync {
            // Taken on the worker, so no tick can hand it a newer batch in between.
            lock.lock()
            let batch = takeBatchLocked()
            state.busySince = clock.now
            lock.unlock()
            return write(batch)
        }
    }

    /// Every interval: hand the batch to the worker; while it is busy, leave the events queued for the
    /// next batch, or spool them once it is slow or backing off.
    func tick() {
        lock.lock()
        let now = clock.now
        let waiting = state.waitingInMemory + state.waitingOnDisk > 0
        let backingOff = state.retryAt.map { now < $0 } ?? false
        if let since = state.busySince, !state.failing, now - since < limits.spoolAfter {
            lock.unlock()
            return
        }
        let batch = takeBatchLocked()
        if state.busySince == nil, !backingOff, !batch.events.isEmpty || waiting {
            state.busySince = now
            lock.unlock()
            worker.async { _ = self.write(batch) }
            return
        }
        lock.unlock()
        guard !batch.events.isEmpty else { return }
        spoolLock.lock()
        stranded.append(batch)
        spoolStrandedLocked(separate: false)
        spoolLock.unlock()
    }

    private func takeBatchLocked() -> Batch {
        let batch = (sequence: state.sequence, events: state.pending)
        if !state.pending.isEmpty {
            state.pending.removeAll(keepingCapacity: true)
            state.sequence += 1
        }
        return batch
    }

    /// On `worker`: replay what waits from before `batch` (spool segments, then stranded batches), then
    /// `batch`, in order. On the first failure the rest is spooled and a retry scheduled.
    private func write(_ batch: Batch) -> Int {
        var written = 0
        defer {
            lock.lock()
            state.busySince = nil
            lock.unlock()
        }
        spoolLock.lock()
        spool?.close()
        let reader = spool
        // Segments and batches spooled after `batch` was taken are newer: they wait for the next round.
        let segments = reader?.closed.filter { $0.sequence < batch.sequence } ?? []
        var older = stranded.filter { $0.sequence < batch.sequence }
        stranded.removeAll { $0.sequence < batch.sequence }
        spoolLock.unlock()
        do {
            for segment in segments {
                guard let reader else { break }
                let (events, skipped) = try reader.read(segment)
                if skipped > 0 { logger.warning("events: spooled lines unreadable", metadata: ["segment": "\(segment.name)", "lines": "\(skipped)"]) }
                let at = now()
                if try database.insert(events, spoolSegment: segment.name, now: at) { written += events.count }
                spoolLock.lock()
                defer { spoolLock.unlock() }
                try self.spool?.remove(segment)
                updateWaitingLocked()
            }
            while let first = older.first {
                try database.insert(first.events)
                written += first.events.count
                older.removeFirst()
            }
            let events = batch.events
            try database.insert(events)
            written += batch.events.count
        } catch {
            spoolLock.lock()
            stranded = (older + [batch] + stranded).filter { !$0.events.isEmpty }.sorted { $0.sequence < $1.sequence }
            // Each failed batch in a segment of its own: it is older than the segment open now.
            spoolStrandedLocked(separate: true)
            spoolLock.unlock()
            lock.lock()
            let backoff = state.backoff
            state.retryAt = clock.now + backoff
            state.backoff = min(backoff * 2, limits.retryMax)
            let first = !state.failing
            state.failing = true
            lock.unlock()
            if first {
                logger.error("events: the database refused a batch; spooling and retrying", metadata: ["error": "\(error)"])
            } else {
                logger.debug("events: retry failed", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
            }
            return written
        }
        spoolLock.lock()
        updateWaitingLocked()
        spoolLock.unlock()
        lock.lock()
        let recovered = state.failing
        state.failing = false
        state.retryAt = nil
        state.backoff = limits.retryMin
        lock.unlock()
        if recovered { logger.notice("events: the database takes events again", metadata: ["replayed": "\(written)"]) }
        return written
    }

    /// Under `spoolLock`: move stranded batches to the spool, oldest first, while it takes them.
    private func spoolStrandedLocked(separate: Bool) {
        defer { updateWaitingLocked() }
        guard var spool else { return }
        defer { self.spool = spool }
        while let first = stranded.first {
            guard spool.bytes < limits.spoolBytes else { return }
            do {
                try spool.append(first.events, sequence: first.sequence, separate: separate)
            } catch {
                logger.error("events: the spool refused a batch; keeping it in memory", metadata: ["error": "\(error)"])
                return
            }
            stranded.removeFirst()
        }
    }

    /// Under `spoolLock`: publish the counts `record` and `health` read.
    private func updateWaitingLocked() {
        let inMemory = stranded.reduce(0) { $0 + $1.events.count }
        let onDisk = spool.map { $0.isEmpty ? 0 : max($0.events, 1) } ?? 0
        lock.lock()
        state.waitingInMemory = inMemory
        state.waitingOnDisk = onDisk
        lock.unlock()
    }
}
