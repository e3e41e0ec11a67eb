import NIOCore

/// A place in a connection's pipeline just below one of its handlers (an encoder): what is written from there goes
/// straight to the socket, skipping that handler and everything above it. The direct-write sinks use it to send
/// bytes they framed themselves.
struct PipelinePosition: Sendable {
    let channel: any Channel
    private let context: NIOLoopBound<ChannelHandlerContext>

    /// Below the handler of type `Handler` in `channel`'s pipeline, or nil if there is none.
    static func below<Handler: ChannelHandler & SendableMetatype>(_ type: Handler.Type, in channel: any Channel) async
        -> PipelinePosition?
    {
        let eventLoop = channel.eventLoop
        let context = try? await channel.pipeline.context(handlerType: type).map {
            NIOLoopBound($0, eventLoop: eventLoop)
        }.get()
        return context.map { PipelinePosition(channel: channel, context: $0) }
    }

    /// The same, from the channel's event loop.
    static func below<Handler: ChannelHandler>(_ type: Handler.Type, onLoopOf channel: any Channel) -> PipelinePosition?
    {
        guard let context = try? channel.pipeline.syncOperations.context(handlerType: type) else { return nil }
        return PipelinePosition(channel: channel, context: NIOLoopBound(context, eventLoop: channel.eventLoop))
    }

    /// Only on the channel's event loop.
    var handlerContext: ChannelHandlerContext { context.value }

    /// Bytes written but not yet taken by the socket (only on the channel's event loop).
    var backlog: Int { (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0 }
}
