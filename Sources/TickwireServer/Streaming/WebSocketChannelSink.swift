import NIOCore
import NIOWebSocket
import TickwireHub

/// A caught-up `/api/v1/ws/app` socket as the hub writes to it: each event's shared JSON envelope as one text frame.
///
/// The frames enter the pipeline below NIO's frame encoder, with the header written here (a server's frames are
/// not masked, so the header is all the encoder adds). Only for sockets without per-message deflate: compression is
/// applied by the WebSocket writer, which the hub does not go through, so compressed sockets keep their task (see
/// `WebSocketRoutes.deliver`).
final class WebSocketChannelSink: ChannelSink {
    let channel: any Channel
    let metrics: TransportMetrics
    /// The frame encoder's place in the pipeline: a write from it goes straight to the socket.
    private let belowEncoder: NIOLoopBound<ChannelHandlerContext>

    /// The sink of `channel`, or nil if its pipeline has no WebSocket frame encoder (then the socket keeps its task).
    static func make(channel: any Channel, metrics: TransportMetrics) async -> WebSocketChannelSink? {
        let context = try? await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self),
                eventLoop: channel.eventLoop)
        }.get()
        return context.map { WebSocketChannelSink(channel: channel, metrics: metrics, belowEncoder: $0) }
    }

    private init(channel: any Channel, metrics: TransportMetrics, belowEncoder: NIOLoopBound<ChannelHandlerContext>) {
        self.channel = channel
        self.metrics = metrics
        self.belowEncoder = belowEncoder
    }

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
        let context = belowEncoder.value
        guard context.channel.isActive else { return 0 }
        for buffer in buffers { writeFrame(.text, buffer, to: context) }
        context.flush()
        metrics.delivered.increment(by: Int64(buffers.count))
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func abort(_ reason: Subscription.EndReason) {
        let context = belowEncoder.value
        var data = context.channel.allocator.buffer(capacity: 2 + reason.rawValue.utf8.count)
        data.write(webSocketErrorCode: .policyViolation)
        data.writeString(reason.rawValue)
        writeFrame(.connectionClose, data, to: context)
        context.flush()
        channel.close(promise: nil)
    }

    /// A final, unmasked frame: opcode byte, length (7 bits, or 126 + 16 bits, or 127 + 64 bits), payload.
    private func writeFrame(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, to context: ChannelHandlerContext) {
        var header = context.channel.allocator.buffer(capacity: 10)
        header.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        let length = payload.readableBytes
        if length < 126 {
            header.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            header.writeInteger(UInt8(126))
            header.writeInteger(UInt16(length))
        } else {
            header.writeInteger(UInt8(127))
            header.writeInteger(UInt64(length))
        }
        context.write(NIOAny(IOData.byteBuffer(header)), promise: nil)
        context.write(NIOAny(IOData.byteBuffer(payload)), promise: nil)
    }
}
