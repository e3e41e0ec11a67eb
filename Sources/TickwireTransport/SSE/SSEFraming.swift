import NIOCore
import NIOHTTP1
import TickwireHub

/// The multiplexed SSE stream written below the HTTP/1 response encoder: each item is one chunk
/// (`size\r\n` bytes `\r\n`), the only framing the encoder would add. The response is always chunked here:
/// Hummingbird answers as HTTP/1.1 and a stream has no length. An event's chunk is made once and shared.
public enum SSEFraming: DirectFraming {
    public typealias Encoder = HTTPResponseEncoder

    static let heartbeat = chunk(SSEFrames.heartbeat)
    static let encoding = SharedEvent.Encoding(slot: 1)

    public static func framed(_ item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.encoded(encoding) { chunk(SSEFrames.event($0)) }
        case .heartbeat: heartbeat
        case .reset(let reason, let lastEventId): chunk(SSEFrames.reset(reason: reason, lastEventId: lastEventId))
        case .control(let bytes): chunk(bytes)
        }
    }

    public static func end(_ reason: Subscription.EndReason) -> ByteBuffer {
        chunk(SSEFrames.end(reason.rawValue))
    }

    /// `body` as one HTTP/1.1 chunk.
    static func chunk(_ body: ByteBuffer) -> ByteBuffer {
        let size = String(body.readableBytes, radix: 16)
        var chunk = ByteBuffer()
        chunk.reserveCapacity(size.utf8.count + body.readableBytes + 4)
        chunk.writeString(size)
        chunk.writeStaticString("\r\n")
        chunk.writeImmutableBuffer(body)
        chunk.writeStaticString("\r\n")
        return chunk
    }
}

public typealias SSEChannelSink = DirectSink<SSEFraming>
