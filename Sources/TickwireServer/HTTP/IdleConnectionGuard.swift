import NIOCore

/// Closes a connection on which nothing has been read or written for a while (NIO's `IdleStateHandler` decides).
/// Every live use of a connection writes now and then (SSE heartbeats, WebSocket pings), so this ends only
/// connections a client opened and left: without it, silent clients could hold every file descriptor.
final class IdleConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The two handlers that close a connection idle for `timeout`, for the front of its pipeline.
    static func handlers(timeout: Duration) -> [any ChannelHandler] {
        [IdleStateHandler(allTimeout: TimeAmount(timeout)), IdleConnectionGuard()]
    }
}
