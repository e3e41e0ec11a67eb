import NIOCore
import NIOWebSocket
import TickwireHub

/// `/api/v1/ws/app` written below NIO's frame encoder: each event's shared JSON envelope as one text frame, with the
/// header written here (a server's frames are not masked, so the header is all the encoder adds). Only for sockets
/// without per-message deflate: compression is applied by the WebSocket writer, which the hub does not go through,
/// so compressed sockets keep their task (see `WebSocketRoutes.deliver`).
enum WebSocketFraming: DirectFraming {
    typealias Encoder = WebSocketFrameEncoder

    static func bytes(for item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.json
        case .control(let bytes): bytes
        case .reset(let reason, let lastEventId): WebSocketAppSession.reset(reason: reason, lastEventId: lastEventId)
        case .heartbeat: nil  // WebSocket keeps itself alive with protocol pings.
        }
    }

    static func write(_ buffers: [ByteBuffer], to context: ChannelHandlerContext) {
        for buffer in buffers { writeFrame(.text, buffer, to: context) }
    }

    static func writeEnd(_ reason: Subscription.EndReason, to context: ChannelHandlerContext) {
        var data = context.channel.allocator.buffer(capacity: 2 + reason.rawValue.utf8.count)
        data.write(webSocketErrorCode: .policyViolation)
        data.writeString(reason.rawValue)
        writeFrame(.connectionClose, data, to: context)
    }

    /// A final, unmasked frame: opcode byte, length (7 bits, or 126 + 16 bits, or 127 + 64 bits), payload.
    private static func writeFrame(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, to context: ChannelHandlerContext)
    {
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

typealias WebSocketChannelSink = DirectSink<WebSocketFraming>
