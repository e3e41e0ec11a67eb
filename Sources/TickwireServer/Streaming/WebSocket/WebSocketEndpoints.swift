import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOWebSocket
import Synchronization
import TickwireTransport

/// The WebSocket routes and the two stacks that serve them.
///
/// Sockets that do not offer per-message deflate are served in the channel pipeline (`WebSocketConnectionHandler`)
/// instead of by hummingbird-websocket, whose two tasks per socket (the connection's and its ping loop) hold about
/// 20 KiB of async frames for as long as the socket is open: twice the whole budget of an idle subscriber. A
/// connection whose first request is such an upgrade gets this pipeline (`StreamingChildChannel` decides from the raw
/// head, `configure`); a refusal is answered with the router's own response (401 with its JSON error, say) and the
/// connection closes. Compressed sockets stay on hummingbird-websocket (`libraryUpgrade`): their deflate state is per
/// socket anyway, so they gain nothing here.
///
/// Both stacks decide an upgrade the same way (`decide`): the request goes through the WebSocket router
/// (authentication, origin checks, `StreamingOffMiddleware`) in a short-lived task, and the route records its decision
/// in the request context (`UpgradeDecision`). The router's `ws` routes are not used: they store the socket's handler
/// in the request context, which holds the handler in turn, a cycle that kept every upgraded connection's context and
/// channel alive (about 4 KiB a socket).
struct WebSocketEndpoints: PipelineWebSockets {
    /// Makes the service of an accepted socket (on its event loop): `path` is the route, `principal` who the route
    /// accepted.
    typealias MakeService = @Sendable (_ path: String, _ principal: Principal?) -> any WebSocketService
    /// Makes the handler of an accepted compressed socket on hummingbird-websocket.
    typealias MakeLibraryHandler =
        @Sendable (_ path: String, _ principal: Principal?, _ channel: any Channel) -> WebSocketDataHandler<
            HTTP1WebSocketUpgradeChannel.Context
        >

    let paths: Set<String>
    let responder: RouterResponder<TickwireWebSocketContext>
    let maxMessageSize: Int
    let pingInterval: Duration
    let closeTimeout: Duration
    let makeService: MakeService
    let makeLibraryHandler: MakeLibraryHandler

    init(
        paths: Set<String>, router: Router<TickwireWebSocketContext>, maxMessageSize: Int, pingInterval: Duration,
        closeTimeout: Duration, makeService: @escaping MakeService,
        makeLibraryHandler: @escaping MakeLibraryHandler
    ) {
        self.paths = paths
        self.responder = router.buildResponder()
        self.maxMessageSize = maxMessageSize
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
        self.makeService = makeService
        self.makeLibraryHandler = makeLibraryHandler
    }

    enum Decision {
        case accepted(path: String, principal: Principal?, headers: HTTPFields)
        case refused(Response)
    }

    /// Runs the upgrade request through the WebSocket router.
    func decide(_ head: HTTPRequest, channel: any Channel, logger: Logger) async -> Decision {
        let request = Request(head: head, body: .init(buffer: .init()))
        var context = TickwireWebSocketContext(source: .init(channel: channel, logger: logger))
        let decision = UpgradeDecision(port: channel.localAddress?.port)
        context.upgradeDecision = decision
        let response: Response
        do { response = try await responder.respond(to: request, context: context) } catch {
            response = Response(status: .internalServerError)
        }
        guard response.status == .ok, let principal = decision.accepted, paths.contains(request.uri.path) else {
            return .refused(response)
        }
        return .accepted(path: request.uri.path, principal: principal, headers: response.headers)
    }

