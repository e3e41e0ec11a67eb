import NIOCore
import NIOHTTPTypes
import TickwireHub

/// The multiplexed SSE stream's connection as the hub writes to it once caught up: each event's shared SSE frame,
/// as a body part written from the tail of the HTTP pipeline (below it the HTTP/1 encoder adds the chunk framing).
///
/// The response's own writer has written the head and the first frames before the sink is attached and writes the
/// closing frame after it ends; both go through the same event loop's job queue, so the order on the wire holds.
struct SSEChannelSink: ChannelSink {
    let channel: any Channel
    let metrics: TransportMetrics

    var eventLoop: any EventLoop { channel.eventLoop }

    func bytes(for item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.sse
        case .heartbeat: SSEFrames.heartbeat
        case .reset(let reason, let lastEventId): SSEFrames.reset(reason: reason, lastEventId: lastEventId)
        case .control(let bytes): bytes
        }
    }

    func write(_ buffers: [ByteBuffer]) -> Int {
        for buffer in buffers { channel.write(HTTPResponsePart.body(buffer), promise: nil) }
        channel.flush()
        metrics.delivered.increment(by: Int64(buffers.count))
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func abort(_ reason: Subscription.EndReason) {
        channel.write(HTTPResponsePart.body(SSEFrames.end(reason.rawValue)), promise: nil)
        channel.flush()
        channel.close(promise: nil)
    }
}
