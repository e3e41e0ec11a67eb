import NIOCore
import NIOWebSocket
import Testing

@testable import TickwireTransport

/// The WebSocket protocol of one connection as a value: frames in, actions out, no channel.
@Suite struct WebSocketConnectionStateMachineTests {
    typealias Machine = WebSocketConnectionHandler.StateMachine

    static let key = WebSocketMaskingKey([1, 2, 3, 4] as [UInt8])!

    /// A frame as a client sends it: masked.
    func frame(_ opcode: WebSocketOpcode, _ text: String = "", fin: Bool = true, masked: Bool = true)
        -> WebSocketFrame
    {
        var data = ByteBuffer(string: text)
        if masked { data.webSocketMask(Self.key) }
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: masked ? Self.key : nil, data: data)
    }

    func close(code: UInt16, reason: String = "") -> WebSocketFrame {
        var data = ByteBuffer()
        data.writeInteger(code)
        data.writeString(reason)
        data.webSocketMask(Self.key)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: Self.key, data: data)
    }

    @Test func aWholeTextMessageIsDelivered() {
        var machine = Machine(maxMessageSize: 100)
        #expect(machine.received(frame(.text, "hello")) == .deliver(.text("hello")))
    }

    @Test func fragmentsAreJoinedInOrder() {
        var machine = Machine(maxMessageSize: 100)
        #expect(machine.received(frame(.text, "he", fin: false)) == .none)
        #expect(machine.received(frame(.continuation, "ll", fin: false)) == .none)
        // A ping between fragments is answered and does not disturb the message.
        #expect(machine.received(frame(.ping, "p")) == .sendPong(ByteBuffer(string: "p")))
        #expect(machine.received(frame(.continuation, "o")) == .deliver(.text("hello")))
    }

    @Test func protocolViolationsFailTheConnectionWith1002() {
        for bad in [
            frame(.text, "x", masked: false), frame(.continuation, "x"),
            WebSocketFrame(fin: true, rsv1: true, opcode: .text, maskKey: Self.key, data: ByteBuffer()),
        ] {
            var machine = Machine(maxMessageSize: 100)
            #expect(machine.received(bad) == .failConnection(.protocolError, reason: machine.reason(bad)))
            #expect(!machine.canSend)
        }
        var interleaved = Machine(maxMessageSize: 100)
        _ = interleaved.received(frame(.text, "a", fin: false))
        #expect(
            interleaved.received(frame(.binary, "b")) == .failConnection(.protocolError, reason: "message interleaved"))
    }

    @Test func tooLargeMessagesFailWith1009EvenInFragments() {
        var whole = Machine(maxMessageSize: 4)
        #expect(whole.received(frame(.text, "12345")) == .failConnection(.messageTooLarge, reason: "message too large"))
        var pieces = Machine(maxMessageSize: 4)
        #expect(pieces.received(frame(.text, "123", fin: false)) == .none)
        #expect(
            pieces.received(frame(.continuation, "45", fin: false))
                == .failConnection(.messageTooLarge, reason: "message too large"))
    }

    @Test func textThatIsNotUTF8FailsWith1007() {
        var machine = Machine(maxMessageSize: 100)
        var data = ByteBuffer(bytes: [0xC3, 0x28])
        data.webSocketMask(Self.key)
        let bad = WebSocketFrame(fin: true, opcode: .text, maskKey: Self.key, data: data)
        #expect(machine.received(bad) == .failConnection(.dataInconsistentWithMessage, reason: "invalid UTF-8"))
    }

    @Test func aPeerThatMissesAPingIsClosedAtTheNextOne() {
        var machine = Machine(maxMessageSize: 100)
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.received(frame(.pong)) == .none)
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.pingTimerFired() == .failConnection(.goingAway, reason: "ping_timeout"))
        #expect(machine.pingTimerFired() == .none)
    }

    @Test func aPeersCloseIsEchoedWithTheRightCode() {
        for (code, reply) in [
            (UInt16(1000), WebSocketErrorCode.normalClosure), (1001, .normalClosure), (4000, .normalClosure),
            (1005, .protocolError), (1006, .protocolError), (999, .protocolError), (5000, .protocolError),
        ] {
            var machine = Machine(maxMessageSize: 100)
            #expect(machine.received(close(code: code)) == .failConnection(reply, reason: ""))
        }
        var empty = Machine(maxMessageSize: 100)
        #expect(empty.received(frame(.connectionClose)) == .failConnection(.normalClosure, reason: ""))
    }

    @Test func afterOurCloseOnlyTheAnswerMatters() {
        var machine = Machine(maxMessageSize: 100)
        #expect(
            machine.close(.policyViolation, reason: "revoked")
                == .sendClose(.policyViolation, reason: "revoked", timeout: nil))
        #expect(!machine.canSend)
        #expect(machine.received(frame(.text, "late")) == .none)
        #expect(machine.received(frame(.ping)) == .none)
        #expect(machine.pingTimerFired() == .none)
        #expect(machine.close(.goingAway, reason: "again") == .none)
        #expect(machine.received(close(code: 1000)) == .closeChannel)
    }

    @Test func shuttingDownGivesThePeerASecond() {
        var machine = Machine(maxMessageSize: 100)
        #expect(
            machine.close(.goingAway, reason: "shutting_down", timeout: .seconds(1))
                == .sendClose(.goingAway, reason: "shutting_down", timeout: .seconds(1)))
    }
}

extension WebSocketConnectionHandler.StateMachine {
    /// The reason the machine gives for a frame that breaks the protocol (for the table above).
    fileprivate func reason(_ frame: WebSocketFrame) -> String {
        if frame.maskKey == nil || frame.rsv1 { return "bad frame header" }
        return "continuation without a message"
    }
}
