/// Creating a trading model, and opening and closing its sessions. A session's first and last events go on the
/// model's topic (seed 004's sequence) and on `engine`, which tells the node running the agents.
public enum ModelCommands {
    public static let defaultPolicy = "rule_based"
    /// The strategy of a model's bot: its orders come from the model's sessions, not from a strategy of the engine.
    public static let botStrategy = "model"

    /// The bot that holds `model`'s portfolio on `exchange`: active while a session runs, with the model's cash,
    /// market, fee and slippage settings.
    public static func portfolioBot(of model: TradingModel, ticker: String, exchange: String) -> NewBot {
        var config: [String: JSONValue] = ["model_id": .number(Double(model.id))]
        for key in ["cash", "market", "fee_bps", "slippage_bps"] { config[key] = model.config[key] }
        return NewBot(
            name: "\(model.name) (model)", ticker: ticker, exchange: exchange, strategy: botStrategy, config: config,
            status: .stopped, ownerId: model.ownerId)
    }

    public static func create(_ new: NewTradingModel, ownerId: Int64, at now: Timestamp)
        -> Creation<TradingModel, Int64>
    {
        let row = TradingModel(
            id: 0, ownerId: ownerId, name: new.name, policy: new.policy ?? defaultPolicy, config: new.config ?? [:],
            createdAt: now, updatedAt: now)
        return Creation(row: row) { id in
            var model = row
            model.id = id
            return Decision(model, events: [])
        }
    }

    /// A model runs one session at a time.
    public static func startSession(modelId: Int64, running: Bool, at now: Timestamp) throws(CommandConflict)
        -> Creation<ModelSession, Int64>
    {
        guard !running else { throw CommandConflict("trading model \(modelId) already has a running session") }
        let row = ModelSession(id: 0, modelId: modelId, status: .running, decisions: 0, startedAt: now)
        return Creation(row: row) { id in
            var session = row
            session.id = id
            let first = EventDraft.modelSession(
                modelId, .status,
                ["message": .string("Initializing AI agent..."), "session_id": .number(Double(session.id))])
            return Decision(session, events: [first, .sessionChange(.sessionStarted, session)])
        }
    }

    /// Ends a running session: `complete`, or `error` when it `failed`, with the session's `statistics`.
    public static func finishSession(
        _ current: ModelSession, status: ModelSessionStatus, decisions: Int, summary: String,
        statistics: [String: JSONValue] = [:], at now: Timestamp
    ) throws(CommandConflict) -> Decision<ModelSession> {
        guard current.status == .running else { throw CommandConflict("model session \(current.id) has already ended") }
        var session = current
        session.status = status
        session.decisions = decisions
        session.endedAt = now
        session.summary = summary
        var data: [String: JSONValue] = [
            "message": .string(summary), "session_id": .number(Double(session.id)),
            "status": .string(status.rawValue), "decisions": .number(Double(decisions)),
        ]
        if !statistics.isEmpty { data["statistics"] = .object(statistics) }
        let last = EventDraft.modelSession(session.modelId, status == .failed ? .error : .complete, data)
        return Decision(session, events: [last, .sessionChange(.sessionEnded, session)])
    }

    /// An agent writes only while its session runs: a stop made on another node ends it first.
    public static func sessionEnded(_ sessionId: Int64) -> CommandConflict {
        CommandConflict("model session \(sessionId) has ended")
    }
}
