import DequeModule
import NIOCore
import Synchronization
import TickwireModel

/// One subscriber's queue between the hub and its connection.
///
/// The hub appends to it under a lock and never waits; the connection's task takes everything queued in one call
/// (`next()`), so several events waiting for a busy socket leave in one write. The queue is bounded: a subscriber that
/// falls behind by more than `HubConfiguration.maxQueuedEvents` events or `maxQueuedBytes` bytes is ended with
/// `slow_consumer`, its queue is dropped, and it can resume from the last id it received.
public final class Subscription: Sendable {
    public enum Item: Sendable {
        case event(SharedEvent)
        /// Nothing happened for a while: transports that need it write a keep-alive.
        case heartbeat
        /// The requested position is no longer (or never was) in the log: the client must refetch its snapshot.
        /// Events that follow have ids greater than `lastEventId`.
        case reset(reason: String, lastEventId: Int64)
        /// Bytes the connection itself queued behind the events already waiting (a WebSocket reply).
        case control(ByteBuffer)
    }

    public enum EndReason: String, Sendable, Error {
        case slowConsumer = "slow_consumer"
        case closed = "closed"
        case shuttingDown = "shutting_down"
        /// The token the stream was opened with expired: reconnect with a fresh one and resume.
        case authExpired = "auth_expired"
        /// The session or key was revoked, or the user disabled.
        case revoked = "revoked"
        /// The user's role changed: reconnect (same credentials) to be authorised under the new one.
        case roleChanged = "role_changed"
    }

    typealias State = StateMachine<
        CheckedContinuation<Deque<Item>, any Error>, CheckedContinuation<EndReason, Never>, any ChannelSink
    >

    /// What `enqueue` did with an item, as the hub needs it.
    enum Enqueued {
        case queued
        /// Not for this subscriber (its filters), or it has ended.
        case skipped
        /// The subscriber is written to directly: the caller writes these bytes on the sink's loop.
        case direct(ByteBuffer, any ChannelSink)
        /// The queue overflowed its bounds and the subscription ended with `slow_consumer`.
        case overflowed
    }

    public let id: Int
    /// Who opened it, if the server authenticates streams.
    public let holder: StreamHolder?
    private let state: Mutex<State>
    let limits: HubConfiguration
    private let hub: Hub
    private let log: (any EventLogReader)?
    /// The id of the newest event handed to the connection; nothing at or below it is handed again.
    private let lastHanded: Mutex<Int64>

    init(
        id: Int, interest: Interest, after position: Int64, hub: Hub, log: (any EventLogReader)?,
        holder: StreamHolder?, limits: HubConfiguration
    ) {
        self.id = id
        self.holder = holder
        self.hub = hub
        self.log = log
        self.limits = limits
        self.state = Mutex(
            State(interest: interest, maxQueuedEvents: limits.maxQueuedEvents, maxQueuedBytes: limits.maxQueuedBytes))
        self.lastHanded = Mutex(position)
    }

    public var interest: Interest { state.withLock { $0.interest } }

    /// A snapshot of the queue's state (tests and diagnostics).
    public var snapshot: Snapshot {
        state.withLock { Snapshot(queueCount: $0.queue.count, queuedBytes: $0.queuedBytes, ended: $0.ended) }
    }

    public struct Snapshot: Sendable {
        public var queueCount: Int
        public var queuedBytes: Int
        public var ended: EndReason?
    }

    /// Everything queued since the last call, waiting until there is something. Throws `EndReason` once the
    /// subscription has ended (queued items are delivered first), or `CancellationError` if the task is cancelled.
    public func next() async throws -> Deque<Item> {
        while let range = state.withLock({ $0.replayRange }) {
            let (items, remaining) = try await replayPage(range)
            state.withLock { $0.replayed(remaining: remaining) }
            if !items.isEmpty { return items }
        }
        while true {
            let items = try await take()
            let fresh = dropAlreadyHanded(items)
            if !fresh.isEmpty { return fresh }
        }
    }

    /// Queues bytes behind what is already queued, so that they reach the client in order with the events.
    public func enqueueControl(_ bytes: ByteBuffer) {
        enqueueExtra(.control(bytes), onlyIfIdle: false)
    }

    /// Hands live delivery to `sink` if the subscription has caught up: no replay left and nothing queued. From then
    /// on the hub writes matching events straight to the sink and `next()` is not called any more; the transport
    /// waits for `untilEnded()` instead. Returns false (and changes nothing) if there is something to drain first.
    public func attach(_ sink: any ChannelSink) -> Bool {
        state.withLock { $0.attach(sink) }
    }

