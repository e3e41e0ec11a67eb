import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Hummingbird's connection handling (`Inner`: HTTP/1 with WebSocket upgrades), except for a connection whose first
/// request is a stream that `StreamConnectionHandler` takes over: that connection has no task while it is open.
///
/// Hummingbird runs each connection in a task that waits for its next request. Even idle, that task's async frames
/// take about 10 KiB per connection, as much as everything else an open stream holds. So this channel's task first
/// waits for `FirstRequestSignal` to say whether the first request was taken over. If it was, the task waits until
/// that response is over (for a live stream, until the connection closes) and only then lets Hummingbird's handling
/// run (it serves the next requests, or finds the connection closed and cleans up); otherwise Hummingbird's handling
/// runs at once, as it would without this wrapper.
struct StreamingChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: Inner.Value
        /// If the connection's first request was taken over by `StreamConnectionHandler`, when its response is over.
        let takenOver: EventLoopFuture<EventLoopFuture<Void>?>
        var channel: any Channel { inner.channel }
    }

    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let signal = FirstRequestSignal(eventLoop: channel.eventLoop)
        do {
            // The channel keeps its receive buffer between reads: start it small, since most connections here send
            // one short request and then only read (it grows for larger reads).
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            try channel.pipeline.syncOperations.addHandler(signal, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let takenOver = signal.decided
        return inner.setup(channel: channel, logger: logger).map { Value(inner: $0, takenOver: takenOver) }
    }

    func handle(value: Value, logger: Logger) async {
        if let handedBack = try? await value.takenOver.get() {
            try? await handedBack.get()
        }
        await inner.handle(value: value.inner, logger: logger)
    }
}

/// `StreamConnectionHandler`'s answer for a connection's first request, sent to `FirstRequestSignal` as an outbound
/// user event.
struct StreamTakeoverDecision: Sendable {
    /// Nil if the request was not taken over; else when its response is over and the connection is Hummingbird's.
    let handedBack: EventLoopFuture<Void>?
}

/// Says whether a connection's first request was taken over by `StreamConnectionHandler`, then leaves the pipeline.
///
/// It sits first in the pipeline and sees raw bytes. A request that does not begin with `GET /api/v1/stream`, or
/// whose head has an `Upgrade` header, cannot be taken over, so it answers no as soon as it can tell (WebSocket
/// upgrades, failed ones included, never reach the handler); for any other it waits for the handler's
/// `StreamTakeoverDecision`. A connection that closes first gets no.
final class FirstRequestSignal: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    /// Every request `StreamConnectionHandler` may take over starts with these bytes.
    static let candidatePrefix = Array("GET /api/v1/stream".utf8)
    /// A head longer than this is not looked into: no, to be safe.
    static let maxHeadBytes = 16 * 1024
    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let upgradeHeader = Array("\r\nupgrade:".utf8)

    private let promise: EventLoopPromise<EventLoopFuture<Void>?>
    private var head: [UInt8] = []
    private var isDecided = false
    private var deadlineSet = false

    init(eventLoop: any EventLoop) {
        self.promise = eventLoop.makePromise()
    }

    var decided: EventLoopFuture<EventLoopFuture<Void>?> { promise.futureResult }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let candidate = isDecided || stillCandidate(after: unwrapInboundIn(data))
        // For a candidate, the handler's decision follows, as a rule from inside this call.
        context.fireChannelRead(data)
        if !candidate { return decide(nil, context: context) }
        if !isDecided, !deadlineSet, head.firstRange(of: Self.headEnd) != nil {
            // A whole head and still no decision: the request never reached the handler (a head the parser
            // refused, say). Hummingbird's handling must then answer it.
            deadlineSet = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(1)) {
                let (signal, context) = loopBound.value
                signal.decide(nil, context: context)
            }
        }
    }

    /// Whether the head read so far (with `bytes`) may still be a request the handler takes over.
    private func stillCandidate(after bytes: ByteBuffer) -> Bool {
        head += bytes.readableBytesView.prefix(Self.maxHeadBytes - head.count)
        guard head.starts(with: Self.candidatePrefix) || Self.candidatePrefix.starts(with: head) else { return false }
        guard let end = head.firstRange(of: Self.headEnd) else { return head.count < Self.maxHeadBytes }
        let lowercased = head[..<end.lowerBound].map { (65...90).contains($0) ? $0 + 32 : $0 }
        return lowercased.firstRange(of: Self.upgradeHeader) == nil
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let decision = event as? StreamTakeoverDecision else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        promise?.succeed()
        decide(decision.handedBack, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
        decide(nil, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !isDecided { promise.succeed(nil) }
        isDecided = true
    }

    private func decide(_ handedBack: EventLoopFuture<Void>?, context: ChannelHandlerContext) {
        guard !isDecided else { return }
        isDecided = true
        promise.succeed(handedBack)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

extension HTTPServerBuilder {
    /// `http1WebSocketUpgrade(webSocketRouter:configuration:)` in a `StreamingChildChannel`.
    static func streaming<WebSocketRouter: HTTPResponderBuilder & SendableMetatype>(
        webSocketRouter: WebSocketRouter, configuration: HTTP1WebSocketUpgradeChannel.Configuration
    ) -> HTTPServerBuilder where WebSocketRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            StreamingChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration))
        }
    }
}
