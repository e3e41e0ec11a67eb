import NIOCore
import Synchronization

/// A connection the hub writes to directly, once its subscription has caught up (replay done, queue empty).
///
/// Waking a Swift task per subscriber per event, and that task hopping to its channel's event loop to write, costs
/// more than the socket write itself. A caught-up subscription instead hands the hub a sink: on publish the hub
/// encodes nothing (the bytes are the shared, pre-encoded ones), groups the writes by event loop, and submits one
/// job per loop that writes and flushes every connection of that loop. The transport stays in charge of framing
/// (`bytes(for:)`) and of what a write is (`write(_:)`); the hub knows no protocol.
public protocol ChannelSink: AnyObject, Sendable {
    /// The loop that owns the connection; `write(_:)` is only ever called on it.
    var eventLoop: any EventLoop { get }

    /// The wire bytes of one item. Called while the hub holds its lock: return shared, pre-encoded buffers.
    func bytes(for item: Subscription.Item) -> ByteBuffer?

    /// Writes the buffers in order and flushes once; `events` of them are events (the rest heartbeats, resets,
    /// replies), which the transport counts as delivered. Returns how many bytes are still waiting to be sent, which
    /// is how the hub notices a client that stopped reading (`HubConfiguration.maxQueuedBytes`).
    func write(_ buffers: [ByteBuffer], events: Int) -> Int

    /// The hub gave up on a client that stopped reading: write the transport's last word if it has one and close the
    /// connection (its backlog would never drain, and the connection's task must not wait behind it). On the loop.
    func abort(_ reason: Subscription.EndReason)
}

/// Direct writes bound for one event loop: per subscriber, its buffers in order.
struct DirectBatch {
    struct Pending {
        let subscription: Subscription
        let sink: any ChannelSink
        var buffers: [ByteBuffer]
        /// How many of `buffers` are events.
        var events: Int
    }

    private(set) var pending: [Pending] = []
    private var index: [Int: Int] = [:]

    mutating func add(_ buffers: [ByteBuffer], events: Int, for subscription: Subscription, via sink: any ChannelSink) {
        if let position = index[subscription.id] {
            pending[position].buffers += buffers
            pending[position].events += events
        } else {
            index[subscription.id] = pending.count
            pending.append(Pending(subscription: subscription, sink: sink, buffers: buffers, events: events))
        }
    }

    mutating func merge(_ other: DirectBatch) {
        for write in other.pending {
            add(write.buffers, events: write.events, for: write.subscription, via: write.sink)
        }
    }
}

/// The direct writes of one publish, grouped per event loop.
struct DirectWrites {
    fileprivate var loops: [ObjectIdentifier: (loop: any EventLoop, batch: DirectBatch)] = [:]

    var isEmpty: Bool { loops.isEmpty }

    mutating func add(_ bytes: ByteBuffer, isEvent: Bool, for subscription: Subscription, via sink: any ChannelSink) {
        let key = ObjectIdentifier(sink.eventLoop)
        if loops[key] == nil { loops[key] = (sink.eventLoop, DirectBatch()) }
        loops[key]!.batch.add([bytes], events: isEvent ? 1 : 0, for: subscription, via: sink)
    }
}

/// Direct writes waiting for their event loops. A publish that comes while a loop has not yet run the job of an
/// earlier one joins that job's batch: a busy connection gets one write and one flush for everything queued since
/// its last, and a loop is never handed more jobs than it can run. Each waiting batch has exactly one job scheduled.
final class DirectQueue: Sendable {
    private let waiting = Mutex<[ObjectIdentifier: DirectBatch]>([:])

    /// Publishes call this under the hub's lock, so batches fill (and loops receive their jobs) in publish order.
    func submit(_ writes: DirectWrites, hub: Hub) {
        var schedule: [(key: ObjectIdentifier, loop: any EventLoop)] = []
        waiting.withLock { waiting in
            for (key, entry) in writes.loops {
                if waiting[key] != nil {
                    waiting[key]!.merge(entry.batch)
                } else {
                    waiting[key] = entry.batch
                    schedule.append((key, entry.loop))
                }
            }
        }
        // One wake-up from the publisher, and the first loop wakes the others before it writes. Waking each loop from
        // here let the first one, woken onto the publisher's core, preempt the publisher before it had woken the next:
        // that loop's connections then waited for the first loop's whole batch (measured: 1-3.7 ms, in one publish
        // of seven at 1,000 subscribers). A loop that wakes the next leaves that one an idle core.
        guard let (firstKey, firstLoop) = schedule.first else { return }
        let others = schedule.dropFirst()
        firstLoop.execute {
            for (key, loop) in others { loop.execute { self.run(key, hub: hub) } }
            self.run(firstKey, hub: hub)
        }
    }

    /// On the loop: takes its batch and writes it, each connection once.
    private func run(_ key: ObjectIdentifier, hub: Hub) {
        guard let batch = waiting.withLock({ $0.removeValue(forKey: key) }) else { return }
        for write in batch.pending
        where write.sink.write(write.buffers, events: write.events) > write.subscription.limits.maxQueuedBytes {
            // Dropped before the socket closes: closing it cancels the subscription as a plain disconnect.
            hub.drop(write.subscription, reason: .slowConsumer)
            write.sink.abort(.slowConsumer)
        }
    }
}
