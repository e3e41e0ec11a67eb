import NIOCore
import NIOHTTP1
import TickwireHub

/// The multiplexed SSE stream written below the HTTP/1 response encoder: each write is one chunk
/// (`size\r\n` bytes `\r\n`), the only framing the encoder would add. The response is always chunked here:
/// Hummingbird answers as HTTP/1.1 and a stream has no length.
enum SSEFraming: DirectFraming {
    typealias Encoder = HTTPResponseEncoder

    static let chunkEnd = ByteBuffer(string: "\r\n")

    static func bytes(for item: Subscription.Item) -> ByteBuffer? {
        switch item {
        case .event(let shared): shared.sse
        case .heartbeat: SSEFrames.heartbeat
        case .reset(let reason, let lastEventId): SSEFrames.reset(reason: reason, lastEventId: lastEventId)
        case .control(let bytes): bytes
        }
    }

    static func write(_ buffers: [ByteBuffer], to context: ChannelHandlerContext) {
        var size = 0
        for buffer in buffers { size += buffer.readableBytes }
        var header = context.channel.allocator.buffer(capacity: 18)
        header.writeString(String(size, radix: 16))
        header.writeStaticString("\r\n")
        context.write(NIOAny(IOData.byteBuffer(header)), promise: nil)
        for buffer in buffers { context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil) }
        context.write(NIOAny(IOData.byteBuffer(chunkEnd)), promise: nil)
    }

    static func writeEnd(_ reason: Subscription.EndReason, to context: ChannelHandlerContext) {
        write([SSEFrames.end(reason.rawValue)], to: context)
    }
}

typealias SSEChannelSink = DirectSink<SSEFraming>
