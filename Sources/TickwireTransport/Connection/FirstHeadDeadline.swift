import NIOCore

/// Closes a connection whose first request head has not fully arrived within `timeout` of its opening: silent
/// clients, and clients that trickle a head a byte at a time, cannot hold a file descriptor. It watches the bytes for
/// the blank line that ends the head, then leaves the pipeline; it copies nothing.
final class FirstHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeout: Duration
    private var deadline: Scheduled<Void>?
    /// How many bytes of `\r\n\r\n` the bytes so far end with.
    private var matched = 0
    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)

    init(timeout: Duration) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let complete = unwrapInboundIn(data).withUnsafeReadableBytes { bytes in
            for byte in bytes {
                matched = byte == Self.headEnd[matched] ? matched + 1 : (byte == 13 ? 1 : 0)
                if matched == 4 { return true }
            }
            return false
        }
        context.fireChannelRead(data)
        if complete { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }
}
