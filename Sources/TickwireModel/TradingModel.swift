/// An AI-style trading model (seed 004): it belongs to a user and runs trading sessions whose events go to the
/// `models.{id}` topic. Only its owner (and admins) may read or subscribe to it.
public struct TradingModel: Codable, Sendable, Equatable {
    public var id: Int64
    public var ownerId: Int64
    public var name: String
    /// The decision policy that drives its sessions.
    public var policy: String
    public var config: [String: JSONValue]
    /// The bot that holds the model's portfolio (its cash, orders, fills, positions and equity history), made when
    /// its first session starts; nil before.
    public var botId: Int64?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Int64, ownerId: Int64, name: String, policy: String, config: [String: JSONValue], botId: Int64? = nil,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.ownerId = ownerId
        self.name = name
        self.policy = policy
        self.config = config
        self.botId = botId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, policy, config
        case botId = "bot_id"
        case ownerId = "owner_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// Body of `POST /api/v1/models`.
public struct NewTradingModel: Codable, Sendable, Equatable {
    public var name: String
    public var policy: String?
    public var config: [String: JSONValue]?

    public init(name: String, policy: String? = nil, config: [String: JSONValue]? = nil) {
        self.name = name
        self.policy = policy
        self.config = config
    }

    public func validate() throws(ValidationError) {
        try Check.nonEmpty(name, "name", maxLength: 120)
        if let policy { try Check.nonEmpty(policy, "policy", maxLength: 80) }
        if let config { try Check.freeForm(config, "config", maxBytes: Bot.maxConfigBytes) }
    }
}

public enum ModelSessionStatus: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }
    case running
    /// The agent stopped itself (`session_complete`).
    case completed
    /// Stopped through the API, or by a restart of the server.
    case stopped
    case failed
}

/// One trading session of a model: its events stream on `models.{id}` (seed 004's sequence: `status`,
/// `status`, `trade`…, `session_complete`, `complete`, or `error`).
public struct ModelSession: Codable, Sendable, Equatable {
    public var id: Int64
    public var modelId: Int64
    public var status: ModelSessionStatus
    public var decisions: Int
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    public var summary: String?

    public init(
        id: Int64, modelId: Int64, status: ModelSessionStatus, decisions: Int, startedAt: Timestamp,
        endedAt: Timestamp? = nil, summary: String? = nil
    ) {
        self.id = id
        self.modelId = modelId
        self.status = status
        self.decisions = decisions
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case id, status, decisions, summary
        case modelId = "model_id"
        case startedAt = "started_at"
        case endedAt = "ended_at"
    }
}

extension EventDraft {
    /// A trading-model session event on `models.{id}`.
    public static func modelSession(_ modelId: Int64, _ type: EventType, _ data: [String: JSONValue]) -> EventDraft {
        EventDraft(topic: .model(modelId), type: type, data: JSONCoding.encodeToString(data))
    }

    /// `session_started` or `session_ended` on `engine`: `{"session_id": …, "model_id": …}`.
    public static func sessionChange(_ type: EventType, _ session: ModelSession) -> EventDraft {
        EventDraft(
            topic: .engine, type: type, data: JSONCoding.encodeToString(SessionChange(session)),
            ownerId: nil)
    }
}

/// The payload of `session_started` and `session_ended`.
public struct SessionChange: Codable, Sendable, Equatable {
    public var sessionId: Int64
    public var modelId: Int64

    public init(_ session: ModelSession) {
        sessionId = session.id
        modelId = session.modelId
    }

    enum CodingKeys: String, CodingKey {
        case sessionId = "session_id"
        case modelId = "model_id"
    }
}