    /// Returns once the subscription has ended, with the reason, or when the calling task is cancelled (`.closed`).
    /// A transport waits on this beside its write loop, to abort a write stuck on a client that stopped reading.
    public func untilEnded() async -> EndReason {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<EndReason, Never>) in
                let ended = state.withLock { $0.waitForEnd(continuation, cancelled: Task.isCancelled) }
                if let ended { continuation.resume(returning: ended) }
            }
        } onCancel: {
            state.withLock { $0.cancelEndWait() }?.resume(returning: .closed)
        }
    }

    /// Calls `handler` once, with the reason, when the subscription ends (at once if it already has): how a
    /// connection that no task waits on (`attach(_:)`) learns that it must finish its response. It may be called
    /// under the hub's lock (a queue overflowing on publish): it must only hand the work on, never wait.
    /// One handler per subscription.
    public func whenEnded(_ handler: @escaping @Sendable (EndReason) -> Void) {
        if let ended = state.withLock({ $0.whenEnded(handler) }) { handler(ended) }
    }

    /// Stops the subscription; the connection's pending `next()` ends with `EndReason.closed`.
    public func cancel() {
        hub.remove(self)
        end(.closed)
    }

    // MARK: - Called by the hub (under its lock)

    /// Appends an item, or returns the bytes to write if the subscription is attached to a sink.
    /// - Parameter filtered: for a live event, whether the interest's filters apply (checked under the same lock).
    func enqueue(_ item: Item, size: Int, filtered: Bool? = nil) -> Enqueued {
        let action = state.withLock { state in
            var passes = true
            if let filtered, case .event(let shared) = item {
                passes = state.interest.passes(shared.event, filtered: filtered)
            }
            return state.enqueue(item, size: size, passes: passes)
        }
        switch action {
        case .skipped: return .skipped
        case .queued(let waiter):
            waiter?.resume(returning: [])
            return .queued
        case .direct(let sink):
            return sink.bytes(for: item).map { .direct($0, sink) } ?? .skipped
        case .overflowed(let ending):
            Self.tell(ending)
            return .overflowed
        }
    }

    /// Queues a heartbeat if nothing is queued (traffic keeps the connection alive by itself).
    func enqueueHeartbeat() {
        enqueueExtra(.heartbeat, onlyIfIdle: true)
    }

    /// Events older than the hub's history, to read from the log before anything queued is served.
    func startReplay(_ range: ClosedRange<Int64>) {
        state.withLock { $0.startReplay(range) }
    }

    /// Changes the filters; the hub moves the subscription between its topics.
    func changeInterest(to interest: Interest) -> Interest {
        state.withLock { state in
            defer { state.interest = interest }
            return state.interest
        }
    }

    /// Queues an item that does not come from a publish (so it is not grouped with other writes), or writes it at
    /// once if the subscription is attached to a sink. Unbounded: the transport and the hub's timer add few of these.
    private func enqueueExtra(_ item: Item, onlyIfIdle: Bool) {
        switch state.withLock({ $0.enqueueExtra(item, onlyIfIdle: onlyIfIdle) }) {
        case .none: break
        case .wake(let waiter): waiter?.resume(returning: [])
        case .write(let sink):
            guard let bytes = sink.bytes(for: item) else { return }
            var writes = DirectWrites()
            writes.add(bytes, isEvent: false, for: self, via: sink)
            hub.directQueue.submit(writes, hub: hub)
        }
    }

    func end(_ reason: EndReason) {
        Self.tell(state.withLock { $0.end(reason) })
    }

    private static func tell(_ ending: State.Ending) {
        ending.endWaiter?.resume(returning: ending.reason)
        ending.waiter?.resume(throwing: ending.reason)
        ending.endHandler?(ending.reason)
    }

    // MARK: - Private

    private func take() async throws -> Deque<Item> {
        while true {
            switch state.withLock({ $0.take() }) {
            case .items(let items): return items
            case .ended(let reason): throw reason
            case .empty: break
            }
            try await withTaskCancellationHandler {
                _ = try await withCheckedThrowingContinuation {
                    (continuation: CheckedContinuation<Deque<Item>, any Error>) in
                    let waits = state.withLock { $0.wait(continuation, cancelled: Task.isCancelled) }
                    if !waits { continuation.resume(returning: []) }
                }
            } onCancel: {
                state.withLock { $0.cancelWait() }?.resume(throwing: CancellationError())
            }
            try Task.checkCancellation()
        }
    }

    private func dropAlreadyHanded(_ items: Deque<Item>) -> Deque<Item> {
        lastHanded.withLock { last in
            var fresh: Deque<Item> = []
            for item in items {
                if case .event(let shared) = item {
                    guard shared.event.id > last else { continue }
                    last = shared.event.id
                } else if case .reset(_, let lastEventId) = item {
                    last = max(last, lastEventId)
                }
                fresh.append(item)
            }
            return fresh
        }
    }

    func markHanded(upTo id: Int64) {
        lastHanded.withLock { $0 = max($0, id) }
    }

    /// Reads the next page of `range` from the durable log and returns it with what remains. If part of the range was
    /// pruned by retention, the client gets a `reset` instead: it must refetch, and is told so rather than silently
    /// missing events.
    private func replayPage(_ range: ClosedRange<Int64>) async throws -> (Deque<Item>, ClosedRange<Int64>?) {
        guard let log else { return ([], nil) }
        let cursor = range.lowerBound - 1
        let oldest = try await log.oldestEventId()
        if oldest.map({ range.lowerBound < $0 }) ?? true {
            markHanded(upTo: range.upperBound)
            hub.metrics.resets.increment()
            return ([.reset(reason: "retention", lastEventId: range.upperBound)], nil)
        }
        let page = try await log.events(after: cursor, limit: 500)
        guard let last = page.last, last.id < range.upperBound else {
            markHanded(upTo: range.upperBound)
            return (replayItems(page, upTo: range.upperBound), nil)
        }
        markHanded(upTo: last.id)
        return (replayItems(page, upTo: last.id), (last.id + 1)...range.upperBound)
    }

    private func replayItems(_ page: [Event], upTo bound: Int64) -> Deque<Item> {
        let interest = self.interest
        var items: Deque<Item> = []
        for event in page where event.id <= bound && interest.matches(event) {
            items.append(.event(SharedEvent(event)))
        }
        hub.metrics.replayed.increment(by: Int64(items.count))
        return items
    }
}
