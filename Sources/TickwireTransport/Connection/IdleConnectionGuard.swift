import NIOCore

/// Closes a connection on which nothing has been read or written for a while. Every live use of a connection
/// writes now and then (SSE heartbeats, WebSocket pings), so this ends only connections a client opened and left:
/// without it, silent clients could hold every file descriptor.
///
/// A read or a write only sets a flag, and a timer checks it once per `timeout`, so a connection is closed after
/// one to two timeouts of silence. (NIO's `IdleStateHandler` would be exact but allocates a promise per write, on
/// the path of every event to every subscriber.)
final class IdleConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let timeout: TimeAmount
    private var active = true
    private var check: RepeatedTask?

    init(timeout: Duration) { self.timeout = TimeAmount(timeout) }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: timeout, delay: timeout) { _ in
            let (guarding, context) = loopBound.value
            if !guarding.active { context.close(promise: nil) }
            guarding.active = false
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        active = true
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        active = true
        context.write(data, promise: promise)
    }
}
