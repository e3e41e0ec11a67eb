import NIOCore
import NIOWebSocket
import TickwireHub

/// A caught-up `/api/v1/ws/app` socket as the hub writes to it: each event's shared JSON envelope as one text frame,
/// written from the tail of the upgraded pipeline (below it NIO's frame encoder).
///
/// Only for sockets without per-message deflate: compression is applied by the WebSocket writer, which the hub does
/// not go through, so compressed sockets keep their task (see `WebSocketRoutes.deliver`).
struct WebSocketChannelSink: ChannelSink {
    let channel: any Channel
    let metrics: TransportMetrics

    var eventLoop: any EventLoop { channel.eventLoop }

    func bytes(for item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.json
        case .control(let bytes): bytes
        case .reset(let reason, let lastEventId): WebSocketRoutes.reset(reason: reason, lastEventId: lastEventId)
        case .heartbeat: nil  // WebSocket keeps itself alive with protocol pings.
        }
    }

    func write(_ buffers: [ByteBuffer]) -> Int {
        for buffer in buffers { channel.write(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil) }
        channel.flush()
        metrics.delivered.increment(by: Int64(buffers.count))
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func abort(_ reason: Subscription.EndReason) {
        var data = channel.allocator.buffer(capacity: 2 + reason.rawValue.utf8.count)
        data.write(webSocketErrorCode: .policyViolation)
        data.writeString(reason.rawValue)
        channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
        channel.flush()
        channel.close(promise: nil)
    }
}
