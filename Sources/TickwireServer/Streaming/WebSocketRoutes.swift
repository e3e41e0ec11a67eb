import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization
import TickwireHub
import TickwireModel

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
    static let maxErrors = 10
    static let authTimeout: Duration = .seconds(10)

    let streams: Streams
    let auth: Auth
    let maxMessageSize: Int

    func register(on router: Router<TickwireWebSocketContext>, echo: Bool) {
        router.ws(
            "api/v1/ws/app",
            shouldUpgrade: { request, context in
                if let failure = context.authFailure { throw failure }
                // Browsers send cookies with a WebSocket handshake from any page: a cookie-authenticated upgrade
                // must come from this origin or an allowed one (cross-site WebSocket hijacking).
                if case .session? = context.identity?.credential, let origin = request.headers[.origin],
                    !Self.isSameOrigin(origin, host: request.head.authority),
                    !auth.configuration.corsAllowedOrigins.contains(origin)
                {
                    throw APIError(
                        .forbidden, code: "forbidden_origin", message: "origin '\(origin)' may not use this session")
                }
                return .upgrade([:])
            }
        ) { inbound, outbound, context in
            // A socket without per-message deflate is written to by the hub directly once caught up.
            let compressed = context.request.headers[values: .secWebSocketExtensions].contains {
                $0.contains("permessage-deflate")
            }
            let sink =
                compressed
                ? nil
                : await WebSocketChannelSink.make(
                    channel: context.requestContext.channel, metrics: streams.webSocketMetrics)
            await session(
                inbound: inbound, outbound: outbound, principal: context.requestContext.identity, sink: sink)
        }
        if echo {
            // Test-only (`--ws-echo`): the Autobahn conformance suite drives the same WebSocket stack through it.
            router.ws("api/v1/ws/echo") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 16 << 20) {
                    switch message {
                    case .text(let text): try await outbound.write(.text(text))
                    case .binary(let bytes): try await outbound.write(.binary(bytes))
                    }
                }
            }
        }
    }

    struct ClientMessage: Decodable {
        struct Filters: Decodable {
            var botId: [Int64]?
            var ticker: [String]?
            enum CodingKeys: String, CodingKey {
                case botId = "bot_id"
                case ticker
            }
        }
        var type: String
        var topics: [String]?
        var filters: Filters?
        var since: String?
        var token: String?
    }

    final class Session: @unchecked Sendable {
        // Touched only by the inbound loop's task.
        var subscription: Subscription?
        var errors = 0
        var principal: Principal?
        let sink: WebSocketChannelSink?

        init(principal: Principal?, sink: WebSocketChannelSink?) {
            self.principal = principal
            self.sink = sink
        }
    }

    func session(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, principal: Principal?,
        sink: WebSocketChannelSink?
    ) async {
        let metrics = streams.webSocketMetrics
        metrics.connections.increment()
        defer { metrics.connections.decrement() }
        let session = Session(principal: principal, sink: sink)
        let authenticated = AuthenticatedFlag(principal != nil)
        await withTaskGroup(of: Void.self) { group in
            if principal == nil {
                group.addTask {
                    try? await Task.sleep(for: Self.authTimeout)
                    if !authenticated.value.withLock({ $0 }) {
                        try? await outbound.close(.policyViolation, reason: "auth_timeout")
                    }
                }
            }
            do {
                for try await message in inbound.messages(maxSize: maxMessageSize) {
                    guard case .text(let text) = message else {
                        try await reject(session, outbound, code: "invalid_message", "send JSON text frames")
                        continue
                    }
                    if session.principal == nil {
                        try await authenticate(text, session: session, outbound: outbound)
                        authenticated.value.withLock { $0 = true }
                        continue
                    }
                    try await handle(text, session: session, outbound: outbound)
                }
            } catch let error as CloseReason {
                try? await outbound.close(error.code, reason: error.reason)
            } catch {
                // The peer closed or sent a frame the protocol layer rejected; it answers with the close code.
            }
            session.subscription?.cancel()
            group.cancelAll()
        }
    }

    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// Read by the auth timeout, set by the inbound loop.
    final class AuthenticatedFlag: Sendable {
        let value: Mutex<Bool>
        init(_ initial: Bool) { value = Mutex(initial) }
    }

    struct CloseReason: Error {
        var code: WebSocketErrorCode
        var reason: String
    }

    /// The first message of a socket opened without credentials must be `auth`.
    private func authenticate(_ text: String, session: Session, outbound: WebSocketOutboundWriter) async throws {
        guard let message = try? JSONDecoder().decode(ClientMessage.self, from: Data(text.utf8)),
            message.type == "auth", let token = message.token
        else { throw CloseReason(code: .policyViolation, reason: "auth_required") }
        let principal: Principal
        do {
            principal = try await auth.principal(forToken: token)
        } catch {
            throw CloseReason(code: .policyViolation, reason: error.code)
        }
        session.principal = principal
        let user = JSONCoding.encodeToString(principal.user)
        try await outbound.write(.text(#"{"type":"authenticated","user":\#(user)}"#))
    }

    private func handle(
        _ text: String, session: Session, outbound: WebSocketOutboundWriter
    ) async throws {
        guard let message = try? JSONDecoder().decode(ClientMessage.self, from: Data(text.utf8)) else {
            return try await reject(session, outbound, code: "invalid_message", "not a JSON object with a 'type'")
        }
        guard let principal = session.principal else {
            throw CloseReason(code: .policyViolation, reason: "auth_required")
        }
        switch message.type {
        case "auth":
            try await reject(session, outbound, code: "invalid_message", "already authenticated")
        case "ping":
            try await reply(session, outbound, #"{"type":"pong"}"#)
        case "subscribe", "unsubscribe":
            var topics: Set<Topic> = []
            for name in message.topics ?? [] {
                do { topics.insert(try StreamRequest.topic(name)) } catch {
                    return try await reject(session, outbound, code: error.code, error.message)
                }
            }
            if topics.isEmpty {
                return try await reject(session, outbound, code: "invalid_message", "'topics' is empty")
            }
            if message.type == "subscribe" {
                do {
                    _ = try await StreamAccess.authorize(
                        Interest(topics: topics), for: principal, service: streams.service)
                } catch {
                    let refused = APIError.from(error) ?? .internalError
                    return try await reject(session, outbound, code: refused.code, refused.message)
                }
            }
            var since: Int64?
            if let text = message.since {
                guard let value = Int64(text), value >= 0 else {
                    return try await reject(session, outbound, code: "invalid_message", "'since' must be an event id")
                }
                since = value
            }
            if message.type == "unsubscribe" {
                guard let subscription = session.subscription else {
                    return try await reply(session, outbound, ack("unsubscribed", []))
                }
                var interest = subscription.interest
                interest.topics.subtract(topics)
                streams.hub.update(subscription, to: interest)
                return try await reply(session, outbound, ack("unsubscribed", interest.topics))
            }
            if let subscription = session.subscription {
                if since != nil {
                    return try await reject(
                        session, outbound, code: "invalid_message", "'since' is accepted on the first subscribe only")
                }
                var interest = subscription.interest
                interest.topics.formUnion(topics)
                if let ids = message.filters?.botId { interest.botIds = Set(ids) }
                if let tickers = message.filters?.ticker { interest.tickers = Set(tickers) }
                streams.hub.update(subscription, to: interest)
                return try await reply(session, outbound, ack("subscribed", interest.topics))
            }
            let interest = Interest(
                topics: topics, botIds: message.filters?.botId.map(Set.init),
                tickers: message.filters?.ticker.map(Set.init), ownerId: principal.actor.ownerFilter)
            let subscription: Subscription
            do {
                subscription = try streams.hub.subscribe(
                    interest, after: since, log: streams.service.store, holder: principal.holder)
            } catch {
                throw CloseReason(code: .goingAway, reason: "shutting_down")
            }
            // The acknowledgement is written before the delivery task starts, so it precedes every replayed and live
            // event; from then on replies go through the subscription's queue, behind the events already waiting.
            try await outbound.write(.text(ack("subscribed", topics, head: streams.hub.head)))
            session.subscription = subscription
            let metrics = streams.webSocketMetrics
            let sink = session.sink
            deliver(subscription, to: outbound, sink: sink, metrics: metrics)
        default:
            try await reject(session, outbound, code: "unknown_type", "unknown message type '\(message.type)'")
        }
    }

    private func ack(_ type: String, _ topics: Set<Topic>, head: Int64? = nil) -> String {
        let list = topics.map { "\"\($0.rawValue)\"" }.sorted().joined(separator: ",")
        return #"{"type":"\#(type)","topics":[\#(list)]\#(head.map { #","head":"\#($0)""# } ?? "")}"#
    }

    /// Control replies go behind queued events once a subscription exists, so that order is kept.
    private func reply(_ session: Session, _ outbound: WebSocketOutboundWriter, _ json: String) async throws {
        if let subscription = session.subscription {
            subscription.enqueueControl(ByteBuffer(string: json))
        } else {
            try await outbound.write(.text(json))
        }
    }

    private func reject(
        _ session: Session, _ outbound: WebSocketOutboundWriter, code: String, _ message: String
    ) async throws {
        session.errors += 1
        if session.errors >= Self.maxErrors { throw CloseReason(code: .policyViolation, reason: "too_many_errors") }
        let body = JSONCoding.encodeToString(["type": "error", "code": code, "message": message])
        try await reply(session, outbound, body)
    }

    static func reset(reason: String, lastEventId: Int64) -> ByteBuffer {
        ByteBuffer(string: #"{"type":"reset","reason":"\#(reason)","last_event_id":"\#(lastEventId)"}"#)
    }

    /// Drains the subscription into the socket until it has caught up, then hands it to the hub (`sink`) if there is
    /// one; the draining task then ends, so a caught-up socket holds no task of its own beyond the WebSocket
    /// library's. A subscription ended by the hub (slow consumer, shutdown, credentials) closes the socket with the
    /// reason, and stops a drain whose write is stuck on a peer that stopped reading.
    private func deliver(
        _ subscription: Subscription, to outbound: WebSocketOutboundWriter, sink: WebSocketChannelSink?,
        metrics: TransportMetrics
    ) {
        let drain = DrainTask()
        drain.start {
            while true {
                if let sink, subscription.attach(sink) { return }
                for item in try await subscription.next() {
                    switch item {
                    case .event(let shared):
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: shared.json)))
                        metrics.delivered.increment()
                    case .control(let bytes):
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: bytes)))
                    case .reset(let reason, let lastEventId):
                        let bytes = Self.reset(reason: reason, lastEventId: lastEventId)
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: bytes)))
                    case .heartbeat:
                        break  // WebSocket keeps itself alive with protocol pings.
                    }
                }
            }
        }
        subscription.whenEnded { reason in
            drain.cancel()
            let close: (code: WebSocketErrorCode, reason: String)? =
                switch reason {
                case .slowConsumer: (.policyViolation, "slow_consumer")
                case .shuttingDown: (.goingAway, "shutting_down")
                case .authExpired, .revoked: (.policyViolation, reason.rawValue)
                case .closed: nil
                }
            guard let close else { return }
            Task { try? await outbound.close(close.code, reason: close.reason) }
        }
    }

    /// The task that drains a subscription until it has caught up; held only while it runs.
    final class DrainTask: Sendable {
        private let task = Mutex<Task<Void, Never>?>(nil)

        func start(_ operation: @escaping @Sendable () async throws -> Void) {
            task.withLock { running in
                running = Task {
                    try? await operation()
                    self.task.withLock { $0 = nil }
                }
            }
        }

        func cancel() {
            task.withLock { $0 }?.cancel()
        }
    }
}
