import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Hummingbird's connection handling (`Inner`: HTTP/1 with WebSocket upgrades), except for a connection whose first
/// request is a stream that `StreamConnectionHandler` takes over, or an upgrade to a WebSocket served in the pipeline
/// (`WebSocketEndpoints`): such a connection holds only a task waiting on a future while it is open.
///
/// Hummingbird runs each connection in a task that waits for its next request. Even idle, that task's async frames
/// take about 10 KiB per connection, as much as everything else an open stream holds. So this channel's task first
/// waits for `FirstRequestSignal` to say whether the first request was taken over. If it was, the task waits until
/// that response is over (for a live stream, until the connection closes) and only then lets Hummingbird's handling
/// run (it serves the next requests, or finds the connection closed and cleans up); otherwise Hummingbird's handling
/// runs at once, as it would without this wrapper.
struct StreamingChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// Hummingbird's value for the connection once its handling may run: once the first request head is read
        /// if Hummingbird serves it, after its response if `StreamConnectionHandler` took it over; nil for a
        /// connection that closed first or was served in the pipeline (a WebSocket, `WebSocketEndpoints`), once it
        /// has closed.
        let hummingbirdsTurn: EventLoopFuture<Inner.Value?>
    }

    let inner: Inner
    let connections: StreamingConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let eventLoop = channel.eventLoop
        // Completed from callbacks on futures the connection has anyway: an open connection holds no extra futures.
        let turn = eventLoop.makePromise(of: Inner.Value?.self)
        let webSockets = connections.webSockets
        let router = FirstRequestRouter(
            candidatePrefix: connections.webSocketCandidatePrefix,
            takesWebSocket: { webSockets.serves(head: $0) },
            configure: { taskless in
                do {
                    if taskless {
                        try webSockets.configure(channel, logger: logger)
                        channel.closeFuture.whenComplete { _ in turn.succeed(nil) }
                        return eventLoop.makeSucceededVoidFuture()
                    }
                    let signal = FirstRequestSignal(
                        candidatePrefix: Array("GET \(connections.streamPath)".utf8), eventLoop: eventLoop)
                    try channel.pipeline.syncOperations.addHandler(signal)
                    let value = inner.setup(channel: channel, logger: logger)
                    try MalformedRequestResponder.install(
                        in: channel.pipeline.syncOperations, refuse: connections.refuseMalformed)
                    let decided = signal.decided
                    value.whenComplete { result in
                        guard case .success(let value) = result else { return turn.succeed(nil) }
                        decided.whenSuccess { handedBack in
                            guard let handedBack else { return turn.succeed(value) }
                            handedBack.whenComplete { _ in turn.succeed(value) }
                        }
                    }
                    return value.map { _ in }
                } catch {
                    turn.succeed(nil)
                    return eventLoop.makeFailedFuture(error)
                }
            },
            closed: { turn.succeed(nil) })
        do {
            // The channel keeps its receive buffer between reads: start it small, since most connections here send
            // one short request and then only read (it grows for larger reads).
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            try channel.pipeline.syncOperations.addHandler(IdleConnectionGuard(timeout: connections.timeouts.idle))
            try channel.pipeline.syncOperations.addHandler(
                FirstHeadDeadline(timeout: connections.timeouts.firstRequestHead))
            try channel.pipeline.syncOperations.addHandler(router)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return eventLoop.makeSucceededFuture(Value(channel: channel, hummingbirdsTurn: turn.futureResult))
    }

    /// One wait on one future: the task's frames stay within its first allocator slab for as long as the connection
    /// is open (a second awaited future here costs a 1 KiB slab per connection).
    func handle(value: Value, logger: Logger) async {
        do {
            guard let innerValue = try await value.hummingbirdsTurn.get() else { return }
            await inner.handle(value: innerValue, logger: logger)
        } catch {
            try? await value.channel.close()
        }
    }
}

