import NIOCore
import NIOWebSocket

extension WebSocketConnectionHandler {
    /// The WebSocket protocol of one connection as a value: each frame, timer and request goes in, and what the
    /// handler must do comes out. No channel, no clock: the handler owns those and carries out the actions.
    struct StateMachine {
        enum State {
            /// Both sides may send. `fragments` is the message being received in pieces.
            case open(fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?, awaitingPong: Bool)
            /// This side has sent its close frame: it sends nothing more and waits for the peer's close (or its
            /// deadline). Frames still arriving are ignored, except a close, which ends the connection.
            case closing
            /// The channel is gone.
            case closed
        }

        enum Action: Equatable {
            case none
            /// A whole message for the service.
            case deliver(Message)
            case sendPong(ByteBuffer)
            case sendPing
            /// Send this side's close frame, then close the channel once it is written.
            case failConnection(WebSocketErrorCode, reason: String)
            /// Send this side's close frame and give the peer until `timeout` to answer it.
            case sendClose(WebSocketErrorCode, reason: String, timeout: TimeAmount?)
            case closeChannel
        }

        let maxMessageSize: Int
        private(set) var state: State = .open(fragments: nil, awaitingPong: false)

        init(maxMessageSize: Int) {
            self.maxMessageSize = maxMessageSize
        }

        /// Whether the service may still send.
        var canSend: Bool {
            if case .open = state { return true }
            return false
        }

        mutating func received(_ frame: WebSocketFrame) -> Action {
            let wellFormed = frame.maskKey != nil && !frame.rsv1 && !frame.rsv2 && !frame.rsv3
            guard case .open(let fragments, let awaitingPong) = state else {
                // After this side's close, only the answer to it (or a broken frame) matters: either ends it.
                guard case .closing = state, !wellFormed || frame.opcode == .connectionClose else { return .none }
                return .closeChannel
            }
            guard wellFormed else { return fail(.protocolError, "bad frame header") }
            switch frame.opcode {
            case .text, .binary:
                guard fragments == nil else { return fail(.protocolError, "message interleaved") }
                return frame.fin
                    ? deliver(frame.opcode, frame.unmaskedData)
                    : gather((frame.opcode, frame.unmaskedData), awaitingPong: awaitingPong)
            case .continuation:
                guard var message = fragments else { return fail(.protocolError, "continuation without a message") }
                // Not kept in the state while it grows, so the buffer stays uniquely referenced.
                state = .open(fragments: nil, awaitingPong: awaitingPong)
                var more = frame.unmaskedData
                message.data.writeBuffer(&more)
                return frame.fin ? deliver(message.opcode, message.data) : gather(message, awaitingPong: awaitingPong)
            case .ping:
                return .sendPong(frame.unmaskedData)
            case .pong:
                state = .open(fragments: fragments, awaitingPong: false)
                return .none
            case .connectionClose:
                return fail(Self.reply(toClose: frame.unmaskedData), "")
            default:
                return fail(.protocolError, "reserved opcode")
            }
        }

        /// The ping timer fired: a peer that has not answered the previous ping is gone.
        mutating func pingTimerFired() -> Action {
            guard case .open(let fragments, let awaitingPong) = state else { return .none }
            if awaitingPong { return fail(.goingAway, "ping_timeout") }
            state = .open(fragments: fragments, awaitingPong: true)
            return .sendPing
        }

        /// This side ends the conversation (the service, or the server shutting down).
        mutating func close(_ code: WebSocketErrorCode, reason: String, timeout: TimeAmount? = nil) -> Action {
            guard case .open = state else { return .none }
            state = .closing
            return .sendClose(code, reason: reason, timeout: timeout)
        }

        /// A frame the decoder refused, or another protocol error found below this handler.
        mutating func fail(_ code: WebSocketErrorCode, _ reason: String) -> Action {
            guard case .open = state else { return .closeChannel }
            state = .closing
            return .failConnection(code, reason: reason)
        }

        mutating func channelClosed() {
            state = .closed
        }

        private mutating func deliver(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> Action {
            guard data.readableBytes <= maxMessageSize else { return fail(.messageTooLarge, "message too large") }
            guard opcode == .text else { return .deliver(.binary(data)) }
            guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
                return fail(.dataInconsistentWithMessage, "invalid UTF-8")
            }
            return .deliver(.text(text))
        }

        private mutating func gather(_ message: (opcode: WebSocketOpcode, data: ByteBuffer), awaitingPong: Bool)
            -> Action
        {
            guard message.data.readableBytes <= maxMessageSize else {
                return fail(.messageTooLarge, "message too large")
            }
            state = .open(fragments: message, awaitingPong: awaitingPong)
            return .none
        }

        /// The code that answers a peer's close: 1000 for a valid one, 1002 for a code no endpoint may send or a
        /// one-byte payload, 1007 for a reason that is not UTF-8.
        static func reply(toClose payload: ByteBuffer) -> WebSocketErrorCode {
            var payload = payload
            if payload.readableBytes == 1 { return .protocolError }
            guard let code = payload.readInteger(as: UInt16.self) else { return .normalClosure }
            if String(validating: payload.readableBytesView, as: UTF8.self) == nil {
                return .dataInconsistentWithMessage
            }
            return mayBeSent(code) ? .normalClosure : .protocolError
        }

        /// Close codes a peer may send (RFC 6455 7.4): the defined ones except the three reserved for local use, and
        /// the ranges for libraries (3000-3999) and private use (4000-4999).
        static func mayBeSent(_ code: UInt16) -> Bool {
            switch code {
            case 1000...1003, 1007...1011, 3000...4999: true
            default: false
            }
        }
    }
}
