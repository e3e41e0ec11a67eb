import TickwireModel
import TickwireService
import TickwireStore

/// Trading-model sessions (seed 004): `status` "Initializing AI agent..." (with the session row), `status`
/// "Starting trading session...", one `trade` per decision (buy, sell or hold, with the agent's reasoning),
/// `session_complete` when the agent stops itself, then `complete`; `error` if it fails. A stop through the API
/// ends the session with `complete` at once.
///
/// A model's `config`: `ticker` (default the engine's first instrument), `max_decisions` (1-10000, default 20),
/// `decision_interval_ms` (1-3600000, default three ticks).
extension Engine: ModelSessionControl {
    public nonisolated func startSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        try await begin(modelId: modelId, by: actor)
    }

    public nonisolated func stopSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        _ = try await service.model(id: modelId, by: actor)
        guard let task = await sessionTask(modelId) else {
            throw StoreError.conflict("trading model \(modelId) has no running session")
        }
        task.cancel()
        await task.value
        guard let session = try await service.store.modelSessions(modelId: modelId).first else {
            throw StoreError.notFound(entity: "model session", id: String(modelId))
        }
        return session
    }

    private func sessionTask(_ modelId: Int64) -> Task<Void, Never>? { sessions[modelId] }

    private func begin(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        let model = try await service.model(id: modelId, by: actor)
        let settings = try SessionSettings(
            model.config, defaultTicker: feed.tickers.first ?? "BTC/USDT",
            defaultInterval: configuration.tickInterval * 3)
        let session = try await service.startModelSession(modelId: modelId, by: actor)
        sessions[modelId] = Task { await self.runSession(session, settings: settings) }
        return session
    }

    struct SessionSettings: Sendable {
        var ticker: String
        var maxDecisions: Int
        var interval: Duration

        init(_ config: [String: JSONValue], defaultTicker: String, defaultInterval: Duration) throws(ValidationError) {
            if case .string(let ticker)? = config["ticker"] { self.ticker = ticker } else { ticker = defaultTicker }
            maxDecisions = try config.int("max_decisions", default: 20, in: 1...10_000)
            let milliseconds = try config.int(
                "decision_interval_ms", default: Int(defaultInterval.milliseconds), in: 1...3_600_000)
            interval = .milliseconds(milliseconds)
        }
    }

    private func runSession(_ session: ModelSession, settings: SessionSettings) async {
        let policy: any DecisionPolicy = RuleBasedPolicy()
        let modelId = session.modelId
        let id = JSONValue.number(Double(session.id))
        var decisions = 0
        var position = 0
        do {
            try await service.publishModelEvent(
                modelId: modelId, .status,
                [
                    "message": .string("Starting trading session..."), "session_id": id,
                    "ticker": .string(settings.ticker),
                ])
            while decisions < settings.maxDecisions {
                try await Task.sleep(for: settings.interval)
                let prices = recentPrices[settings.ticker] ?? []
                let decision = policy.decide(ticker: settings.ticker, prices: prices, position: position)
                decisions += 1
                if decision.action == .buy { position = 1 }
                if decision.action == .sell { position = -1 }
                try await service.publishModelEvent(
                    modelId: modelId, .trade,
                    [
                        "action": .string(decision.action.rawValue), "ticker": .string(settings.ticker),
                        "price": prices.last.map(JSONValue.number) ?? .null, "confidence": .number(decision.confidence),
                        "message": .string(decision.message), "session_id": id,
                        "decision": .number(Double(decisions)),
                    ])
            }
            try await service.publishModelEvent(
                modelId: modelId, .sessionComplete,
                [
                    "message": .string("Agent finished after \(decisions) decisions"), "session_id": id,
                    "decisions": .number(Double(decisions)),
                ])
            _ = try await service.finishModelSession(
                session, status: .completed, decisions: decisions, summary: "Trading session complete")
        } catch is CancellationError {
            _ = try? await service.finishModelSession(
                session, status: .stopped, decisions: decisions, summary: "Trading session stopped")
        } catch {
            _ = try? await service.finishModelSession(
                session, status: .failed, decisions: decisions, summary: "Trading session failed: \(error)")
        }
        sessions[modelId] = nil
    }

    /// Sessions left running by a previous process cannot continue: close them as stopped.
    func closeInterruptedSessions() async throws {
        for session in try await service.store.modelSessions(modelId: nil) where sessions[session.modelId] == nil {
            _ = try await service.finishModelSession(
                session, status: .stopped, decisions: session.decisions, summary: "Trading session stopped by a restart"
            )
        }
    }
}