/// Reads a connection's first request head and sets up the pipeline that serves the connection: a taskless WebSocket
/// (`WebSocketEndpoints`) or Hummingbird's HTTP handling; then passes on what it read and leaves the pipeline.
///
/// Only heads that begin like a WebSocket route are read whole (at most `FirstRequestSignal.maxHeadBytes`); any
/// other request is passed on from its first bytes.
final class FirstRequestRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private static let headEnd = Array("\r\n\r\n".utf8)

    /// Every WebSocket route served in the pipeline starts with these bytes.
    private let candidatePrefix: [UInt8]
    private let takesWebSocket: (ArraySlice<UInt8>) -> Bool
    /// Sets up the pipeline (true: for a taskless WebSocket); what was read is passed on when its future succeeds.
    private let configure: (Bool) -> EventLoopFuture<Void>
    private let closed: () -> Void
    private var head: [UInt8] = []
    private var held: [NIOAny] = []
    private var heldInputClosed = false
    private var deciding = false

    init(
        candidatePrefix: [UInt8], takesWebSocket: @escaping (ArraySlice<UInt8>) -> Bool,
        configure: @escaping (Bool) -> EventLoopFuture<Void>, closed: @escaping () -> Void
    ) {
        self.candidatePrefix = candidatePrefix
        self.takesWebSocket = takesWebSocket
        self.configure = configure
        self.closed = closed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(data)
        if deciding { return }
        let bytes = unwrapInboundIn(data).readableBytesView
        if head.isEmpty, !candidatePrefix.starts(with: bytes.prefix(candidatePrefix.count)) {
            // Most connections: the first read already says no, and nothing is copied.
            return decide(false, context: context)
        }
        head += bytes.prefix(FirstRequestSignal.maxHeadBytes - head.count)
        guard head.starts(with: candidatePrefix) || candidatePrefix.starts(with: head) else {
            return decide(false, context: context)
        }
        if let end = head.firstRange(of: Self.headEnd) {
            decide(takesWebSocket(head[..<end.upperBound]), context: context)
        } else if head.count >= FirstRequestSignal.maxHeadBytes {
            decide(false, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .inputClosed? = event as? ChannelEvent else { return context.fireUserInboundEventTriggered(event) }
        heldInputClosed = true
        if !deciding { decide(false, context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !deciding {
            deciding = true
            closed()
        }
        context.fireChannelInactive()
    }

    private func decide(_ taskless: Bool, context: ChannelHandlerContext) {
        deciding = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        configure(taskless).whenComplete { result in
            let (router, context) = loopBound.value
            switch result {
            case .success: router.passOn(context: context)
            case .failure: context.close(promise: nil)
            }
        }
    }

    private func passOn(context: ChannelHandlerContext) {
        let held = self.held
        self.held = []
        for data in held { context.fireChannelRead(data) }
        context.fireChannelReadComplete()
        if heldInputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
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
/// It sits before the HTTP codec and sees raw bytes. A request that does not begin with `GET /api/v1/stream`, or
/// whose head has an `Upgrade` header, cannot be taken over, so it answers no as soon as it can tell (WebSocket
/// upgrades, failed ones included, never reach the handler); for any other it waits for the handler's
/// `StreamTakeoverDecision`. A connection that closes first gets no.
final class FirstRequestSignal: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    /// A head longer than this is not looked into: no, to be safe.
    static let maxHeadBytes = 16 * 1024
    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let upgradeHeader = Array("\r\nupgrade:".utf8)

    /// Every request `StreamConnectionHandler` may take over starts with these bytes.
    private let candidatePrefix: [UInt8]
    private let promise: EventLoopPromise<EventLoopFuture<Void>?>
    private var head: [UInt8] = []
    private var isDecided = false
    private var deadlineSet = false

    init(candidatePrefix: [UInt8], eventLoop: any EventLoop) {
        self.candidatePrefix = candidatePrefix
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
        guard head.starts(with: candidatePrefix) || candidatePrefix.starts(with: head) else { return false }
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

/// How connections are served: which first requests the pipeline takes (`streamPath`, the WebSocket routes), how long
/// a connection may stay silent, and how a request the parser refuses is answered.
public struct StreamingConnections: Sendable {
    /// The multiplexed stream's route (`StreamConnectionHandler` takes requests to it over).
    public var streamPath: String
    public var webSockets: any PipelineWebSockets
    public var timeouts: ConnectionTimeouts
    public var refuseMalformed: MalformedRequestResponder.Refuse

    public init(
        streamPath: String, webSockets: any PipelineWebSockets, timeouts: ConnectionTimeouts,
        refuseMalformed: @escaping MalformedRequestResponder.Refuse
    ) {
        self.streamPath = streamPath
        self.webSockets = webSockets
        self.timeouts = timeouts
        self.refuseMalformed = refuseMalformed
    }

    /// What every pipeline WebSocket route's request starts with: `GET ` and the paths' common prefix.
    var webSocketCandidatePrefix: [UInt8] {
        let paths = webSockets.paths.map { Array("GET \($0)".utf8) }
        guard var prefix = paths.first else { return Array("GET ".utf8) }
        for path in paths.dropFirst() {
            prefix = Array(zip(prefix, path).prefix { $0 == $1 }.map(\.0))
        }
        return prefix
    }
}

/// The WebSocket routes served in the pipeline, as the connection setup needs them (the server's routes and
/// authentication decide each upgrade).
public protocol PipelineWebSockets: Sendable {
    var paths: Set<String> { get }
    /// Whether a whole request head (raw bytes) is an upgrade served in the pipeline.
    func serves(head: ArraySlice<UInt8>) -> Bool
    /// Sets up `channel`'s pipeline to upgrade the request and serve the socket.
    func configure(_ channel: any Channel, logger: Logger) throws
    /// The decision for hummingbird-websocket (compressed sockets, and any upgrade the pipeline did not take).
    func libraryUpgrade(_ head: HTTPRequest, channel: any Channel, logger: Logger) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades in a `StreamingChildChannel`.
    public static func streaming(
        _ connections: StreamingConnections, configuration: HTTP1WebSocketUpgradeChannel.Configuration
    ) -> HTTPServerBuilder {
        .init { responder in
            StreamingChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: configuration,
                    shouldUpgrade: { head, channel, logger in
                        await connections.webSockets.libraryUpgrade(head, channel: channel, logger: logger)
                    }),
                connections: connections)
        }
    }
}

/// How long a connection may stay silent.
public struct ConnectionTimeouts: Sendable {
    /// From accepting a connection to its first whole request head.
    public var firstRequestHead: Duration
    /// Nothing read or written (a stream's heartbeats and pings count as written); closed after one to two of these.
    public var idle: Duration

    public init(firstRequestHead: Duration, idle: Duration) {
        self.firstRequestHead = firstRequestHead
        self.idle = idle
    }
}
