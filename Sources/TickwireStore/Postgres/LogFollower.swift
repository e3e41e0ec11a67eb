import Foundation
import Logging
import PostgresNIO
import Synchronization
import TickwireModel

/// Delivers the event log to this node's publisher, in id order, whichever node wrote the events.
///
/// Other nodes' commits are read from the `events` table past the last delivered id: ids become visible in commit
/// order (see `PostgresStore`), so reading `id > delivered` never skips an event that commits later, and every node
/// delivers the same sequence. Events known to be committed (this node's own commit, or another node's announced
/// with its events in the notification) are published as they are when the first directly follows the last
/// delivered one (nothing can then come between), and the log is read through them otherwise.
///
/// Wake-ups: a local commit calls `deliverCommitted(_:)` and waits until its own events are delivered (so a route answers
/// after the hub has them, as with SQLite); a commit on another node arrives as a `NOTIFY tickwire_events` on this
/// node's listening connection. After the listening connection is lost and regained, one catch-up replays whatever
/// was committed meanwhile.
///
/// The common case (the next events, in hand) takes a lock and publishes, with no task hop: under load every hop can
/// wait for a core, and this sits between a commit and every subscriber.
final class LogFollower: Sendable {
    static let channel = "tickwire_events"
    static let batch = 1000

    private let reader: @Sendable (_ after: Int64, _ limit: Int) async throws -> [Event]
    private let publisher: @Sendable () -> any EventPublisher
    /// The last id published. Advanced and published under this lock, so publications never interleave.
    private let position: Mutex<Int64>
    /// One read of the log at a time: two would overlap at their reads and the second would find less to publish.
    private let reading = AsyncLock()
    /// Reads of the log so far (each a query): announced commits should need none.
    let reads = Atomic(0)

    init(
        from position: Int64, reader: @escaping @Sendable (Int64, Int) async throws -> [Event],
        publisher: @escaping @Sendable () -> any EventPublisher
    ) {
        self.position = Mutex(position)
        self.reader = reader
        self.publisher = publisher
    }

    var delivered: Int64 { position.withLock { $0 } }

    func start(at position: Int64) { self.position.withLock { $0 = position } }

    /// Reads and publishes everything committed after `delivered`.
    func catchUp() async throws {
        try await reading.run { try await self.read(through: nil) }
    }

    /// Delivers committed events: published as they are when they follow what was delivered, else the log is read
    /// through them.
    func deliverCommitted(_ events: [Event]) async throws {
        guard let last = events.last else { return }
        let contiguous = zip(events, events.dropFirst()).allSatisfy { $1.id == $0.id + 1 }
        if contiguous, deliver(events, ifNext: true) { return }
        try await reading.run { try await self.read(through: last.id) }
    }

    /// A notification's payload: the commit's last id, then, when they fit, its events (`LAST [[id, topic, type,
    /// timestamp, bot_id, ticker, data, owner_id], ...]`, see `PostgresStore.appendQuery`). The id comes first so
    /// that a commit already delivered (this node's own, as a rule) is passed over without parsing its events.
    func announced(_ payload: String) async throws {
        let space = payload.utf8.firstIndex(of: UInt8(ascii: " ")) ?? payload.utf8.endIndex
        guard let last = Int64(payload[..<space]) else { return try await catchUp() }
        if delivered >= last { return }
        if space < payload.utf8.endIndex,
            let events = try? Self.events(announcedIn: payload[payload.utf8.index(after: space)...]),
            events.last?.id == last
        {
            try await deliverCommitted(events)
        } else {
            try await catchUp()
        }
    }

    /// Only inside `reading`.
    private func read(through target: Int64?) async throws {
        while true {
            if let target, delivered >= target { return }
            reads.add(1, ordering: .relaxed)
            let events = try await reader(delivered, Self.batch)
            _ = deliver(events, ifNext: false)
            if events.count < Self.batch { return }
        }
    }

    /// Publishes the events past `delivered`. With `ifNext`, only when nothing lies between the two (returns false
    /// otherwise); without, `events` must be everything committed after `delivered`, as a read of the log is.
    private func deliver(_ events: [Event], ifNext: Bool) -> Bool {
        guard let first = events.first, let last = events.last else { return true }
        return position.withLock { delivered in
            guard last.id > delivered else { return true }
            if ifNext, first.id > delivered + 1 { return false }
            publisher().publish(first.id > delivered ? events : events.filter { $0.id > delivered })
            delivered = last.id
            return true
        }
    }

    static func events(announcedIn payload: Substring) throws -> [Event] {
        try JSONDecoder().decode([AnnouncedEvent].self, from: Data(payload.utf8)).map(\.event)
    }

    /// One row of a notification's payload.
    private struct AnnouncedEvent: Decodable {
        let event: Event

        init(from decoder: any Decoder) throws {
            var row = try decoder.unkeyedContainer()
            let id = try row.decode(Int64.self)
            let topic = try row.decode(String.self)
            let type = try row.decode(String.self)
            let timestamp = try row.decode(Int64.self)
            let botId = try row.decodeIfPresent(Int64.self)
            let ticker = try row.decodeIfPresent(String.self)
            let data = try row.decode(String.self)
            let ownerId = try row.decodeIfPresent(Int64.self)
            event = Event(
                id: id, timestamp: Timestamp(milliseconds: timestamp),
                draft: EventDraft(
                    topic: Topic(rawValue: topic), type: EventType(rawValue: type), data: data, botId: botId,
                    ticker: ticker, ownerId: ownerId))
        }
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
                    // On the connection's own loop: a notification is published from the thread that read it.
                    try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                        // As `send` does: postgres-nio would lose a LISTEN written to a connection that has closed.
                        try connection.checkOpen()
                        try await connection.listen(on: LogFollower.channel) { notifications in
                            self.listening.withLock { $0 = true }
                            try await self.follower.catchUp()
                            delay = .milliseconds(100)
                            for try await notification in notifications {
                                try await self.follower.announced(notification.payload)
                            }
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
