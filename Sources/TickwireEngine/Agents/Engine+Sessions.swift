import Foundation
import TickwireHub
import TickwireModel
import TickwireResearch
import TickwireService
import TickwireStore

/// Runs trading-model sessions (seed 004): `status` "Initializing AI agent..." (written with the session row, on the
/// node that took the request), `status` "Starting trading session...", one `trade` per decision (buy, sell or hold,
/// with the agent's reasoning), `session_complete` when the agent stops itself, then `complete`; `error` if it fails.
///
/// Sessions start and stop through the store, on any node (`ModelSessions`); the engine follows `session_started` and
/// `session_ended` on `engine` and runs an agent for each session that runs. An agent's events are appended only
/// while its session runs, so a stop written elsewhere ends it at once and nothing of it follows `complete`. A new
/// term of the engine (a restart, or another node taking over) resumes the sessions left running, with their
/// decision count and the position of their last buy or sell, both read back from what the session wrote.
extension Engine {
    /// Runs an agent for the session, unless one runs already or the session has ended.
    func adopt(_ change: SessionChange) async {
        guard sessions[change.sessionId] == nil else { return }
        let session: ModelSession
        let model: TradingModel
        do {
            guard
                let found = try await service.reader.modelSessions(modelId: change.modelId).first(where: {
                    $0.id == change.sessionId
                }), found.status == .running
            else { return }
            session = found
            model = try await service.reader.model(id: change.modelId)
        } catch {
            return logger.warning(
                "could not load a model session", metadata: ["session": "\(change.sessionId)", "error": "\(error)"])
        }
        guard sessions[change.sessionId] == nil else { return }  // adopted by another call meanwhile
        do {
            let settings = try SessionSettings(model.config, configuration: configuration)
            sessions[session.id] = Task { await self.runSession(session, settings: settings) }
        } catch {
            _ = try? await service.finishModelSession(
                session, status: .failed, decisions: session.decisions,
                summary: "Trading session failed: \(error.field) \(error.message)")
        }
    }

    /// A session that ended (stopped through the API, on any node): its agent stops without writing.
    func release(_ change: SessionChange) {
        sessions[change.sessionId]?.cancel()
    }

    /// The session's agent runs on this node now (tests).
    public func runsSession(_ id: Int64) -> Bool { sessions[id] != nil }

    /// The settings of a model's sessions, taken from its `config` and checked when the model is written and
    /// before a session is opened: `ticker` (default the engine's first instrument), `max_decisions` (1-10000,
    /// default 20), `decision_interval_ms` (the configuration's minimum, 100 by default, to 3600000; default three
    /// ticks).
    struct SessionSettings: Sendable {
        var ticker: String
        var maxDecisions: Int
        var interval: Duration

        init(_ config: [String: JSONValue], configuration: EngineConfiguration) throws(ValidationError) {
            switch config["ticker"] {
            case .string(let ticker)?:
                try Check.ticker(ticker, "config.ticker")
                self.ticker = ticker
            case nil:
                ticker = configuration.tickers.first ?? "BTC/USDT"
            case _?:
                throw ValidationError("config.ticker", "must be a string")
            }
            maxDecisions = try config.int("max_decisions", default: 20, in: 1...10_000)
            let minimum = Int(clamping: max(1, configuration.minimumDecisionInterval.milliseconds))
            let threeTicks = Int(clamping: configuration.tickInterval.milliseconds).multipliedReportingOverflow(by: 3)
            let milliseconds = try config.int(
                "decision_interval_ms", default: max(minimum, threeTicks.overflow ? Int.max : threeTicks.partialValue),
                in: minimum...3_600_000)
            interval = .milliseconds(milliseconds)
        }
    }

    private func runSession(_ session: ModelSession, settings: SessionSettings) async {
        let policy: any DecisionPolicy = RuleBasedPolicy()
        let id = JSONValue.number(Double(session.id))
        var decisions = session.decisions
        var position = 0
        do {
            position = try await resumedPosition(of: session)
            let start =
                decisions == 0
                ? "Starting trading session..." : "Resuming trading session after \(decisions) decisions..."
            try await service.publishSessionEvent(
                session, decisions: decisions, .status,
                ["message": .string(start), "session_id": id, "ticker": .string(settings.ticker)])
            while decisions < settings.maxDecisions {
                try await Task.sleep(for: settings.interval)
                let prices = recentPrices[settings.ticker] ?? []
                let decision = policy.decide(ticker: settings.ticker, prices: prices, position: position)
                decisions += 1
                if decision.action == .buy { position = 1 }
                if decision.action == .sell { position = -1 }
                try await service.publishSessionEvent(
                    session, decisions: decisions, .trade,
                    [
                        "action": .string(decision.action.rawValue), "ticker": .string(settings.ticker),
                        "price": prices.last.map(JSONValue.number) ?? .null, "confidence": .number(decision.confidence),
                        "message": .string(decision.message), "session_id": id,
                        "decision": .number(Double(decisions)),
                    ])
            }
            try await service.publishSessionEvent(
                session, decisions: decisions, .sessionComplete,
                [
                    "message": .string("Agent finished after \(decisions) decisions"), "session_id": id,
                    "decisions": .number(Double(decisions)),
                ])
            _ = try await service.finishModelSession(
                session, status: .completed, decisions: decisions, summary: "Trading session complete")
        } catch StoreError.conflict, StoreError.leaseLost, is CancellationError {
            // Stopped through the API (the session has its last event already), or the engine stops here (shutdown,
            // or the lease lost): the session stays running and the next term, on this node or another, resumes it.
        } catch {
            _ = try? await service.finishModelSession(
                session, status: .failed, decisions: decisions, summary: "Trading session failed: \(error)")
        }
        sessions[session.id] = nil
    }

    /// The position an agent resumes with: that of its session's last buy (+1) or sell (−1), flat if it made none.
    /// The event log is the agent's memory: the model's events are read newest first, a page at a time, back to the
    /// session's start.
    func resumedPosition(of session: ModelSession) async throws -> Int {
        guard session.decisions > 0 else { return 0 }
        // Anyone who may publish on the model's topic can write a `trade`: its fields are read without trusting them.
        struct Trade: Decodable {
            let action: String
            let sessionId: JSONValue
            enum CodingKeys: String, CodingKey {
                case action
                case sessionId = "session_id"
            }
        }
        var through = Int64.max
        while true {
            let page = try await service.reader.latestEvents(
                topic: .model(session.modelId), through: through, limit: Self.resumePage)
            for event in page.reversed() {
                if event.timestamp < session.startedAt { return 0 }
                guard event.type == .trade,
                    let trade = try? JSONDecoder().decode(Trade.self, from: Data(event.data.utf8)),
                    case .number(let sessionId) = trade.sessionId, Int64(exactly: sessionId) == session.id
                else { continue }
                switch Decision.Action(rawValue: trade.action) {
                case .buy: return 1
                case .sell: return -1
                case .hold, nil: continue
                }
            }
            guard page.count == Self.resumePage, let oldest = page.first else { return 0 }
            through = oldest.id - 1
        }
    }

    static let resumePage = 500

    /// Runs the sessions the store has as running and no agent here runs: at the start of a term (left by a previous
    /// process or node, or started while no engine ran), and after following `engine` was interrupted.
    func adoptRunningSessions() async throws {
        for session in try await service.reader.modelSessions(modelId: nil) where sessions[session.id] == nil {
            await adopt(SessionChange(session))
        }
    }
}
