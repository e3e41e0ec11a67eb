import NIOCore
import NIOHTTP1
import TickwireHub

/// The multiplexed SSE stream's connection as the hub writes to it once caught up.
///
/// The writes enter the pipeline just below the HTTP/1 response encoder, as ready-made chunks (`size\r\n` bytes
/// `\r\n`): the body's framing is all the encoder would add, and going around it and the handlers above it (state
/// tracking, type conversions, each boxing and unboxing the part) halves the user-space cost of a delivery. The
/// response is always chunked here: Hummingbird answers as HTTP/1.1 and a stream has no length. The head, the
/// frames before the sink is attached, and the final chunk still go through the whole pipeline, from the same event
/// loop's job queue, so the order on the wire holds.
final class SSEChannelSink: ChannelSink {
    static let chunkEnd = ByteBuffer(string: "\r\n")

    let channel: any Channel
    let metrics: TransportMetrics
    /// The response encoder's place in the pipeline: a write from it goes straight to the socket.
    private let belowEncoder: NIOLoopBound<ChannelHandlerContext>

    /// The sink of `channel`, or nil if its pipeline is not the HTTP/1 one this writes below (then the stream keeps
    /// its task).
    static func make(channel: any Channel, metrics: TransportMetrics) async -> SSEChannelSink? {
        let context = try? await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self),
                eventLoop: channel.eventLoop)
        }.get()
        return context.map { SSEChannelSink(channel: channel, metrics: metrics, belowEncoder: $0) }
    }

    private init(channel: any Channel, metrics: TransportMetrics, belowEncoder: NIOLoopBound<ChannelHandlerContext>) {
        self.channel = channel
        self.metrics = metrics
        self.belowEncoder = belowEncoder
    }

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
        writeChunk(buffers)
        metrics.delivered.increment(by: Int64(buffers.count))
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func abort(_ reason: Subscription.EndReason) {
        writeChunk([SSEFrames.end(reason.rawValue)])
        channel.close(promise: nil)
    }

    /// One chunk for all the buffers, written and flushed.
    private func writeChunk(_ buffers: [ByteBuffer]) {
        let context = belowEncoder.value
        guard context.channel.isActive else { return }
        var size = 0
        for buffer in buffers { size += buffer.readableBytes }
        var header = context.channel.allocator.buffer(capacity: 18)
        header.writeString(String(size, radix: 16))
        header.writeStaticString("\r\n")
        context.write(NIOAny(IOData.byteBuffer(header)), promise: nil)
        for buffer in buffers { context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil) }
        context.write(NIOAny(IOData.byteBuffer(Self.chunkEnd)), promise: nil)
        context.flush()
    }
}
