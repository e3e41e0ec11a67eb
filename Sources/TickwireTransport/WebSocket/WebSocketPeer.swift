import NIOCore
import NIOWebSocket

/// One socket served by a `WebSocketConnectionHandler`, as its service sees it: sends and closes from any thread, run
/// on the connection's event loop in the order they are made.
public struct WebSocketPeer: Sendable {
    private let loopBound: NIOLoopBound<(WebSocketConnectionHandler, ChannelHandlerContext)>
    public let channel: any Channel

    init(handler: WebSocketConnectionHandler, context: ChannelHandlerContext) {
        self.loopBound = NIOLoopBound((handler, context), eventLoop: context.eventLoop)
        self.channel = context.channel
    }

    /// Sends one whole message; the future completes once it is written. From the event loop it is written at once
    /// (an echo then precedes a close caused by the rest of the same read); from elsewhere it is queued on the loop.
    public func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> EventLoopFuture<Void> {
        let loopBound = self.loopBound
        if channel.eventLoop.inEventLoop {
            let (handler, context) = loopBound.value
            return handler.send(opcode, data, context: context)
        }
        return channel.eventLoop.flatSubmit {
            let (handler, context) = loopBound.value
            return handler.send(opcode, data, context: context)
        }
    }

    /// Starts the closing handshake with a code and reason.
    public func close(_ code: WebSocketErrorCode, reason: String) {
        let loopBound = self.loopBound
        channel.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.close(code, reason: reason, context: context)
        }
    }
}
