import NIOCore
import TickwireHub

/// How one transport frames what the hub writes to a caught-up connection, below that transport's encoder.
public protocol DirectFraming: Sendable {
    /// The handler the writes go around: its framing is written here instead.
    associatedtype Encoder: ChannelHandler & SendableMetatype

    /// The wire bytes of one item, framed (nil: nothing to write). An event's are framed once and shared by every
    /// subscriber (`SharedEvent.framed`).
    static func framed(_ item: Subscription.Item) -> ByteBuffer?
    /// The transport's last word for a connection the hub gives up on, framed.
    static func end(_ reason: Subscription.EndReason) -> ByteBuffer
}

/// A connection as the hub writes to it once its subscription has caught up (see `ChannelSink`): the writes enter
/// the pipeline just below the transport's encoder, framed by `Framing`, so they skip the encoder and every handler
/// above it (state tracking, type conversions, each boxing and unboxing the part), which halves the user-space cost
/// of a delivery. What the response writer sends before the sink is attached and after it ends goes through the
/// whole pipeline from the same event loop's job queue, so the order on the wire holds.
public final class DirectSink<Framing: DirectFraming>: ChannelSink {
    private let position: PipelinePosition
    private let metrics: TransportMetrics

    /// The sink of `channel`, or nil if its pipeline lacks the encoder (then the connection keeps its task).
    public static func make(channel: any Channel, metrics: TransportMetrics) async -> DirectSink? {
        await PipelinePosition.below(Framing.Encoder.self, in: channel).map {
            DirectSink(position: $0, metrics: metrics)
        }
    }

    /// The same, from the channel's event loop.
    public static func make(onLoopOf channel: any Channel, metrics: TransportMetrics) -> DirectSink? {
        PipelinePosition.below(Framing.Encoder.self, onLoopOf: channel).map {
            DirectSink(position: $0, metrics: metrics)
        }
    }

    private init(position: PipelinePosition, metrics: TransportMetrics) {
        self.position = position
        self.metrics = metrics
        self.eventLoop = position.channel.eventLoop
    }

    /// Kept, not asked of the channel: the hub reads it for every subscriber of every event.
    public let eventLoop: any EventLoop

    public func bytes(for item: Subscription.Item) -> ByteBuffer? { Framing.framed(item) }

    public func write(_ buffers: [ByteBuffer], events: Int) -> Int {
        // A closed channel fails the writes at once (nobody waits on them) and reports no backlog.
        let context = position.handlerContext
        for buffer in buffers { context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil) }
        context.flush()
        if events > 0 { metrics.delivered.increment(by: Int64(events)) }
        return position.backlog
    }

    public func abort(_ reason: Subscription.EndReason) {
        let context = position.handlerContext
        context.writeAndFlush(NIOAny(IOData.byteBuffer(Framing.end(reason))), promise: nil)
        position.channel.close(promise: nil)
    }
}
