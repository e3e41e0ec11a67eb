import Logging
import PostgresNIO
import TickwireModel

/// Delivers the event log to this node's publisher, in id order, whichever node wrote the events.
///
/// Every node's commits are read back from the `events` table rather than published from memory: a write on this
/// node and one on another can commit in either order relative to what this node has delivered, and only reading the
/// log past the last delivered id keeps the order identical everywhere. Ids become visible in commit order (see
/// `PostgresStore`), so reading `id > delivered` never skips an event that commits later.
///
/// Wake-ups: a local commit calls `catchUp(through:)` and waits until its own events are delivered (so a route answers
/// after the hub has them, as with SQLite); a commit on another node arrives as a `NOTIFY tickwire_events` on this
/// node's listening connection. After the listening connection is lost and regained, one catch-up replays whatever
/// was committed meanwhile.
actor LogFollower {
    static let channel = "tickwire_events"
    static let batch = 1000

    private let reader: @Sendable (_ after: Int64, _ limit: Int) async throws -> [Event]
    private let publisher: @Sendable () -> any EventPublisher
    private(set) var delivered: Int64
    /// One catch-up at a time: the actor alone would let two interleave at their reads and publish a range twice.
    private let reading = AsyncLock()

    init(
        from position: Int64, reader: @escaping @Sendable (Int64, Int) async throws -> [Event],
        publisher: @escaping @Sendable () -> any EventPublisher
    ) {
        self.delivered = position
        self.reader = reader
        self.publisher = publisher
    }

    func start(at position: Int64) { delivered = position }

    /// Reads and publishes everything committed after `delivered` (at least through `target`, when given).
    func catchUp(through target: Int64? = nil) async throws {
        try await reading.run {
            while true {
                if let target, await self.delivered >= target { return }
                let events = try await self.reader(await self.delivered, Self.batch)
                if let last = events.last { await self.deliver(events, through: last.id) }
                if events.count < Self.batch { return }
            }
        }
    }

    private func deliver(_ events: [Event], through last: Int64) {
        guard last > delivered else { return }
        publisher().publish(events.filter { $0.id > delivered })
        delivered = last
    }
}

extension PostgresStore {
    /// Listens for other nodes' commits for as long as the store runs; reconnects with backoff (0.1 s doubling to
    /// 5 s) and catches up after every (re)connection.
    func followOtherNodes() async {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: LogFollower.channel) { notifications in
                        self.listening.withLock { $0 = true }
                        try await self.follower.catchUp()
                        delay = .milliseconds(100)
                        for try await _ in notifications { try await self.follower.catchUp() }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning(
                    "lost the PostgreSQL notification connection; retrying",
                    metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(delay)"])
            }
            listening.withLock { $0 = false }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
