import TickwireModel

/// Where committed events go. The write path hands every committed batch to one publisher, in commit order.
///
/// The push hub (SSE and WebSocket fan-out, history, resume) implements this; until a transport subscribes, the
/// event log in the store is the record of every change.
public protocol EventPublisher: Sendable {
    /// Called after the transaction that appended `events` has committed, with events in id order.
    func publish(_ events: [Event])
}

/// A publisher for processes that only record (command-line tools, tests of the write path alone).
public struct DiscardingPublisher: EventPublisher {
    public init() {}
    public func publish(_ events: [Event]) {}
}
