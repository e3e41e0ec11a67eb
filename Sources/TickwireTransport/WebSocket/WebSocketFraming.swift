import NIOCore
import NIOWebSocket
import TickwireHub

/// `/api/v1/ws/app` written below NIO's frame encoder: each event's shared JSON envelope as one text frame, framed
/// once per event and shared (a server's frames are not masked, so the header is all the encoder adds). Only for sockets
/// without per-message deflate: compression is applied by the WebSocket writer, which the hub does not go through,
/// so compressed sockets keep their task (see `WebSocketRoutes.deliver`).
public enum WebSocketFraming: DirectFraming {
    public typealias Encoder = WebSocketFrameEncoder
    static let encoding = SharedEvent.Encoding(slot: 2)

    public static func bytes(for item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.envelope
        case .control(let bytes): bytes
        case .reset(let reason, let lastEventId): reset(reason: reason, lastEventId: lastEventId)
        case .heartbeat: nil  // WebSocket keeps itself alive with protocol pings.
        }
    }

    public static func framed(_ item: Subscription.Item) -> ByteBuffer? {
        if case .event(let shared) = item { return shared.encoded(encoding) { frame(.text, $0.envelope) } }
        return bytes(for: item).map { frame(.text, $0) }
    }

    public static func end(_ reason: Subscription.EndReason) -> ByteBuffer {
        var data = ByteBuffer()
        data.reserveCapacity(2 + reason.rawValue.utf8.count)
        data.write(webSocketErrorCode: .policyViolation)
        data.writeString(reason.rawValue)
        return frame(.connectionClose, data)
    }

    /// The app protocol's `reset` message: the client's position is gone from the log, it must refetch.
    public static func reset(reason: String, lastEventId: Int64) -> ByteBuffer {
        ByteBuffer(string: #"{"type":"reset","reason":"\#(reason)","last_event_id":"\#(lastEventId)"}"#)
    }

    /// A final, unmasked frame: opcode byte, length (7 bits, or 126 + 16 bits, or 127 + 64 bits), payload.
    public static func frame(_ opcode: WebSocketOpcode, _ payload: ByteBuffer) -> ByteBuffer {
        let length = payload.readableBytes
        var frame = ByteBuffer()
        frame.reserveCapacity(10 + length)
        frame.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        if length < 126 {
            frame.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeImmutableBuffer(payload)
        return frame
    }
}

public typealias WebSocketChannelSink = DirectSink<WebSocketFraming>
