import Logging
import PostgresNIO
import TickwireModel

/// Delivers the event log to this node's publisher, in id order, whichever node wrote the events.
///
/// Other nodes' commits are read from the `events` table past the last delivered id: ids become visible in commit
/// order (see `PostgresStore`), so reading `id > delivered` never skips an event that commits later, and every node
/// delivers the same sequence. A commit of this node is published from memory when its first id directly follows
/// the last delivered one (nothing can then come between), and read back otherwise.
///
/// Wake-ups: a local commit calls `deliverCommitted(_:)` and waits until its own events are delivered (so a route answers
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

    /// Reads and publishes everything committed after `delivered`.
    func catchUp() async throws {
        try await reading.run { try await self.read(through: nil) }
    }

    /// Delivers this node's own commit. When it follows what was delivered (no commit of another node in between,
    /// no gap in the sequence) its events are published as they are, without reading them back; otherwise the log
    /// is read through them.
    func deliverCommitted(_ events: [Event]) async throws {
        guard let first = events.first, let last = events.last else { return }
        let contiguous = zip(events, events.dropFirst()).allSatisfy { $1.id == $0.id + 1 }
        try await reading.run {
            if contiguous, await self.delivered == first.id - 1 {
                await self.deliver(events, through: last.id)
            } else {
                try await self.read(through: last.id)
            }
        }
    }

    /// Only inside `reading`.
    private func read(through target: Int64?) async throws {
        while true {
            if let target, delivered >= target { return }
            let events = try await reader(delivered, Self.batch)
            if let last = events.last { deliver(events, through: last.id) }
            if events.count < Self.batch { return }
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
                        for try await notification in notifications {
                            // The payload is the commit's last id: a commit already delivered (this node's own, as a
                            // rule) needs no read.
                            if let last = Int64(notification.payload), await self.follower.delivered >= last {
                                continue
                            }
                            try await self.follower.catchUp()
                        }
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
