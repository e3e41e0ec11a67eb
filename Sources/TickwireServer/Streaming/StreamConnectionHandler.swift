import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import TickwireHub

/// Serves stream requests (`GET /api/v1/stream`) without a Swift task per open stream.
///
/// Hummingbird answers each connection from a task of its own, and the task allocator keeps the high-water mark of
/// that task's async frames (the whole middleware chain of the request) for as long as the connection lives: about
/// 36 KiB per open stream, against a few hundred bytes for its subscription. This handler sits between the HTTP codec
/// and Hummingbird. A stream request that arrives on a connection with no other request in flight is not passed on:
/// the handler runs the same router for it in a short-lived task and writes the response itself. Once the
/// subscription has caught up, the response body hands the connection over (`DetachableBodyWriter.detach`) and the
/// task ends: the hub writes live events straight to the socket (`DirectSink`); this handler ends the response and
/// closes the connection when the subscription ends, and cancels the subscription when the client goes away.
///
/// Every other request goes to Hummingbird untouched, and so do requests after a stream response that ended without
/// being handed over (an error answer). When the connection's first request is taken over, Hummingbird's task for the
/// connection waits until that response is over (`StreamingChildChannel`, told through `FirstRequestSignal`).
final class StreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Runs the router for one request (the connection's channel is given to the request context).
    typealias Respond = @Sendable (Request, any Channel) async -> Response

    /// At most this many bytes of requests pipelined behind a stream request are held; beyond it the client is
    /// abusing the connection and it is closed.
    static let maxHeldBytes = 64 * 1024

    private let respond: Respond
    private let takesOver: @Sendable (HTTPRequest) -> Bool
    /// Whether a request has been seen: the first one's fate is told to `FirstRequestSignal`.
    private var sawRequest = false
    /// When the first request was taken over: Hummingbird's task for the connection waits on this.
    private var handBack: EventLoopPromise<Void>?
    /// Requests handed to Hummingbird whose response has not ended yet; a stream is only taken over at zero, so its
    /// bytes never interleave with another response.
    private var unanswered = 0
    /// The stream request this handler is answering, if any.
    private var serving: Serving?
    /// From the head of a taken-over request until its `.end`: its parts are not passed on.
    private var readingServedRequest = false
    /// Parts of requests that came after the one being served, passed on once it is answered.
    private var held: [HTTPRequestPart] = []
    private var heldBytes = 0

    private struct Serving {
        /// The task answering the request, until the response is handed over.
        var task: Task<Void, Never>?
        /// The subscription the response streams (`DetachableBodyWriter.watch`).
        var subscription: Subscription?
        /// Set once the response has been handed over: called when the subscription ends (see `detach`).
        var onEnd: (@Sendable (Subscription.EndReason) -> ByteBuffer?)?
        /// The request asked for the connection to close after the response.
        var closeWhenDone: Bool
    }

    init(respond: @escaping Respond, takesOver: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.respond = respond
        self.takesOver = takesOver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if readingServedRequest {
            if case .end = part { readingServedRequest = false }
            return
        }
        if serving != nil { return hold(part, context: context) }
        if case .head(let head) = part {
            let isFirst = !sawRequest
            sawRequest = true
            let takeOver = unanswered == 0 && takesOver(head)
            if isFirst {
                if takeOver { handBack = context.eventLoop.makePromise() }
                let decision = StreamTakeoverDecision(handedBack: handBack?.futureResult)
                context.triggerUserOutboundEvent(decision, promise: nil)
            }
            if takeOver {
                readingServedRequest = true
                return serve(head, context: context)
            }
            unanswered += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered = max(0, unanswered - 1) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A client that closes its side while its stream is open has gone away (the server allows half-closure).
        if serving != nil, let event = event as? ChannelEvent, event == .inputClosed {
            return context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let serving {
            serving.task?.cancel()
            // (A handed-over response learns it through `subscriptionEnded`.)
            serving.subscription?.cancel()
        }
        handBack?.succeed()
        handBack = nil
        context.fireChannelInactive()
    }

    private func hold(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        if case .body(let buffer) = part { heldBytes += buffer.readableBytes }
        held.append(part)
        if heldBytes > Self.maxHeldBytes || held.count > 1_000 { context.close(promise: nil) }
    }

    private func serve(_ head: HTTPRequest, context: ChannelHandlerContext) {
        let connection = ServedConnection(handler: self, context: context)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        let channel = context.channel
        let respond = self.respond
        let closeWhenDone = head.headerFields[.connection]?.lowercased() == "close"
        serving = Serving(closeWhenDone: closeWhenDone)
        serving?.task = Task {
            var response = await respond(request, channel)
            if closeWhenDone { response.headers[.connection] = "close" }
            do {
                try await connection.write(.head(response.head))
                try await response.body.write(DetachableBodyWriter(connection: connection))
            } catch {
                connection.close()
            }
        }
    }

    // MARK: - Called by `ServedConnection`, on the loop

    fileprivate func watch(_ subscription: Subscription) {
        serving?.subscription = subscription
    }

    fileprivate func detached(
        onEnd: @escaping @Sendable (Subscription.EndReason) -> ByteBuffer?, context: ChannelHandlerContext
    ) {
        guard let subscription = serving?.subscription else { return }
        serving?.task = nil
        serving?.onEnd = onEnd
        if !context.channel.isActive {
            // Closed while the task was handing over: nothing else would cancel it.
            subscription.cancel()
        } else if let ended = subscription.snapshot.ended {
            subscriptionEnded(ended, of: subscription, context: context)
        } else {
            releaseRequestParser(context: context)
        }
    }

    fileprivate func subscriptionEnded(
        _ reason: Subscription.EndReason, of subscription: Subscription, context: ChannelHandlerContext
    ) {
        // (A response that ended without being handed over may be followed by another stream on the connection.)
        guard let serving, serving.subscription === subscription else { return }
        guard let onEnd = serving.onEnd else {
            // The task still writes: if it is blocked behind a client that stopped reading, only closing the
            // connection frees it. Other ends reach it through the subscription.
            if reason == .slowConsumer { context.close(promise: nil) }
            return
        }
        self.serving = nil
        let lastWords = onEnd(reason)
        guard context.channel.isActive else { return }
        if let lastWords { context.write(wrapOutboundOut(.body(lastWords)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    /// A handed-over stream is its connection's last response (the connection closes when it ends), so no more
    /// requests are parsed: the request parser (about 1 KiB with its buffers, an eighth of an idle stream's cost)
    /// gives way to a handler that drops what the client sends.
    private func releaseRequestParser(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let parser = try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self),
            (try? pipeline.addHandler(DroppedInput(), position: .after(parser.handler))) != nil
        else { return }
        pipeline.removeHandler(context: parser, promise: nil)
        if let responder = try? pipeline.context(handlerType: MalformedRequestResponder.self) {
            pipeline.removeHandler(context: responder, promise: nil)
        }
    }

    /// The response ended without being handed over: later requests are served again.
    fileprivate func finished(context: ChannelHandlerContext) {
        guard let serving else { return }
        self.serving = nil
        if serving.closeWhenDone { return context.close(promise: nil) }
        let parts = held
        held = []
        heldBytes = 0
        for part in parts { channelRead(context: context, data: wrapInboundOut(part)) }
        // Outside a read, what was passed on must be announced complete: Hummingbird's inbound stream delivers reads
        // only then (without it, a request that waited here would wait for ever).
        if !parts.isEmpty { context.fireChannelReadComplete() }
        handBack?.succeed()
        handBack = nil
    }
}

/// What the client of a stream that will be its connection's last response sends after its request: dropped.
private final class DroppedInput: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// The connection a `StreamConnectionHandler` is answering, as its task and the hub see it.
struct ServedConnection: Sendable {
    private let handler: NIOLoopBound<StreamConnectionHandler>
    private let context: NIOLoopBound<ChannelHandlerContext>

    fileprivate init(handler: StreamConnectionHandler, context: ChannelHandlerContext) {
        self.handler = NIOLoopBound(handler, eventLoop: context.eventLoop)
        self.context = NIOLoopBound(context, eventLoop: context.eventLoop)
    }

    private var eventLoop: any EventLoop { context.eventLoop }

    /// Writes and flushes one part, returning once it has been written to the socket.
    func write(_ part: HTTPResponsePart) async throws {
        try await eventLoop.flatSubmit {
            let context = self.context.value
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(NIOAny(part), promise: promise)
            return promise.futureResult
        }.get()
    }

    /// Writes the last part; the connection then serves its next request, if any.
    func finish(_ trailers: HTTPFields?) async throws {
        try await write(.end(trailers))
        eventLoop.execute { handler.value.finished(context: context.value) }
    }

    func close() {
        eventLoop.execute { context.value.close(promise: nil) }
    }

    /// Ties the connection to the subscription its response streams (see `DetachableBodyWriter.watch`).
    func watch(_ subscription: Subscription) {
        eventLoop.execute { handler.value.watch(subscription) }
        subscription.whenEnded { reason in
            eventLoop.execute { handler.value.subscriptionEnded(reason, of: subscription, context: context.value) }
        }
    }

    /// See `DetachableBodyWriter.detach`.
    func detach(onEnd: @escaping @Sendable (Subscription.EndReason) -> ByteBuffer?) {
        eventLoop.execute { handler.value.detached(onEnd: onEnd, context: context.value) }
    }
}

/// The body writer of a response a `StreamConnectionHandler` writes. A streaming body that has caught up calls
/// `detach` and returns without finishing: the connection then lives on without the task.
struct DetachableBodyWriter: ResponseBodyWriter {
    let connection: ServedConnection

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await connection.write(.body(buffer))
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await connection.finish(trailingHeaders)
    }

    /// Call before streaming `subscription`: if it ends as a slow consumer while a write waits for the client, the
    /// connection closes (that write fails, and the task ends).
    func watch(_ subscription: Subscription) {
        connection.watch(subscription)
    }

    /// Hands the connection over to the watched subscription; the task returns without finishing. When the
    /// subscription ends (the socket closing cancels it), `onEnd` is called once, on the loop; what it returns is
    /// written before the end of the response, and the connection closes.
    func detach(onEnd: @escaping @Sendable (Subscription.EndReason) -> ByteBuffer?) {
        connection.detach(onEnd: onEnd)
    }
}

extension StreamConnectionHandler {
    /// A handler for each new connection, taking over `GET /api/v1/stream` and answering it with `router`.
    static func factory(router: Router<TickwireRequestContext>, logger: Logger)
        -> @Sendable () -> StreamConnectionHandler
    {
        let responder = router.buildResponder()
        let respond: Respond = { request, channel in
            var logger = logger
            logger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            let context = TickwireRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.server] = "Tickwire"
            return response
        }
        // (Each of these starts with `FirstRequestSignal.candidatePrefix`.)
        let takesOver: @Sendable (HTTPRequest) -> Bool = { head in
            guard head.method == .get, head.headerFields[.upgrade] == nil, let path = head.path else { return false }
            return path == "/api/v1/stream" || path.hasPrefix("/api/v1/stream?")
        }
        return { StreamConnectionHandler(respond: respond, takesOver: takesOver) }
    }
}