    /// The decision for hummingbird-websocket (compressed sockets, and any upgrade the pipeline path did not take).
    func libraryUpgrade(_ head: HTTPRequest, channel: any Channel, logger: Logger) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        switch await decide(head, channel: channel, logger: logger) {
        case .accepted(let path, let principal, let headers):
            try? await Self.leaveHTTP(channel)
            return .upgrade(headers, makeLibraryHandler(path, principal, channel))
        case .refused:
            return .dontUpgrade
        }
    }

    /// Frames, not requests, follow an accepted upgrade: the parser's error responder leaves before the upgrade
    /// removes the parser (which hands the bytes after the head, frames already, to the next handler).
    static func leaveHTTP(_ channel: any Channel) async throws {
        try await channel.pipeline.removeHandler(name: MalformedRequestResponder.name).get()
    }

    /// Whether a whole request head (raw bytes) is one served here: a GET to one of `paths` asking for a WebSocket
    /// without offering per-message deflate.
    func serves(head: ArraySlice<UInt8>) -> Bool {
        let lowercased = String(decoding: head, as: UTF8.self).lowercased()
        guard lowercased.hasPrefix("get "), let target = lowercased.dropFirst(4).split(separator: " ").first,
            paths.contains(String(target.prefix { $0 != "?" })),
            lowercased.contains("\r\nupgrade: websocket") || lowercased.contains("\r\nupgrade:websocket")
        else { return false }
        return !lowercased.contains("permessage-deflate")
    }

    /// Sets up `channel`'s pipeline (after its existing handlers) to upgrade the request and serve the socket.
    func configure(_ channel: any Channel, logger: Logger) throws {
        let accepted = AcceptedUpgrade()
        let refusal = RefusedUpgrade()
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxMessageSize, automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                promise.completeWithTask {
                    let request = try HTTPRequest(head, secure: false, splitCookie: false)
                    switch await decide(request, channel: channel, logger: logger) {
                    case .accepted(let path, let principal, let headers):
                        accepted.value.withLock { $0 = (path, principal) }
                        try? await Self.leaveHTTP(channel)
                        return HTTPHeaders(headers.map { ($0.name.rawName, $0.value) })
                    case .refused(let response):
                        await refusal.set(response)
                        return nil
                    }
                }
                return promise.futureResult
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let (path, principal) = accepted.value.withLock({ $0 }) else {
                        throw ChannelError.inappropriateOperationForState
                    }
                    // Upgraded: no refusal to answer (the frame codec was added after it, so it would see frames).
                    let refusalContext = try channel.pipeline.syncOperations.context(
                        handlerType: RefusedUpgradeResponder.self)
                    channel.pipeline.syncOperations.removeHandler(context: refusalContext, promise: nil)
                    try channel.pipeline.syncOperations.addHandler(
                        WebSocketConnectionHandler(
                            maxMessageSize: maxMessageSize, pingInterval: pingInterval, closeTimeout: closeTimeout,
                            service: makeService(path, principal)))
                }
            })
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: false)
        try MalformedRequestResponder.install(in: pipeline, refuse: APIError.refusal)
        try pipeline.addHandler(RefusedUpgradeResponder(refusal: refusal))
    }
}

/// The route and principal of an upgrade the router accepted, for the pipeline set up after it.
final class AcceptedUpgrade: Sendable {
    let value = Mutex<(path: String, principal: Principal?)?>(nil)
}

/// The router's answer to an upgrade it refused, kept for `RefusedUpgradeResponder`.
final class RefusedUpgrade: Sendable {
    private let answer = Mutex<(head: HTTPResponseHead, body: ByteBuffer)?>(nil)

    func set(_ response: Response) async {
        var headers = HTTPHeaders(response.headers.map { ($0.name.rawName, $0.value) })
        let body = (try? await response.body.collected()) ?? ByteBuffer()
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        headers.replaceOrAdd(name: "connection", value: "close")
        let head = HTTPResponseHead(
            version: .http1_1, status: .init(statusCode: response.status.code), headers: headers)
        answer.withLock { $0 = (head, body) }
    }

    /// A request the upgrader did not take without the router having refused it (no `Sec-WebSocket-Key`, say).
    static let badRequest: (head: HTTPResponseHead, body: ByteBuffer) = (
        HTTPResponseHead(
            version: .http1_1, status: .badRequest, headers: ["content-length": "0", "connection": "close"]),
        ByteBuffer()
    )

    var value: (head: HTTPResponseHead, body: ByteBuffer) { answer.withLock { $0 } ?? Self.badRequest }
}

/// Answers a request that was not upgraded with the router's refusal, then closes the connection.
final class RefusedUpgradeResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let refusal: RefusedUpgrade
    private var answered = false

    init(refusal: RefusedUpgrade) {
        self.refusal = refusal
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data), !answered else { return }
        answered = true
        let (head, body) = refusal.value
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
