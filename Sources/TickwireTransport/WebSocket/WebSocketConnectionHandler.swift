import NIOCore
import NIOWebSocket

/// The WebSocket protocol (RFC 6455) for one upgraded connection, in the channel pipeline: whole messages go to a
/// `WebSocketService`, which answers from the event loop or from short-lived tasks, so an open socket holds no task.
///
/// Sits above NIO's frame decoder and encoder. It joins fragments (at most `maxMessageSize` bytes a message, else
/// 1009), checks that text is UTF-8 (1007), answers pings, echoes a close and then closes the connection, and fails the
/// connection with 1002 on frames the protocol forbids (unmasked, reserved bits or opcodes, a continuation out of
/// place, a bad close payload). Every `pingInterval` it pings; a peer that has not answered the previous ping by then
/// is closed with 1001 `ping_timeout`. After the server sends a close, the peer has `closeTimeout` to answer it. When
/// the server shuts down, each socket is closed with 1001 `shutting_down`.
public final class WebSocketConnectionHandler: ChannelDuplexHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundIn = Never
    public typealias OutboundOut = WebSocketFrame

    /// Handlers alive, by server port (tests check that none outlives its socket).
    public static let alive = AliveCount()
    private var port: Int?

    private let pingInterval: TimeAmount
    private let closeTimeout: TimeAmount
    private let service: any WebSocketService

    private var machine: StateMachine
    private var pingTask: RepeatedTask?
    private var closeDeadline: Scheduled<Void>?
    private var peer: WebSocketPeer?
    /// A read the channel asked for while its output was backed up, to be done once the output drains.
    private var readDeferred = false

    public init(maxMessageSize: Int, pingInterval: Duration, closeTimeout: Duration, service: any WebSocketService) {
        self.machine = StateMachine(maxMessageSize: maxMessageSize)
        self.pingInterval = TimeAmount(pingInterval)
        self.closeTimeout = TimeAmount(closeTimeout)
        self.service = service
    }

    deinit {
        if let port { Self.alive.remove(port: port) }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if let port = context.channel.localAddress?.port {
            self.port = port
            Self.alive.add(port: port)
        }
        let peer = WebSocketPeer(handler: self, context: context)
        self.peer = peer
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: pingInterval, delay: pingInterval) { _ in
            let (handler, context) = loopBound.value
            handler.perform(handler.machine.pingTimerFired(), context: context)
        }
        service.opened(peer)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    /// The connection is over: timers stop and the service is told, once.
    private func finish() {
        pingTask?.cancel()
        closeDeadline?.cancel()
        machine.channelClosed()
        if peer != nil {
            peer = nil
            service.closed()
        }
    }

    /// Backpressure: while the socket cannot take more output, nothing more is read from it. A peer that sends pings
    /// (or anything else that is answered) but does not read the answers stops being read, instead of growing the
    /// server's memory with answers it will never take.
    public func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readDeferred = true
        }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readDeferred {
            readDeferred = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.received(unwrapInboundIn(data)), context: context)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // The server is shutting down: the peer is told, and given a moment to answer.
            perform(machine.close(.goingAway, reason: "shutting_down", timeout: .seconds(1)), context: context)
        case let event as ChannelEvent where event == .inputClosed:
            // The peer closed its side without a close frame (the server allows half-closed connections).
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error as? NIOWebSocketError {
        case .invalidFrameLength?: perform(machine.fail(.messageTooLarge, "frame too large"), context: context)
        case .fragmentedControlFrame?, .multiByteControlFrameLength?:
            perform(machine.fail(.protocolError, "bad control frame"), context: context)
        case nil: context.close(promise: nil)
        }
    }

    // MARK: Sending (on the event loop, from `WebSocketPeer`)

    func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard machine.canSend, context.channel.isActive else {
            return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: data)))
    }

    /// Sends a close frame; the connection closes when the peer answers it, or after `closeTimeout`.
    func close(_ code: WebSocketErrorCode, reason: String, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        perform(machine.close(code, reason: reason), context: context)
    }

    // MARK: Carrying out the state machine's actions

    private func perform(_ action: StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .deliver(let message):
            if let peer { service.received(message, from: peer) }
        case .sendPong(let data):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: data)))
                .whenFailure { _ in }
        case .sendPing:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
                .whenFailure { _ in }
        case .failConnection(let code, let reason):
            guard context.channel.isActive else { return context.close(promise: nil) }
            let channel = context.channel
            sendClose(code, reason, context: context).whenComplete { _ in channel.close(promise: nil) }
        case .sendClose(let code, let reason, let timeout):
            guard context.channel.isActive else { return }
            sendClose(code, reason, context: context).whenFailure { _ in }
            let channel = context.channel
            closeDeadline = context.eventLoop.scheduleTask(in: timeout ?? closeTimeout) { channel.close(promise: nil) }
        case .closeChannel:
            context.close(promise: nil)
        }
    }

    /// Writes the one close frame this side sends.
    private func sendClose(_ code: WebSocketErrorCode, _ reason: String, context: ChannelHandlerContext)
        -> EventLoopFuture<Void>
    {
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
    }
}

/// What a `WebSocketConnectionHandler` serves. Called on the connection's event loop.
public protocol WebSocketService: AnyObject {
    func opened(_ peer: WebSocketPeer)
    func received(_ message: WebSocketConnectionHandler.Message, from peer: WebSocketPeer)
    func closed()
}

extension WebSocketConnectionHandler {
    public enum Message: Equatable {
        case text(String)
        case binary(ByteBuffer)
    }
}
