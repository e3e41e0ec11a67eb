import Foundation
import TickwireModel

/// Where trading models whose policy is `external` meet the agent processes that decide for them (seed 004's "AI",
/// plugged in from outside). An agent connects (`/api/v1/ws/agent`), says which of its user's models it serves, and
/// answers each `decision_request` with a `decision` before a deadline. The desk knows no transport: the socket
/// route hands it a way to send, and the engine asks it for answers.
public actor AgentDesk {
    public enum Answer: Sendable, Equatable {
        case decision(ModelAction, size: Double?, reason: String)
        /// No answer before the deadline.
        case late
        /// An answer the desk could not use, and why.
        case malformed(String)
        /// No agent serves the model, or it went away before answering.
        case absent
    }

    private struct Agent {
        var send: @Sendable (String) async -> Void
        var dismiss: @Sendable (String) -> Void
        var models: Set<Int64> = []
    }

    private struct Pending {
        var agent: Int
        var continuation: CheckedContinuation<Answer, Never>
    }

    private var agents: [Int: Agent] = [:]
    /// The agent answering for each model: the last to say it serves it.
    private var servers: [Int64: Int] = [:]
    private var pending: [String: Pending] = [:]
    private var waiters: [Int64: [Int: CheckedContinuation<Void, Never>]] = [:]
    private var nextId = 0

    public init() {}

    /// A new agent connection; `send` writes one text message to it, `dismiss` closes it with a reason.
    public func connect(
        send: @escaping @Sendable (String) async -> Void, dismiss: @escaping @Sendable (String) -> Void = { _ in }
    ) -> Int {
        nextId += 1
        agents[nextId] = Agent(send: send, dismiss: dismiss)
        return nextId
    }

    /// Closes every agent connection (the engine stopped running here: its sessions now run on another node, whose
    /// desk the agents must reach by connecting again).
    public func dismissAll(reason: String) {
        for (id, agent) in agents {
            agent.dismiss(reason)
            disconnect(agent: id)
        }
    }

    /// The agent answers for `models` from now on (the caller checked they are its user's).
    public func serve(agent: Int, models: [Int64]) {
        guard agents[agent] != nil else { return }
        for model in models {
            agents[agent]?.models.insert(model)
            servers[model] = agent
            for waiter in (waiters.removeValue(forKey: model) ?? [:]).values { waiter.resume() }
        }
    }

    /// The connection is gone: its models wait for another agent, its open requests are answered `absent`.
    public func disconnect(agent: Int) {
        guard let gone = agents.removeValue(forKey: agent) else { return }
        for model in gone.models where servers[model] == agent { servers[model] = nil }
        for (id, request) in pending where request.agent == agent {
            pending[id] = nil
            request.continuation.resume(returning: .absent)
        }
    }

    public func isServed(_ modelId: Int64) -> Bool { servers[modelId] != nil }

    /// The agents connected now (metrics, tests).
    public var connectedAgents: Int { agents.count }

    /// Returns once an agent serves the model, or the calling task is cancelled.
    public func waitUntilServed(_ modelId: Int64) async {
        guard servers[modelId] == nil else { return }
        nextId += 1
        let token = nextId
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if servers[modelId] != nil || Task.isCancelled { return continuation.resume() }
                waiters[modelId, default: [:]][token] = continuation
            }
        } onCancel: {
            Task { await self.stopWaiting(modelId, token: token) }
        }
    }

    private func stopWaiting(_ modelId: Int64, token: Int) {
        waiters[modelId]?.removeValue(forKey: token)?.resume()
    }

    /// Sends `request` (a `decision_request` without its id) to the model's agent and waits for its answer, at most
    /// `deadline`.
    public func ask(modelId: Int64, _ request: [String: JSONValue], deadline: Duration) async -> Answer {
        guard let agentId = servers[modelId], let agent = agents[agentId] else { return .absent }
        nextId += 1
        let requestId = "r\(nextId)"
        var message = request
        message["type"] = .string("decision_request")
        message["request_id"] = .string(requestId)
        message["model_id"] = .number(Double(modelId))
        let text = JSONCoding.encodeToString(message)
        return await withCheckedContinuation { continuation in
            pending[requestId] = Pending(agent: agentId, continuation: continuation)
            Task { await agent.send(text) }
            Task {
                try? await Task.sleep(for: deadline)
                self.settle(requestId, with: .late)
            }
        }
    }

    /// An agent's `decision` message. Returns what to tell the agent when it cannot be taken (an unknown or expired
    /// request, or one of another agent's).
    public func answer(agent: Int, _ message: AgentDecisionMessage) -> String? {
        guard let request = pending[message.requestId], request.agent == agent else {
            return "no open request '\(message.requestId)' (answered already, or past its deadline)"
        }
        let answer: Answer
        if let action = ModelAction(rawValue: message.action ?? "") {
            if let size = message.size, !(size.isFinite && size > 0) {
                answer = .malformed("size must be a number greater than 0")
            } else {
                answer = .decision(action, size: message.size, reason: message.reason ?? "")
            }
        } else {
            answer = .malformed("action must be buy, sell or hold, got '\(message.action ?? "nothing")'")
        }
        settle(message.requestId, with: answer)
        if case .malformed(let why) = answer { return why }
        return nil
    }

    private func settle(_ requestId: String, with answer: Answer) {
        pending.removeValue(forKey: requestId)?.continuation.resume(returning: answer)
    }
}

/// `{"type": "decision", "request_id", "action", "size"?, "reason"}` as an agent sends it; every field but the id is
/// checked by the desk, so that a malformed answer is reported for its request.
public struct AgentDecisionMessage: Decodable, Sendable {
    public var requestId: String
    public var action: String?
    public var size: Double?
    public var reason: String?

    public init(requestId: String, action: String?, size: Double? = nil, reason: String? = nil) {
        self.requestId = requestId
        self.action = action
        self.size = size
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case action, size, reason
        case requestId = "request_id"
    }
}
