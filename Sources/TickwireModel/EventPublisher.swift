/// Where committed events go. The store hands every committed batch to its publisher, in commit order, right after
/// the transaction that appended them has committed.
///
/// The push hub implements this. The protocol lives with the event type so that the store can call it without
/// knowing the hub.
public protocol EventPublisher: Sendable {
    /// Called once per committed transaction, with its events in id order; must not block.
    func publish(_ events: [Event])
}

/// A publisher for processes that only record (command-line tools, tests of the write path alone).
public struct DiscardingPublisher: EventPublisher {
    public init() {}
    public func publish(_ events: [Event]) {}
}

/// Read access to the durable event log, for replaying what a reconnecting client missed.
public protocol EventLogReader: Sendable {
    /// Events with an id greater than `after`, oldest first, at most `limit`.
    func events(after: Int64, limit: Int) async throws -> [Event]
    /// The oldest id still retained; `nil` when the log is empty. Older events were pruned by retention.
    func oldestEventId() async throws -> Int64?
    /// The id of the newest event, 0 when the log has never held one.
    func lastEventId() async throws -> Int64
}
