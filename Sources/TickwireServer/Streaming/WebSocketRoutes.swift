import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import TickwireHub
import TickwireModel
import TickwireService
import TickwireTransport

/// `GET /api/v1/ws/app` (seed 001's route): the hub over WebSocket, JSON text frames.
///
/// Client to server: `{"type":"subscribe","topics":[...],"filters":{"bot_id":[..],"ticker":[..]},"since":"42"}`
/// (`since` only on the first subscribe; later ones change the topics from now on), `{"type":"unsubscribe",
/// "topics":[...]}`, `{"type":"ping"}`. Server to client: event envelopes, `subscribed`, `pong`, and
/// `{"type":"error","code":...,"message":...}`. Ten bad messages close the socket with 1008 `too_many_errors`;
/// a subscriber that falls behind is closed with 1008 `slow_consumer` and can resume with `since`.
///
/// Authentication: the session cookie or `Authorization: Bearer` on the upgrade request (refused credentials answer
/// 401 before any upgrade), or else a first message `{"type":"auth","token":"..."}` (access token, API key or
/// stream token) within `authTimeout`. Anything else first closes with 1008 `auth_required`. Expired or revoked
/// credentials close the socket with 1008 `auth_expired` / `revoked`.
struct WebSocketRoutes {
    let services: WebSocketAppServices
    let maxMessageSize: Int
    private var auth: Auth { services.auth }

    init(streams: Streams, auth: Auth, agents: AgentDesk?, maxMessageSize: Int) {
        self.services = WebSocketAppServices(streams: streams, auth: auth, agents: agents)
        self.maxMessageSize = maxMessageSize
    }

    /// The upgrade routes of the WebSocket router: they check the request and record who is accepted
    /// (`WebSocketEndpoints` serves the socket).
    func register(on router: Router<TickwireWebSocketContext>, echo: Bool) {
        router.get(RouterPath(StreamPaths.webSocketApp)) { request, context -> Response in
            if let failure = context.authFailure { throw failure }
            // Browsers send cookies with a WebSocket handshake from any page: a cookie-authenticated upgrade must
            // come from this origin or an allowed one (cross-site WebSocket hijacking).
            if case .session? = context.identity?.credential, let origin = request.headers[.origin],
                !Self.isSameOrigin(origin, host: request.head.authority),
                !auth.configuration.corsAllowedOrigins.contains(origin)
            {
                throw APIError(
                    .forbidden, code: "forbidden_origin", message: "origin '\(origin)' may not use this session")
            }
            return Self.accept(context)
        }
        if services.agents != nil {
            // An agent authenticates on the upgrade request, with its user's API key (or a session's access token).
            router.get(RouterPath(StreamPaths.webSocketAgent)) { request, context -> Response in
                if let failure = context.authFailure { throw failure }
                guard let identity = context.identity else {
                    throw APIError(.unauthorized, code: "unauthorized", message: "send Authorization: Bearer <API key>")
                }
                if case .streamToken = identity.credential {
                    throw APIError(.forbidden, code: "forbidden", message: "a stream token cannot serve models")
                }
                // Sessions run where the engine runs: an agent served by another node of a cluster would wait for
                // requests that never come. Refused, it reconnects (through the balancer) until it reaches the
                // engine's node.
                if try await services.streams.service.engineLeaseHolder() != .thisNode {
                    throw APIError(
                        .serviceUnavailable, code: "engine_elsewhere",
                        message: "the trading engine runs on another node (or is moving): connect again",
                        headers: [.retryAfter: "1"])
                }
                return Self.accept(context)
            }
        }
        if echo {
            // Test-only (`--ws-echo`): the Autobahn conformance suite drives both WebSocket stacks through it.
            router.get(RouterPath(StreamPaths.webSocketEcho)) { _, context in Self.accept(context) }
        }
    }

    /// Records that the upgrade is accepted, for whom.
    static func accept(_ context: TickwireWebSocketContext) -> Response {
        context.upgradeDecision?.accept(context.identity)
        return Response(status: .ok)
    }

