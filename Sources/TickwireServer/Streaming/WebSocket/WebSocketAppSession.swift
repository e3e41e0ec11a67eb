import Foundation
import NIOCore
import NIOWebSocket
import Synchronization
import TickwireHub
import TickwireModel
import TickwireService
import TickwireTransport

/// Where a session's replies and closes go: the socket, whichever stack serves it.
protocol WebSocketReplySocket: Sendable {
    /// Sends one text message; returns once it is written.
    func send(_ json: ByteBuffer) async throws
    /// Starts the closing handshake.
    func close(_ code: WebSocketErrorCode, reason: String)
}

/// What a socket's conversation does with each client message (nil: a binary one), one at a time; `end` when the
/// socket is gone. Served the same way on both stacks (`WebSocketRoutes.ConversationService`, `converse`).
protocol SocketConversation: Sendable {
    func receive(_ text: String?) async throws(WebSocketCloseReason)
    func end()
}

/// A reason to close the socket, thrown by message handling.
struct WebSocketCloseReason: Error {
    var code: WebSocketErrorCode
    var reason: String
}

/// What all sessions of a server share, held by reference: a session stays a few hundred bytes.
final class WebSocketAppServices: Sendable {
    let streams: Streams
    let auth: Auth
    /// Where external agents answer (`/api/v1/ws/agent`); nil without the engine.
    let agents: AgentDesk?

    init(streams: Streams, auth: Auth, agents: AgentDesk?) {
        self.streams = streams
        self.auth = auth
        self.agents = agents
    }
}

/// One `/api/v1/ws/app` socket's conversation (protocol in `WebSocketRoutes`): authentication, subscribe, unsubscribe,
/// ping, errors, and the delivery of its subscription. Messages are handled one at a time, in order (`receive`).
final class WebSocketAppSession: SocketConversation {
    static let maxErrors = 10
    static let authTimeout: Duration = .seconds(10)

    private let services: WebSocketAppServices
    private var streams: Streams { services.streams }
    private var auth: Auth { services.auth }
    private let socket: any WebSocketReplySocket
    /// The hub writes a caught-up subscription here directly (nil for compressed sockets: they are drained by a task).
    private let sink: WebSocketChannelSink?
    private let state: Mutex<State>

    private struct State {
        var principal: Principal?
        var subscription: Subscription?
        var errors = 0
        var ended = false
        var authTimer: Scheduled<Void>?
    }

    init(
        services: WebSocketAppServices, principal: Principal?, socket: any WebSocketReplySocket,
        sink: WebSocketChannelSink?
    ) {
        self.services = services
        self.socket = socket
        self.sink = sink
        self.state = Mutex(State(principal: principal))
        streams.webSocketMetrics.connections.increment()
    }

    /// A socket opened without credentials must authenticate within `authTimeout`. The timer is cancelled once it
    /// has (or the socket is gone), so that it does not keep the session for the rest of its 10 s.
    func startAuthTimeout(on eventLoop: any EventLoop) {
        guard state.withLock({ $0.principal == nil }) else { return }
        let timer = eventLoop.scheduleTask(in: TimeAmount(Self.authTimeout)) { [self] in
            if state.withLock({ $0.principal == nil && !$0.ended }) {
                socket.close(.policyViolation, reason: "auth_timeout")
            }
        }
        state.withLock { $0.authTimer = timer }
    }

    /// The socket is gone: its subscription ends.
    func end() {
        let (first, subscription, timer) = state.withLock { state in
            defer {
                state.ended = true
                state.authTimer = nil
            }
            return (!state.ended, state.subscription, state.authTimer)
        }
        timer?.cancel()
        guard first else { return }
        subscription?.cancel()
        streams.webSocketMetrics.connections.decrement()
    }

    /// Handles one client message (nil: a binary one). Throws when the socket must close.
    func receive(_ text: String?) async throws(WebSocketCloseReason) {
        guard let text else { return try await reject(code: "invalid_message", "send JSON text frames") }
        guard let principal = state.withLock({ $0.principal }) else { return try await authenticate(text) }
        try await handle(text, principal: principal)
    }

    private struct ClientMessage: Decodable {
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

