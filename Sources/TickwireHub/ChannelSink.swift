import NIOCore

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

    /// Writes the buffers in order and flushes once (and counts them as delivered). Returns how many bytes are still waiting to be sent, which is
    /// how the hub notices a client that stopped reading (`HubConfiguration.maxQueuedBytes`).
    func write(_ buffers: [ByteBuffer]) -> Int

    /// The hub gave up on a client that stopped reading: write the transport's last word if it has one and close the
    /// connection (its backlog would never drain, and the connection's task must not wait behind it). On the loop.
    func abort(_ reason: Subscription.EndReason)
}

/// The direct writes of one publish, grouped per event loop so that each loop gets one job.
struct DirectWrites {
    private struct Pending {
        let subscription: Subscription
        let sink: any ChannelSink
        var buffers: [ByteBuffer]
    }

    private var loops: [ObjectIdentifier: (loop: any EventLoop, pending: [Pending], index: [Int: Int])] = [:]

    var isEmpty: Bool { loops.isEmpty }

    mutating func add(_ bytes: ByteBuffer, for subscription: Subscription, via sink: any ChannelSink) {
        let key = ObjectIdentifier(sink.eventLoop)
        if loops[key] == nil { loops[key] = (sink.eventLoop, [], [:]) }
        if let position = loops[key]!.index[subscription.id] {
            loops[key]!.pending[position].buffers.append(bytes)
        } else {
            loops[key]!.index[subscription.id] = loops[key]!.pending.count
            loops[key]!.pending.append(Pending(subscription: subscription, sink: sink, buffers: [bytes]))
        }
    }

    /// Submits one job per loop. Called under the hub's lock, so that jobs of consecutive publishes reach each loop
    /// in publish order (a loop runs its jobs first in, first out).
    func submit(hub: Hub) {
        for (loop, pending, _) in loops.values {
            loop.execute {
                for write in pending where write.sink.write(write.buffers) > write.subscription.limits.maxQueuedBytes {
                    write.sink.abort(.slowConsumer)
                    hub.drop(write.subscription, reason: .slowConsumer)
                }
            }
        }
    }
}
