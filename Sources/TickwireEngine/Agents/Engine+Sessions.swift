import Foundation
import TickwireHub
import TickwireModel
import TickwireResearch
import TickwireService
import TickwireStore

/// Runs trading-model sessions (seed 004): `status` "Initializing AI agent..." (written with the session row, on the
/// node that took the request), `status` "Starting trading session...", one `trade` per decision (buy, sell or hold,
/// with its reason, and the order and fill it made), `session_complete` when the agent stops itself, then `complete`
/// with the session's statistics; `error` if it fails or breaches a risk limit.
///
/// A model trades: its portfolio is a bot of its own (`TradingService.portfolioBot`), and each buy or sell becomes a
/// market order through the same write path as every bot's, filled by the session at the price it decided on (the
/// paper broker leaves these orders alone). So a model has cash, fills, round trips, PnL and an equity history, and a
/// resumed session holds what its bot holds.
///
/// Sessions start and stop through the store, on any node (`ModelSessions`); the engine follows `session_started` and
/// `session_ended` on `engine` and runs an agent for each session that runs. An agent's events are appended only
/// while its session runs, so a stop written elsewhere ends it at once and nothing of it follows `complete`. A new
/// term of the engine (a restart, or another node taking over) resumes the sessions left running.
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
            let settings = try SessionSettings(policy: model.policy, model.config, configuration: configuration)
            sessions[session.id] = Task { await self.runSession(session, model: model, settings: settings) }
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

    /// A risk limit the session would breach: it ends with `error`.
    struct RiskLimitBreached: Error {
        let limit: String
    }

    private func runSession(_ session: ModelSession, model: TradingModel, settings: SessionSettings) async {
        let id = JSONValue.number(Double(session.id))
        var decisions = session.decisions
        var portfolio: Bot?
        do {
            let bot = try await preparePortfolio(of: model, settings: settings)
            portfolio = bot
            var decider = Decider(settings: settings, model: model, engine: self, session: session)
            await decider.warmUp()
            let start =
                decisions == 0
                ? "Starting trading session..." : "Resuming trading session after \(decisions) decisions..."
            try await service.publishSessionEvent(
                session, decisions: decisions, .status,
                [
                    "message": .string(start), "session_id": id, "ticker": .string(settings.ticker),
                    "bot_id": .number(Double(bot.id)), "policy": .string(model.policy),
                ])
            var day = try await DailyLoss(equity: service.reader.pnl(botId: bot.id).equity, at: service.now)
            while decisions < settings.maxDecisions {
                try await Task.sleep(for: settings.interval)
                guard let decision = try await decider.next(decisions: decisions, bot: bot) else { continue }
                decisions += 1
                var data: [String: JSONValue] = [
                    "action": .string(decision.action.rawValue), "ticker": .string(settings.ticker),
                    "price": decision.price.map(JSONValue.number) ?? .null, "message": .string(decision.reason),
                    "session_id": id, "decision": .number(Double(decisions)),
                ]
                if let answeredIn = decision.answeredIn {
                    let (seconds, attoseconds) = answeredIn.components
                    data["agent_ms"] = .number(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
                }
                // A hold places nothing: the position is read only for a buy or a sell.
                if decision.action != .hold, let price = decision.price,
                    let plan = ModelOrders.plan(
                        decision.action, size: decision.size ?? settings.size,
                        position: try await service.reader.pnl(botId: bot.id).positionQuantity,
                        allowsShort: settings.allowsShort)
                {
                    if let breach = settings.limits.breach(of: plan) { throw RiskLimitBreached(limit: breach) }
                    for (key, value) in try await execute(plan, bot: bot, price: price) { data[key] = value }
                }
                let after = try await service.reader.pnl(botId: bot.id)
                for (key, value) in Self.portfolioFigures(after) { data[key] = value }
                try await service.publishSessionEvent(session, decisions: decisions, .trade, data)
                decider.remember(decision, figures: after, number: decisions)
                if let breach = settings.limits.breach(dailyLoss: day.loss(equity: after.equity, at: service.now)) {
                    throw RiskLimitBreached(limit: breach)
                }
            }
            let statistics = try await sessionStatistics(session, bot: bot, decisions: decisions)
            var complete = statistics
            complete["message"] = .string("Agent finished after \(decisions) decisions")
            complete["session_id"] = id
            try await service.publishSessionEvent(session, decisions: decisions, .sessionComplete, complete)
            _ = try await service.finishModelSession(
                session, status: .completed, decisions: decisions, summary: "Trading session complete",
                statistics: statistics)
        } catch let breach as RiskLimitBreached {
            var statistics: [String: JSONValue] = [:]
            if let portfolio {
                statistics = (try? await sessionStatistics(session, bot: portfolio, decisions: decisions)) ?? [:]
            }
            _ = try? await service.finishModelSession(
                session, status: .failed, decisions: decisions, summary: "Risk limit breached: \(breach.limit)",
                statistics: statistics)
        } catch StoreError.conflict, StoreError.leaseLost, is CancellationError {
            // Stopped through the API (the session has its last event already), or the engine stops here (shutdown,
            // or the lease lost): the session stays running and the next term, on this node or another, resumes it.
        } catch {
            _ = try? await service.finishModelSession(
                session, status: .failed, decisions: decisions, summary: "Trading session failed: \(error)")
        }
        sessions[session.id] = nil
    }

    /// The model's bot, trading the session's ticker, active while the session runs. A bot that still holds another
    /// ticker cannot switch: the session fails and says so.
    private func preparePortfolio(of model: TradingModel, settings: SessionSettings) async throws -> Bot {
        var bot = try await service.portfolioBot(
            of: model, ticker: settings.ticker, exchange: configuration.exchange)
        if bot.ticker != settings.ticker {
            let held = try await service.reader.pnl(botId: bot.id).positionQuantity
            guard held == 0 else {
                throw ValidationError(
                    "config.ticker",
                    "the model still holds \(held) \(bot.ticker): close it before trading \(settings.ticker)")
            }
            bot = try await service.updateBot(id: bot.id, BotPatch(ticker: settings.ticker), by: .system)
        }
        if bot.status != .active {
            bot = try await service.updateBot(id: bot.id, BotPatch(status: .active), by: .system)
        }
        return bot
    }

    /// Places the plan's market order for the model's bot and fills it at `price` with the broker's fee and slippage
    /// (the bot's own, if set). What it did, for the `trade` event: `order` and `fill`, or `refused` and why.
    private func execute(_ plan: ModelOrders.Plan, bot: Bot, price: Double) async throws -> [String: JSONValue] {
        let order: Order
        do {
            order = try await service.placeOrder(
                botId: bot.id, NewOrder(side: plan.side, type: .market, quantity: plan.quantity), by: .system)
        } catch let refused as OrderRefused {
            return ["refused": .string(refused.message)]
        }
        var settings = configuration.broker
        settings.feeBps = bot.feeBps(default: settings.feeBps)
        settings.slippageBps = bot.slippageBps(default: settings.slippageBps)
        settings.maxFillPerTick = nil
        settings.maxFillNotional = nil
        guard
            let fill = OrderMatcher.fill(
                for: order, at: Tick(ticker: bot.ticker, price: price, timestamp: service.now), settings: settings)
        else { return ["order": Self.orderFigures(order)] }
        let filled = try await service.updateOrder(id: order.id, OrderPatch(fill: fill), by: .system)
        return [
            "order": Self.orderFigures(filled),
            "fill": .object([
                "quantity": .number(fill.quantity), "price": .number(fill.price), "fee": .number(fill.fee ?? 0),
            ]),
        ]
    }

    static func orderFigures(_ order: Order) -> JSONValue {
        .object([
            "id": .number(Double(order.id)), "side": .string(order.side.rawValue),
            "quantity": .number(order.quantity), "status": .string(order.status.rawValue),
        ])
    }

    /// The portfolio after a decision, as a `trade` event carries it.
    static func portfolioFigures(_ pnl: BotPnL) -> [String: JSONValue] {
        [
            "position": .number(pnl.positionQuantity), "cash": .number(pnl.cash), "equity": .number(pnl.equity),
            "pnl": .number(pnl.totalPnl), "return_pct": .number(pnl.returnPct),
        ]
    }

    /// What `session_complete` and `complete` carry: the session's decisions and the round trips it closed, its
    /// PnL and return from the equity it started with, and the portfolio now.
    func sessionStatistics(_ session: ModelSession, bot: Bot, decisions: Int) async throws -> [String: JSONValue] {
        let fills = try await service.reader.fillsInOrder(FillFilter(botId: bot.id))
        let trades = RoundTrips.group(fills, ticker: bot.ticker, exchange: bot.exchange).filter {
            !$0.isOpen && ($0.closedAt ?? $0.openedAt) >= session.startedAt
        }
        let now = try await service.reader.pnl(botId: bot.id)
        let history = try await service.reader.equityPoints(
            botId: bot.id, from: Timestamp(milliseconds: .min),
            to: Timestamp(milliseconds: session.startedAt.milliseconds &- 1))
        let startEquity = history.last?.equity ?? now.startingCash
        let pnl = now.equity - startEquity
        let wins = trades.count { $0.pnl > 0 }
        var statistics: [String: JSONValue] = [
            "decisions": .number(Double(decisions)), "trades": .number(Double(trades.count)),
            "fills": .number(Double(fills.count { $0.timestamp >= session.startedAt })),
            "pnl": .number(pnl), "return_pct": .number(startEquity > 0 ? 100 * pnl / startEquity : 0),
            "equity": .number(now.equity), "position": .number(now.positionQuantity),
        ]
        if !trades.isEmpty { statistics["win_rate_pct"] = .number(100 * Double(wins) / Double(trades.count)) }
        return statistics
    }

    /// Runs the sessions the store has as running and no agent here runs: at the start of a term (left by a previous
    /// process or node, or started while no engine ran), and after following `engine` was interrupted.
    func adoptRunningSessions() async throws {
        for session in try await service.reader.modelSessions(modelId: nil) where sessions[session.id] == nil {
            await adopt(SessionChange(session))
        }
    }
}

/// The loss since the start of the UTC day, or of the session if it started later that day.
struct DailyLoss {
    private var day: Int64
    private var startEquity: Double

    init(equity: Double, at time: Timestamp) {
        day = time.milliseconds / 86_400_000
        startEquity = equity
    }

    mutating func loss(equity: Double, at time: Timestamp) -> Double {
        let today = time.milliseconds / 86_400_000
        if today != day {
            day = today
            startEquity = equity
        }
        return startEquity - equity
    }
}
