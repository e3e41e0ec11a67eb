import DequeModule
import Synchronization
import TickwireModel

/// Topics, subscriptions and fan-out of committed events. Knows nothing about HTTP.
///
/// The store calls `publish` on its writer queue right after each commit, so events arrive here in id order. Under
/// one lock the hub encodes each event once (`SharedEvent`), keeps it in a bounded in-memory history, and appends a
/// reference to the queue of every subscriber whose interest matches (subscribers are indexed by topic, so an event
/// only visits the subscribers of its topic). It never waits on a connection: a queue that grows past its bounds ends
/// that subscription with `slow_consumer`. Each connection's own task drains its queue and writes to its socket until
/// it has caught up; then it attaches a `ChannelSink` and the hub writes live events to the connection's channel
/// itself, one job per event loop (publishes that come while a loop is busy join its pending job), with no task woken
/// per subscriber.
///
/// Resume: `subscribe(after:)` registers the subscriber and, under the same lock, copies the matching events after
/// the requested position from the history; positions older than the history are read from the store's event log by
/// the subscription itself before it serves its queue. Live events queue up meanwhile, and ids already handed out are
/// skipped, so the seam between replay and live has no gap and no duplicate.
public final class Hub: EventPublisher {
    struct Entry {
        let subscription: Subscription
        let filtered: Bool
    }

    struct State {
        var head: Int64
        var history: Deque<SharedEvent> = []
        var byTopic: [Topic: [Int: Entry]] = [:]
        var all: [Int: Subscription] = [:]
        var nextId = 1
        var closed = false
        var published = 0
        var slowConsumerDrops = 0
    }

    /// What the admin page shows: how many subscribers, on which topics, and totals since the process started.
    public struct Statistics: Sendable, Equatable {
        public var head: Int64
        public var subscribers: Int
        public var subscribersByTopic: [String: Int]
        public var published: Int
        public var slowConsumerDrops: Int
    }

    public let configuration: HubConfiguration
    let metrics = HubMetrics()
    /// Writes to subscribers attached to a `ChannelSink`, waiting for their event loops.
    let directQueue = DirectQueue()
    private let state: Mutex<State>

    /// - Parameter head: the id of the newest event already in the log when the hub starts.
    public init(head: Int64, configuration: HubConfiguration = .init()) {
        self.configuration = configuration
        self.state = Mutex(State(head: head))
    }

    /// The id of the newest event published.
    public var head: Int64 { state.withLock { $0.head } }

