import DequeModule
import TickwireModel

extension Subscription {
    /// A subscription's life as a value: replaying (events older than the hub's history come from the log while live
    /// ones queue) → queued (the connection's task takes what is queued) → attached (the hub writes live items to
    /// the connection directly) → ended. Methods return what the caller must do; the caller resumes continuations and
    /// writes outside the lock. Generic over what waits, so that tests drive it with plain values.
    struct StateMachine<Waiter, EndWaiter, Sink> {
        enum Phase {
            case replaying(ClosedRange<Int64>)
            case queued
            case attached(Sink)
            case ended(EndReason)
        }

        /// What a publish did with an item.
        enum Enqueue {
            /// Not for this subscriber (its filters), or it has ended.
            case skipped
            /// Queued; wake the connection's task if it waits.
            case queued(wake: Waiter?)
            /// Attached: the caller writes the item to the sink.
            case direct(Sink)
            /// The queue overflowed its bounds: the subscription has ended with `slow_consumer`.
            case overflowed(Ending)
        }

        /// What an item queued by the connection or the hub's timer (not a publish) needs.
        enum Extra {
            case none
            case wake(Waiter?)
            case write(Sink)
        }

        /// Who must hear that the subscription ended: resume each with `reason` (the waiter by throwing it).
        struct Ending {
            var reason: EndReason
            var waiter: Waiter?
            var endWaiter: EndWaiter?
            var endHandler: (@Sendable (EndReason) -> Void)?
        }

        enum Take {
            case items(Deque<Item>)
            /// Everything queued before the end has been taken.
            case ended(EndReason)
            case empty
        }

        private(set) var phase: Phase = .queued
        private(set) var queue: Deque<Item> = []
        private(set) var queuedBytes = 0
        var interest: Interest
        let maxQueuedEvents: Int
        let maxQueuedBytes: Int
        private var waiter: Waiter?
        private var endWaiter: EndWaiter?
        private var endHandler: (@Sendable (EndReason) -> Void)?

        init(interest: Interest, maxQueuedEvents: Int, maxQueuedBytes: Int) {
            self.interest = interest
            self.maxQueuedEvents = maxQueuedEvents
            self.maxQueuedBytes = maxQueuedBytes
        }

        var ended: EndReason? {
            if case .ended(let reason) = phase { return reason }
            return nil
        }

        var replayRange: ClosedRange<Int64>? {
            if case .replaying(let range) = phase { return range }
            return nil
        }

        // MARK: Replay

        /// Events in `range` come from the log before anything queued.
        mutating func startReplay(_ range: ClosedRange<Int64>) {
            guard case .queued = phase, queue.isEmpty else { return }
            phase = .replaying(range)
        }

        /// A page of the replay was read; `remaining` is what is left of it.
        mutating func replayed(remaining: ClosedRange<Int64>?) {
            guard case .replaying = phase else { return }
            phase = remaining.map(Phase.replaying) ?? .queued
        }

        // MARK: Items

        /// A published item. `passes`: whether the subscriber's filters let it through.
        mutating func enqueue(_ item: Item, size: Int, passes: Bool = true) -> Enqueue {
            switch phase {
            case .ended: return .skipped
            case .attached(let sink): return passes ? .direct(sink) : .skipped
            case .queued, .replaying:
                guard passes else { return .skipped }
                if queue.count >= maxQueuedEvents || queuedBytes + size > maxQueuedBytes {
                    queue = []
                    queuedBytes = 0
                    return .overflowed(end(.slowConsumer))
                }
                queue.append(item)
                queuedBytes += size
                return .queued(wake: takeWaiter())
            }
        }

        /// An item that does not come from a publish (a heartbeat, a reply): unbounded, and with `onlyIfIdle` only
        /// queued when nothing else is.
        mutating func enqueueExtra(_ item: Item, onlyIfIdle: Bool) -> Extra {
            switch phase {
            case .ended: return .none
            case .attached(let sink): return .write(sink)
            case .queued, .replaying:
                guard !onlyIfIdle || queue.isEmpty else { return .none }
                queue.append(item)
                return .wake(takeWaiter())
            }
        }

        /// Hands live delivery to `sink` if the subscription has caught up: no replay left and nothing queued.
        mutating func attach(_ sink: Sink) -> Bool {
            guard case .queued = phase, queue.isEmpty else { return false }
            phase = .attached(sink)
            return true
        }

        /// The first end wins; later ones change nothing.
        mutating func end(_ reason: EndReason) -> Ending {
            let reason = ended ?? reason
            phase = .ended(reason)
            defer {
                waiter = nil
                endWaiter = nil
                endHandler = nil
            }
            return Ending(reason: reason, waiter: waiter, endWaiter: endWaiter, endHandler: endHandler)
        }

        // MARK: The connection's task

        /// Everything queued; once the queue is drained after an end, the reason.
        mutating func take() -> Take {
            if !queue.isEmpty {
                var taken: Deque<Item> = []
                swap(&taken, &queue)
                queuedBytes = 0
                return .items(taken)
            }
            if let ended { return .ended(ended) }
            return .empty
        }

        /// Waits for the next item: false if there is something to take already (resume at once).
        mutating func wait(_ waiter: Waiter, cancelled: Bool) -> Bool {
            guard queue.isEmpty, ended == nil, !cancelled else { return false }
            self.waiter = waiter
            return true
        }

        /// The waiting task was cancelled: resume it, if it still waits.
        mutating func cancelWait() -> Waiter? { takeWaiter() }

        /// Waits for the end: returns the reason at once if it has ended (or the task is cancelled: `.closed`).
        mutating func waitForEnd(_ waiter: EndWaiter, cancelled: Bool) -> EndReason? {
            if let ended { return ended }
            if cancelled { return .closed }
            endWaiter = waiter
            return nil
        }

        mutating func cancelEndWait() -> EndWaiter? {
            defer { endWaiter = nil }
            return endWaiter
        }

        /// Registers the one end handler; returns the reason at once if it has ended (call the handler then).
        mutating func whenEnded(_ handler: @escaping @Sendable (EndReason) -> Void) -> EndReason? {
            if let ended { return ended }
            endHandler = handler
            return nil
        }

        /// A woken waiter takes the queue itself: resuming never moves items across the continuation, so nothing is
        /// lost if the waiting task was cancelled at the same moment.
        private mutating func takeWaiter() -> Waiter? {
            defer { waiter = nil }
            return waiter
        }
    }
}
