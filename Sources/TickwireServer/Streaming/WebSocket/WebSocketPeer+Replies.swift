import NIOCore
import TickwireTransport

extension WebSocketPeer: WebSocketReplySocket {
    func send(_ json: ByteBuffer) async throws {
        try await send(.text, json).get()
    }
}