    /// The first message of a socket opened without credentials must be `auth`.
    private func authenticate(_ text: String) async throws(WebSocketCloseReason) {
        guard let message = try? JSONDecoder().decode(ClientMessage.self, from: Data(text.utf8)),
            message.type == "auth", let token = message.token
        else { throw WebSocketCloseReason(code: .policyViolation, reason: "auth_required") }
        let principal: Principal
        do {
            principal = try await auth.principal(forToken: token)
        } catch {
            throw WebSocketCloseReason(code: .policyViolation, reason: error.code)
        }
        state.withLock { $0.principal = principal }
        state.withLock { $0.authTimer.take() }?.cancel()
        let user = JSONCoding.encodeToString(principal.user)
        try await write(#"{"type":"authenticated","user":\#(user)}"#)
    }

    private func handle(_ text: String, principal: Principal) async throws(WebSocketCloseReason) {
        guard let message = try? JSONDecoder().decode(ClientMessage.self, from: Data(text.utf8)) else {
            return try await reject(code: "invalid_message", "not a JSON object with a 'type'")
        }
        switch message.type {
        case "auth":
            try await reject(code: "invalid_message", "already authenticated")
        case "ping":
            try await reply(#"{"type":"pong"}"#)
        case "subscribe", "unsubscribe":
            try await subscription(message, principal: principal)
        default:
            try await reject(code: "unknown_type", "unknown message type '\(message.type)'")
        }
    }

    private func subscription(_ message: ClientMessage, principal: Principal) async throws(WebSocketCloseReason) {
        var topics: Set<Topic> = []
        for name in message.topics ?? [] {
            do { topics.insert(try StreamRequest.topic(name)) } catch {
                return try await reject(code: error.code, error.message)
            }
        }
        if topics.isEmpty { return try await reject(code: "invalid_message", "'topics' is empty") }
        if message.type == "subscribe" {
            do {
                _ = try await StreamAccess.authorize(Interest(topics: topics), for: principal, service: streams.service)
            } catch {
                let refused = APIError.from(error) ?? .internalError
                return try await reject(code: refused.code, refused.message)
            }
        }
        var since: Int64?
        if let text = message.since {
            guard let value = Int64(text), value >= 0 else {
                return try await reject(code: "invalid_message", "'since' must be an event id")
            }
            since = value
        }
        let existing = state.withLock { $0.subscription }
        if message.type == "unsubscribe" {
            guard let existing else { return try await reply(ack("unsubscribed", [])) }
            var interest = existing.interest
            interest.topics.subtract(topics)
            streams.hub.update(existing, to: interest)
            return try await reply(ack("unsubscribed", interest.topics))
        }
        if let existing {
            if since != nil {
                return try await reject(code: "invalid_message", "'since' is accepted on the first subscribe only")
            }
            var interest = existing.interest
            interest.topics.formUnion(topics)
            if let ids = message.filters?.botId { interest.botIds = Set(ids) }
            if let tickers = message.filters?.ticker { interest.tickers = Set(tickers) }
            streams.hub.update(existing, to: interest)
            return try await reply(ack("subscribed", interest.topics))
        }
        let interest = Interest(
            topics: topics, botIds: message.filters?.botId.map(Set.init),
            tickers: message.filters?.ticker.map(Set.init), ownerId: principal.actor.ownerFilter)
        let subscription: Subscription
        do {
            subscription = try streams.hub.subscribe(
                interest, after: since, log: streams.service.reader, holder: principal.holder)
        } catch {
            throw WebSocketCloseReason(code: .goingAway, reason: "shutting_down")
        }
        // The acknowledgement is written before delivery starts, so it precedes every replayed and live event; from
        // then on replies go through the subscription's queue, behind the events already waiting.
        do {
            try await write(ack("subscribed", topics, head: streams.hub.head))
        } catch {
            subscription.cancel()
            throw error
        }
        let ended = state.withLock { state in
            if !state.ended { state.subscription = subscription }
            return state.ended
        }
        if ended { return subscription.cancel() }
        if principal.isAdmin {
            ServerLogFeed.follow(streams.serverLog, into: subscription, render: ServerLogFeed.webSocket)
        }
        deliver(subscription)
    }

    private func ack(_ type: String, _ topics: Set<Topic>, head: Int64? = nil) -> String {
        let list = topics.map { "\"\($0.rawValue)\"" }.sorted().joined(separator: ",")
        return #"{"type":"\#(type)","topics":[\#(list)]\#(head.map { #","head":"\#($0)""# } ?? "")}"#
    }

    private func write(_ json: String) async throws(WebSocketCloseReason) {
        do { try await socket.send(ByteBuffer(string: json)) } catch {
            throw WebSocketCloseReason(code: .goingAway, reason: "write_failed")
        }
    }

    /// Control replies go behind queued events once a subscription exists, so that order is kept.
    private func reply(_ json: String) async throws(WebSocketCloseReason) {
        if let subscription = state.withLock({ $0.subscription }) {
            subscription.enqueueControl(ByteBuffer(string: json))
        } else {
            try await write(json)
        }
    }

    private func reject(code: String, _ message: String) async throws(WebSocketCloseReason) {
        let errors = state.withLock { state in
            state.errors += 1
            return state.errors
        }
        if errors >= Self.maxErrors { throw WebSocketCloseReason(code: .policyViolation, reason: "too_many_errors") }
        try await reply(JSONCoding.encodeToString(["type": "error", "code": code, "message": message]))
    }

    /// Drains the subscription into the socket until it has caught up, then hands it to the hub (`sink`) if there is
    /// one; the draining task then ends, so a caught-up socket holds no task for its delivery. A subscription ended by
    /// the hub (slow consumer, shutdown, credentials) closes the socket with the reason, and stops a drain whose write
    /// is stuck on a peer that stopped reading.
    private func deliver(_ subscription: Subscription) {
        let drain = DrainTask()
        let socket = self.socket
        let sink = self.sink
        let metrics = streams.webSocketMetrics
        drain.start {
            while true {
                if let sink, subscription.attach(sink) { return }
                for item in try await subscription.next() {
                    guard let bytes = WebSocketFraming.bytes(for: item) else { continue }
                    try await socket.send(bytes)
                    if case .event = item { metrics.delivered.increment() }
                }
            }
        }
        subscription.whenEnded { reason in
            drain.cancel()
            switch reason {
            case .slowConsumer: socket.close(.policyViolation, reason: "slow_consumer")
            case .shuttingDown: socket.close(.goingAway, reason: "shutting_down")
            case .authExpired, .revoked, .roleChanged: socket.close(.policyViolation, reason: reason.rawValue)
            case .closed: break
            }
        }
    }

    /// The task that drains a subscription until it has caught up; held only while it runs.
    private final class DrainTask: Sendable {
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
