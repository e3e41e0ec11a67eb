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
public final class StreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// Runs the router for one request (the connection's channel is given to the request context).
    public typealias Respond = @Sendable (Request, any Channel) async -> Response

    /// At most this many bytes of requests pipelined behind a stream request are held; beyond it the client is
    /// abusing the connection and it is closed.
    static let maxHeldBytes = 64 * 1024

    typealias Machine = StateMachine<
        HTTPRequestPart, Task<Void, Never>, Subscription, @Sendable (Subscription.EndReason) -> ByteBuffer?
    >

    private let respond: Respond
    private let takesOver: @Sendable (HTTPRequest) -> Bool
    private var machine = Machine(maxHeldBytes: StreamConnectionHandler.maxHeldBytes, maxHeldParts: 1_000)
    /// When the first request was taken over: Hummingbird's task for the connection waits on this.
    private var handBack: EventLoopPromise<Void>?

    public init(respond: @escaping Respond, takesOver: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.respond = respond
        self.takesOver = takesOver
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        let kind: Machine.Kind
        switch part {
        case .head(let head):
            kind = .head(
                takesOver: takesOver(head), closeWhenDone: head.headerFields[.connection]?.lowercased() == "close")
        case .body(let buffer): kind = .body(bytes: buffer.readableBytes)
        case .end: kind = .end
        }
        switch machine.received(part, kind) {
        case .drop, .held:
            break
        case .closeConnection:
            context.close(promise: nil)
        case .passOn(let firstRequest):
            if firstRequest { context.triggerUserOutboundEvent(StreamTakeoverDecision(handedBack: nil), promise: nil) }
            context.fireChannelRead(data)
        case .serve(let firstRequest, let closeWhenDone):
            if firstRequest {
                let promise = context.eventLoop.makePromise(of: Void.self)
                handBack = promise
                context.triggerUserOutboundEvent(StreamTakeoverDecision(handedBack: promise.futureResult), promise: nil)
            }
            if case .head(let head) = part { serve(head, closeWhenDone: closeWhenDone, context: context) }
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { machine.responseEnded() }
        context.write(data, promise: promise)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A client that closes its side while its stream is open has gone away (the server allows half-closure).
        if let event = event as? ChannelEvent, event == .inputClosed, machine.inputClosed() {
            return context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let (work, watched) = machine.channelInactive()
        work?.cancel()
        // (A handed-over response learns it through `subscriptionEnded`.)
        watched?.cancel()
        handBack?.succeed()
        handBack = nil
        context.fireChannelInactive()
    }

    private func serve(_ head: HTTPRequest, closeWhenDone: Bool, context: ChannelHandlerContext) {
        let connection = ServedConnection(handler: self, context: context)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        let channel = context.channel
        let respond = self.respond
        machine.started(
            Task {
                var response = await respond(request, channel)
                if closeWhenDone { response.headers[.connection] = "close" }
                do {
                    try await connection.write(.head(response.head))
                    try await response.body.write(DetachableBodyWriter(connection: connection))
                } catch {
                    connection.close()
                }
            })
    }

    // MARK: - Called by `ServedConnection`, on the loop

    fileprivate func watch(_ subscription: Subscription) {
        machine.watch(subscription)
    }

    fileprivate func detached(
        onEnd: @escaping @Sendable (Subscription.EndReason) -> ByteBuffer?, context: ChannelHandlerContext
    ) {
        let subscription = machine.state.watched
        switch machine.detached(
            onEnd: onEnd, channelActive: context.channel.isActive, ended: subscription?.snapshot.ended)
        {
        case .none: break
        case .cancel(let subscription): subscription.cancel()
        case .ended(let reason):
            if let subscription { subscriptionEnded(reason, of: subscription, context: context) }
        case .releaseParser: releaseRequestParser(context: context)
        }
    }

    fileprivate func subscriptionEnded(
        _ reason: Subscription.EndReason, of subscription: Subscription, context: ChannelHandlerContext
    ) {
        switch machine.subscriptionEnded(reason, of: subscription) {
        case .none: break
        case .closeConnection: context.close(promise: nil)
        case .finish(let onEnd):
            let lastWords = onEnd(reason)
            guard context.channel.isActive else { return }
            if let lastWords { context.write(wrapOutboundOut(.body(lastWords)), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.close(promise: nil)
        }
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
        switch machine.finished() {
        case .none: return
        case .closeConnection: return context.close(promise: nil)
        case .resume(let parts):
            for part in parts { channelRead(context: context, data: wrapInboundOut(part)) }
            // Outside a read, what was passed on must be announced complete: Hummingbird's inbound stream delivers
            // reads only then (without it, a request that waited here would wait for ever).
            if !parts.isEmpty { context.fireChannelReadComplete() }
        }
        handBack?.succeed()
        handBack = nil
    }
}

/// What the client of a stream that will be its connection's last response sends after its request: dropped.
private final class DroppedInput: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
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
public struct DetachableBodyWriter: ResponseBodyWriter {
    let connection: ServedConnection

    public mutating func write(_ buffer: ByteBuffer) async throws {
        try await connection.write(.body(buffer))
    }

    public consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await connection.finish(trailingHeaders)
    }

    /// Call before streaming `subscription`: if it ends as a slow consumer while a write waits for the client, the
    /// connection closes (that write fails, and the task ends).
    public func watch(_ subscription: Subscription) {
        connection.watch(subscription)
    }

    /// Hands the connection over to the watched subscription; the task returns without finishing. When the
    /// subscription ends (the socket closing cancels it), `onEnd` is called once, on the loop; what it returns is
    /// written before the end of the response, and the connection closes.
    public func detach(onEnd: @escaping @Sendable (Subscription.EndReason) -> ByteBuffer?) {
        connection.detach(onEnd: onEnd)
    }
}
