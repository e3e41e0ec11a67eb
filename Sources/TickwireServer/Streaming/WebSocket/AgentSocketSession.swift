import Foundation
import NIOCore
import NIOWebSocket
import Synchronization
import TickwireModel
import TickwireService
import TickwireStore

/// One `/api/v1/ws/agent` connection: an agent process deciding for its user's `external` trading models.
///
/// Client to server: `{"type":"serve","models":[ids]}` (every id must be a model of the key's user with the
/// `external` policy, or none is served), `{"type":"decision","request_id":...,"action":"buy"|"sell"|"hold",
/// "size":...,"reason":...}`, `{"type":"ping"}`. Server to client: `serving`, `decision_request`, `pong`, and
/// `{"type":"error","code":...,"message":...}`. Ten bad messages close the socket with 1008 `too_many_errors`.
/// Messages are handled one at a time, in order (`receive`).
final class AgentSocketSession: SocketConversation {
    static let maxErrors = 10

    private let desk: AgentDesk
    private let service: TradingService
    private let actor: Actor
    private let socket: any WebSocketReplySocket
    /// Every message to the agent, written by one task in order: a compressed socket's writer keeps the deflate
    /// stream's state, so two writes at once would corrupt each other.
    private let outbox: AsyncStream<(String, CheckedContinuation<Void, Never>?)>.Continuation
    private let state = Mutex<State>(State())

    private struct State {
        var agent: Int?
        var errors = 0
        var ended = false
    }

    init(desk: AgentDesk, service: TradingService, actor: Actor, socket: any WebSocketReplySocket) {
        self.desk = desk
        self.service = service
        self.actor = actor
        self.socket = socket
        let (messages, outbox) = AsyncStream<(String, CheckedContinuation<Void, Never>?)>.makeStream()
        self.outbox = outbox
        Task {
            for await (text, written) in messages {
                try? await socket.send(ByteBuffer(string: text))
                written?.resume()
            }
        }
    }

    private struct ClientMessage: Decodable {
        var type: String
        var models: [Int64]?
    }

    /// Handles one client message (nil: a binary one). Throws when the socket must close.
    func receive(_ text: String?) async throws(WebSocketCloseReason) {
        guard let text, let data = text.data(using: .utf8),
            let message = try? JSONDecoder().decode(ClientMessage.self, from: data)
        else { return try await reject("invalid_message", "send JSON text frames with a type") }
        switch message.type {
        case "serve":
            guard let models = message.models, !models.isEmpty, models.count <= 1000 else {
                return try await reject("invalid_message", "serve needs models: a list of 1 to 1000 trading model ids")
            }
            for id in models {
                let model: TradingModel
                do { model = try await service.model(id: id, by: actor) } catch {
                    return try await reject("not_found", "trading model \(id) not found")
                }
                guard model.policy == "external" else {
                    return try await reject(
                        "not_external", "trading model \(id) decides by '\(model.policy)', not by an external agent")
                }
            }
            let agent = await connect()
            await desk.serve(agent: agent, models: models)
            await reply(["type": .string("serving"), "models": .array(models.map { .number(Double($0)) })])
        case "decision":
            guard let agent = state.withLock({ $0.agent }) else {
                return try await reject("not_serving", "send serve before decisions")
            }
            guard let decision = try? JSONDecoder().decode(AgentDecisionMessage.self, from: data) else {
                return try await reject("invalid_decision", "a decision needs a request_id")
            }
            if let why = await desk.answer(agent: agent, decision) {
                try await reject("invalid_decision", why, requestId: decision.requestId)
            }
        case "ping":
            await reply(["type": .string("pong")])
        default:
            try await reject("invalid_message", "unknown message type '\(message.type)'")
        }
    }

    /// The socket is gone: the desk forgets the agent, and its models wait for another.
    func end() {
        let agent = state.withLock { state in
            state.ended = true
            return state.agent
        }
        outbox.finish()
        if let agent { Task { [desk] in await desk.disconnect(agent: agent) } }
    }

    /// The agent's place at the desk, taken at its first `serve`.
    private func connect() async -> Int {
        if let agent = state.withLock({ $0.agent }) { return agent }
        let outbox = self.outbox
        let socket = self.socket
        // Dismissed when the engine stops running on this node: 1013 (try again later), so the agent reconnects
        // and reaches the node that runs it now.
        let agent = await desk.connect(
            send: { text in outbox.yield((text, nil)) },
            dismiss: { reason in socket.close(WebSocketErrorCode(codeNumber: 1013), reason: reason) })
        let ended = state.withLock { state in
            state.agent = agent
            return state.ended
        }
        if ended { await desk.disconnect(agent: agent) }
        return agent
    }

    /// Returns once the reply is written (so that an error's reply goes before the close it may lead to).
    private func reply(_ message: [String: JSONValue]) async {
        let text = JSONCoding.encodeToString(message)
        await withCheckedContinuation { (written: CheckedContinuation<Void, Never>) in
            if case .terminated = outbox.yield((text, written)) { written.resume() }
        }
    }

    private func reject(_ code: String, _ message: String, requestId: String? = nil) async throws(WebSocketCloseReason)
    {
        var body: [String: JSONValue] = ["type": .string("error"), "code": .string(code), "message": .string(message)]
        if let requestId { body["request_id"] = .string(requestId) }
        await reply(body)
        let errors = state.withLock { state in
            state.errors += 1
            return state.errors
        }
        if errors >= Self.maxErrors { throw WebSocketCloseReason(code: .policyViolation, reason: "too_many_errors") }
    }
}