    public var subscriberCount: Int { state.withLock { $0.all.count } }

    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                head: state.head, subscribers: state.all.count,
                subscribersByTopic: Dictionary(
                    uniqueKeysWithValues: state.byTopic.filter { !$0.value.isEmpty }.map {
                        ($0.key.rawValue, $0.value.count)
                    }),
                published: state.published, slowConsumerDrops: state.slowConsumerDrops)
        }
    }

    // MARK: - Publishing

    public func publish(_ events: [Event]) {
        var dropped: [Subscription] = []
        var direct = DirectWrites()
        state.withLock { state in
            for event in events where event.id > state.head {
                let shared = SharedEvent(event)
                state.head = event.id
                state.published += 1
                state.history.append(shared)
                if state.history.count > configuration.historySize { state.history.removeFirst() }
                guard let entries = state.byTopic[event.topic] else { continue }
                let size = shared.size
                for entry in entries.values {
                    switch entry.subscription.enqueue(.event(shared), size: size, filtered: entry.filtered) {
                    case .queued, .skipped: break
                    case .direct(let bytes, let sink):
                        direct.add(bytes, isEvent: true, for: entry.subscription, via: sink)
                    case .overflowed: dropped.append(entry.subscription)
                    }
                }
            }
            if !direct.isEmpty { directQueue.submit(direct, hub: self) }
            for subscription in dropped { Self.unregister(subscription, in: &state) }
            state.slowConsumerDrops += dropped.count
        }
        metrics.published.increment(by: Int64(events.count))
        if !dropped.isEmpty {
            metrics.slowConsumerDrops.increment(by: Int64(dropped.count))
            metrics.subscribers.decrement(by: Double(dropped.count))
        }
    }

    /// Queues a heartbeat for every subscriber with nothing queued. Called by a ticker, not per connection.
    public func heartbeat() {
        let subscriptions = state.withLock { Array($0.all.values) }
        for subscription in subscriptions { subscription.enqueueHeartbeat() }
    }

    // MARK: - Subscribing

    /// Registers a subscriber.
    /// - Parameters:
    ///   - position: the last event id the client has seen; `nil` for live events only. Events after it are
    ///     replayed first. A position ahead of the log yields a `reset` item.
    ///   - log: where events older than the in-memory history are read from.
    ///   - holder: the credentials the subscriber authenticated with, so that their expiry or revocation can end it.
    public func subscribe(
        _ interest: Interest, after position: Int64? = nil, log: (any EventLogReader)? = nil,
        holder: StreamHolder? = nil
    ) throws(Subscription.EndReason) -> Subscription {
        let subscription = try state.withLock { state throws(Subscription.EndReason) -> Subscription in
            guard !state.closed else { throw .shuttingDown }
            let id = state.nextId
            state.nextId += 1
            let head = state.head
            let start = position.map { min($0, head) } ?? head
            let subscription = Subscription(
                id: id, interest: interest, after: start, hub: self, log: log, holder: holder, limits: configuration)
            state.all[id] = subscription
            for (topic, filtered) in interest.routes {
                state.byTopic[topic, default: [:]][id] = Entry(subscription: subscription, filtered: filtered)
            }
            guard let position else { return subscription }
            if position > head {
                _ = subscription.enqueue(.reset(reason: "unknown_position", lastEventId: head), size: 0)
                return subscription
            }
            // History covers (firstInHistory - 1, head]; anything older comes from the log.
            let firstInHistory = state.history.first?.event.id ?? head + 1
            if position + 1 < firstInHistory {
                subscription.startReplay((position + 1)...(firstInHistory - 1))
            }
            for shared in state.history where shared.event.id > position && interest.matches(shared.event) {
                _ = subscription.enqueue(.event(shared), size: 0)
            }
            return subscription
        }
        metrics.subscribers.increment()
        return subscription
    }

    /// Changes what a live subscription receives from now on (a WebSocket `subscribe` or `unsubscribe`).
    public func update(_ subscription: Subscription, to interest: Interest) {
        state.withLock { state in
            guard state.all[subscription.id] != nil else { return }
            for topic in subscription.changeInterest(to: interest).routes.keys {
                state.byTopic[topic]?[subscription.id] = nil
            }
            for (topic, filtered) in interest.routes {
                state.byTopic[topic, default: [:]][subscription.id] = Entry(
                    subscription: subscription, filtered: filtered)
            }
        }
    }

    /// Ends a subscription the hub gave up on (a directly written client that stopped reading).
    func drop(_ subscription: Subscription, reason: Subscription.EndReason) {
        let removed = state.withLock { state in
            let removed = Self.unregister(subscription, in: &state)
            if removed, reason == .slowConsumer { state.slowConsumerDrops += 1 }
            return removed
        }
        subscription.end(reason)
        guard removed else { return }
        metrics.subscribers.decrement()
        if reason == .slowConsumer { metrics.slowConsumerDrops.increment() }
    }

    func remove(_ subscription: Subscription) {
        let removed = state.withLock { state in Self.unregister(subscription, in: &state) }
        if removed { metrics.subscribers.decrement() }
    }

    /// Ends the subscriptions whose holder matches (credentials revoked or expired); returns how many.
    @discardableResult
    public func end(where matches: (StreamHolder) -> Bool, reason: Subscription.EndReason) -> Int {
        let ended = state.withLock { state in
            let ended = state.all.values.filter { subscription in subscription.holder.map(matches) ?? false }
            for subscription in ended { Self.unregister(subscription, in: &state) }
            return ended
        }
        for subscription in ended { subscription.end(reason) }
        metrics.subscribers.decrement(by: Double(ended.count))
        return ended.count
    }

    /// Ends every subscription (graceful shutdown) and refuses new ones.
    public func close() {
        let subscriptions = state.withLock { state in
            state.closed = true
            defer {
                state.all = [:]
                state.byTopic = [:]
            }
            return Array(state.all.values)
        }
        for subscription in subscriptions { subscription.end(.shuttingDown) }
        metrics.subscribers.decrement(by: Double(subscriptions.count))
    }

    @discardableResult
    private static func unregister(_ subscription: Subscription, in state: inout State) -> Bool {
        guard state.all.removeValue(forKey: subscription.id) != nil else { return false }
        for topic in subscription.interest.routes.keys {
            state.byTopic[topic]?[subscription.id] = nil
            if state.byTopic[topic]?.isEmpty == true { state.byTopic[topic] = nil }
        }
        return true
    }
}