    /// The routes' sockets on both stacks.
    func endpoints(router: Router<TickwireWebSocketContext>, echo: Bool, pingInterval: Duration) -> WebSocketEndpoints {
        WebSocketEndpoints(
            paths: Set(
                [StreamPaths.webSocketApp] + (echo ? [StreamPaths.webSocketEcho] : [])
                    + (services.agents != nil ? [StreamPaths.webSocketAgent] : [])),
            router: router,
            maxMessageSize: maxMessageSize, pingInterval: pingInterval, closeTimeout: .seconds(15),
            makeService: { [services] path, principal in
                if path == StreamPaths.webSocketEcho { return EchoService() }
                if path == StreamPaths.webSocketAgent, let agents = services.agents, let principal {
                    return ConversationService { peer in
                        AgentSocketSession(
                            desk: agents, service: services.streams.service, actor: principal.actor, socket: peer)
                    }
                }
                return ConversationService { peer in
                    let sink = WebSocketChannelSink.make(
                        onLoopOf: peer.channel, metrics: services.streams.webSocketMetrics)
                    let session = WebSocketAppSession(
                        services: services, principal: principal, socket: peer, sink: sink)
                    session.startAuthTimeout(on: peer.channel.eventLoop)
                    return session
                }
            },
            makeLibraryHandler: { [services, maxMessageSize] path, principal, channel in
                if path == StreamPaths.webSocketEcho {
                    return { inbound, outbound, _ in
                        for try await message in inbound.messages(maxSize: maxMessageSize) {
                            switch message {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let bytes): try await outbound.write(.binary(bytes))
                            }
                        }
                    }
                }
                return { inbound, outbound, _ in
                    let socket = LibrarySocket(outbound: outbound)
                    let conversation: any SocketConversation
                    if path == StreamPaths.webSocketAgent, let agents = services.agents, let principal {
                        conversation = AgentSocketSession(
                            desk: agents, service: services.streams.service, actor: principal.actor, socket: socket)
                    } else {
                        let session = WebSocketAppSession(
                            services: services, principal: principal, socket: socket, sink: nil)
                        session.startAuthTimeout(on: channel.eventLoop)
                        conversation = session
                    }
                    await Self.converse(inbound, maxSize: maxMessageSize, socket: socket, with: conversation)
                }
            })
    }

    /// A compressed socket: the library's inbound stream, read by the connection's task, each message handed to the
    /// conversation in turn.
    static func converse(
        _ inbound: WebSocketInboundStream, maxSize: Int, socket: LibrarySocket,
        with conversation: any SocketConversation
    ) async {
        do {
            for try await message in inbound.messages(maxSize: maxSize) {
                if case .text(let text) = message {
                    try await conversation.receive(text)
                } else {
                    try await conversation.receive(nil)
                }
            }
        } catch let error as WebSocketCloseReason {
            socket.close(error.code, reason: error.reason)
        } catch {
            // The peer closed or sent a frame the protocol layer rejected; it answers with the close code.
        }
        conversation.end()
        socket.finish()
    }

    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// hummingbird-websocket's writer as a session's socket. Writes go one at a time, in order, through one task: the
    /// writer of a compressed socket keeps the deflate stream's state, and two writes at once (a reply while a
    /// subscription drains, two agent requests) would corrupt each other's bytes.
    final class LibrarySocket: WebSocketReplySocket {
        private let outbound: WebSocketOutboundWriter
        private let writes: AsyncStream<(ByteBuffer, CheckedContinuation<Void, any Error>)>.Continuation

        init(outbound: WebSocketOutboundWriter) {
            self.outbound = outbound
            let (pending, writes) = AsyncStream<(ByteBuffer, CheckedContinuation<Void, any Error>)>.makeStream()
            self.writes = writes
            Task {
                for await (json, written) in pending {
                    do {
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: json)))
                        written.resume()
                    } catch {
                        written.resume(throwing: error)
                    }
                }
            }
        }

        func send(_ json: ByteBuffer) async throws {
            try await withCheckedThrowingContinuation { (written: CheckedContinuation<Void, any Error>) in
                if case .terminated = writes.yield((json, written)) { written.resume(throwing: CancellationError()) }
            }
        }

        func close(_ code: WebSocketErrorCode, reason: String) {
            let outbound = self.outbound
            Task { try? await outbound.close(code, reason: reason) }
        }

        /// The socket is done: the writing task ends (a send after this fails).
        func finish() { writes.finish() }
    }

    /// A conversation in the pipeline (`/api/v1/ws/app`, `/api/v1/ws/agent`): messages go to it one at a time, from a
    /// task that runs only while messages are waiting.
    final class ConversationService: WebSocketService {
        /// Makes the conversation once the socket opens.
        private var make: ((WebSocketPeer) -> any SocketConversation)?
        private var conversation: (any SocketConversation)?
        private var inbox: SerialInbox?

        init(_ make: @escaping (WebSocketPeer) -> any SocketConversation) {
            self.make = make
        }

        func opened(_ peer: WebSocketPeer) {
            guard let make else { return }
            self.make = nil
            let conversation = make(peer)
            self.conversation = conversation
            inbox = SerialInbox(
                handle: { (text: String?) async throws(WebSocketCloseReason) -> Void in
                    try await conversation.receive(text)
                },
                fail: { peer.close($0.code, reason: $0.reason) })
        }

        func received(_ message: WebSocketConnectionHandler.Message, from peer: WebSocketPeer) {
            if case .text(let text) = message { inbox?.push(text) } else { inbox?.push(nil) }
        }

        func closed() {
            inbox?.stop()
            conversation?.end()
            // The conversation holds the socket, which holds the handler, which holds this service: let go of it.
            inbox = nil
            conversation = nil
        }
    }

    /// `/api/v1/ws/echo` in the pipeline: every message straight back.
    final class EchoService: WebSocketService {
        func opened(_ peer: WebSocketPeer) {}

        func received(_ message: WebSocketConnectionHandler.Message, from peer: WebSocketPeer) {
            switch message {
            case .text(let text): peer.send(.text, ByteBuffer(string: text)).whenFailure { _ in }
            case .binary(let bytes): peer.send(.binary, bytes).whenFailure { _ in }
            }
        }

        func closed() {}
    }
}
