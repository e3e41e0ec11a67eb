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
final class WebSocketConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = Never
    typealias OutboundOut = WebSocketFrame

    /// Handlers alive, by server port (tests check that none outlives its socket).
    static let alive = AliveCount()
    private var port: Int?

    private let maxMessageSize: Int
    private let pingInterval: TimeAmount
    private let closeTimeout: TimeAmount
    private let service: any WebSocketService

    /// The message being received in fragments: its opcode and the data so far.
    private var fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?
    private var closeSent = false
    private var awaitingPong = false
    private var pingTask: RepeatedTask?
    private var closeDeadline: Scheduled<Void>?
    private var peer: WebSocketPeer?
    /// A read the channel asked for while its output was backed up, to be done once the output drains.
    private var readDeferred = false

    init(maxMessageSize: Int, pingInterval: Duration, closeTimeout: Duration, service: any WebSocketService) {
        self.maxMessageSize = maxMessageSize
        self.pingInterval = TimeAmount(pingInterval)
        self.closeTimeout = TimeAmount(closeTimeout)
        self.service = service
    }

    deinit {
        if let port { Self.alive.remove(port: port) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let port = context.channel.localAddress?.port {
            self.port = port
            Self.alive.add(port: port)
        }
        let peer = WebSocketPeer(handler: self, context: context)
        self.peer = peer
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: pingInterval, delay: pingInterval) { _ in
            let (handler, context) = loopBound.value
            handler.ping(context: context)
        }
        service.opened(peer)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    /// The connection is over: timers stop and the service is told, once.
    private func finish() {
        pingTask?.cancel()
        closeDeadline?.cancel()
        fragments = nil
        if peer != nil {
            peer = nil
            service.closed()
        }
    }

    /// Backpressure: while the socket cannot take more output, nothing more is read from it. A peer that sends pings
    /// (or anything else that is answered) but does not read the answers stops being read, instead of growing the
    /// server's memory with answers it will never take.
    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readDeferred = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readDeferred {
            readDeferred = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            return fail(.protocolError, "bad frame header", context: context)
        }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return fail(.protocolError, "message interleaved", context: context) }
            if frame.fin {
                deliver(frame.opcode, frame.unmaskedData, context: context)
            } else {
                fragments = (frame.opcode, frame.unmaskedData)
                checkSize(context: context)
            }
        case .continuation:
            guard var message = fragments else {
                return fail(.protocolError, "continuation without a message", context: context)
            }
            fragments = nil  // Keeps the buffer uniquely referenced while it grows.
            var more = frame.unmaskedData
            message.data.writeBuffer(&more)
            if frame.fin {
                deliver(message.opcode, message.data, context: context)
            } else {
                fragments = message
                checkSize(context: context)
            }
        case .ping:
            if !closeSent {
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                )
                .whenFailure { _ in }
            }
        case .pong:
            awaitingPong = false
        case .connectionClose:
            receivedClose(frame.unmaskedData, context: context)
        default:
            fail(.protocolError, "reserved opcode", context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // The server is shutting down: the peer is told, and given a moment to answer.
            close(.goingAway, reason: "shutting_down", timeout: .seconds(1), context: context)
        case let event as ChannelEvent where event == .inputClosed:
            // The peer closed its side without a close frame (the server allows half-closed connections).
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error as? NIOWebSocketError {
        case .invalidFrameLength?: fail(.messageTooLarge, "frame too large", context: context)
        case .fragmentedControlFrame?, .multiByteControlFrameLength?:
            fail(.protocolError, "bad control frame", context: context)
        case nil: context.close(promise: nil)
        }
    }

    // MARK: Sending (on the event loop, from `WebSocketPeer`)

    func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard !closeSent, context.channel.isActive else {
            return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: data)))
    }

    /// Sends a close frame; the connection closes when the peer answers it, or after `timeout` (`closeTimeout`).
    func close(
        _ code: WebSocketErrorCode, reason: String, timeout: TimeAmount? = nil, context: ChannelHandlerContext
    ) {
        guard !closeSent, context.channel.isActive else { return }
        sendClose(code, reason, context: context).whenFailure { _ in }
        let channel = context.channel
        closeDeadline = context.eventLoop.scheduleTask(in: timeout ?? closeTimeout) { channel.close(promise: nil) }
    }

    // MARK: Receiving

    private func deliver(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) {
        guard data.readableBytes <= maxMessageSize else {
            return fail(.messageTooLarge, "message too large", context: context)
        }
        guard !closeSent, let peer else { return }
        if opcode == .text {
            guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
                return fail(.dataInconsistentWithMessage, "invalid UTF-8", context: context)
            }
            service.received(.text(text), from: peer)
        } else {
            service.received(.binary(data), from: peer)
        }
    }

    private func checkSize(context: ChannelHandlerContext) {
        if let fragments, fragments.data.readableBytes > maxMessageSize {
            fail(.messageTooLarge, "message too large", context: context)
        }
    }

    /// Echoes a valid close (1000, or 1002 for a code no endpoint may send) and closes; a close answering ours closes.
    private func receivedClose(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        if closeSent { return context.close(promise: nil) }
        var payload = payload
        var reply: WebSocketErrorCode = .normalClosure
        if payload.readableBytes == 1 {
            reply = .protocolError
        } else if let code = payload.readInteger(as: UInt16.self) {
            if !Self.mayBeSent(code) { reply = .protocolError }
            if String(validating: payload.readableBytesView, as: UTF8.self) == nil {
                reply = .dataInconsistentWithMessage
            }
        }
        fail(reply, "", context: context)
    }

    /// Close codes a peer may send (RFC 6455 7.4): the defined ones except the three reserved for local use, and the
    /// ranges for libraries (3000-3999) and private use (4000-4999).
    static func mayBeSent(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: true
        default: false
        }
    }

    /// Sends a close frame and closes the connection once it is written.
    private func fail(_ code: WebSocketErrorCode, _ reason: String, context: ChannelHandlerContext) {
        fragments = nil
        guard !closeSent, context.channel.isActive else { return context.close(promise: nil) }
        let channel = context.channel
        sendClose(code, reason, context: context).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Writes the one close frame this side sends.
    private func sendClose(_ code: WebSocketErrorCode, _ reason: String, context: ChannelHandlerContext)
        -> EventLoopFuture<Void>
    {
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
    }

    private func ping(context: ChannelHandlerContext) {
        guard !closeSent else { return }
        if awaitingPong { return fail(.goingAway, "ping_timeout", context: context) }
        awaitingPong = true
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
            .whenFailure { _ in }
    }
}

/// What a `WebSocketConnectionHandler` serves. Called on the connection's event loop.
protocol WebSocketService: AnyObject {
    func opened(_ peer: WebSocketPeer)
    func received(_ message: WebSocketConnectionHandler.Message, from peer: WebSocketPeer)
    func closed()
}

extension WebSocketConnectionHandler {
    enum Message {
        case text(String)
        case binary(ByteBuffer)
    }
}
