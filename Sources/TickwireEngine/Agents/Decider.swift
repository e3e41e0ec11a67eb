import TickwireModel
import TickwireResearch
import TickwireService

/// How a session decides each step: its policy's strategy over the ticks since the last step, or the answer of the
/// external agent that serves the model (`AgentDesk`), asked with what it needs to decide.
struct Decider {
    struct Decision {
        var action: ModelAction
        /// The position to take (an agent's `size`); nil: the model's `quantity`.
        var size: Double?
        var reason: String
        /// The price decided on (and filled at); nil before the ticker has one.
        var price: Double?
        /// How long the external agent took to answer.
        var answeredIn: Duration?
    }

    /// How many of its own decisions an agent is shown.
    static let memory = 10

    let settings: Engine.SessionSettings
    let model: TradingModel
    let engine: Engine
    let session: ModelSession
    private var strategy: (any Strategy)?
    private var seen = 0
    private var recent: [JSONValue] = []

    init(settings: Engine.SessionSettings, model: TradingModel, engine: Engine, session: ModelSession) {
        self.settings = settings
        self.model = model
        self.engine = engine
        self.session = session
    }

    /// The strategy starts from the prices the engine has seen, so that it can decide from the first step.
    mutating func warmUp() async {
        let (prices, count) = await engine.market(settings.ticker)
        if var strategy = settings.makeStrategy() {
            for price in prices { _ = strategy.onPrice(price) }
            self.strategy = strategy
        }
        seen = count
    }

    /// The next decision, made on a price it has not decided on before (it waits for the next tick if there is none),
    /// or nil when there is none to make this step (the agent went away: the session waits).
    mutating func next(decisions: Int, bot: Bot) async throws -> Decision? {
        await engine.waitForTick(settings.ticker, after: seen)
        try Task.checkCancellation()
        let (prices, count) = await engine.market(settings.ticker)
        let fresh = min(max(0, count - seen), prices.count)
        seen = count
        switch settings.policy {
        case .strategy:
            guard var strategy else { return nil }
            var signal: Signal?
            for price in prices.suffix(fresh) { signal = strategy.onPrice(price) ?? signal }
            self.strategy = strategy
            guard let price = prices.last else {
                return Decision(action: .hold, reason: "No price for \(settings.ticker) yet: holding")
            }
            guard let signal else {
                return Decision(
                    action: .hold, reason: "Holding \(settings.ticker) at \(price): \(strategy.status)", price: price)
            }
            return Decision(action: signal.side == .buy ? .buy : .sell, reason: signal.reason, price: price)
        case .external(let deadline):
            return try await askAgent(prices: prices, deadline: deadline, decisions: decisions, bot: bot)
        }
    }

    /// What the agent is told of the decision and where it left the portfolio, for its next requests.
    mutating func remember(_ decision: Decision, figures: BotPnL, number: Int) {
        recent.append(
            .object([
                "decision": .number(Double(number)), "action": .string(decision.action.rawValue),
                "price": decision.price.map(JSONValue.number) ?? .null,
                "position_after": .number(figures.positionQuantity),
                "equity_after": .number(figures.equity),
            ]))
        if recent.count > Self.memory { recent.removeFirst(recent.count - Self.memory) }
    }

    private func askAgent(prices: [Double], deadline: Duration, decisions: Int, bot: Bot) async throws -> Decision? {
        let desk = engine.agents
        let id = JSONValue.number(Double(session.id))
        if await !desk.isServed(model.id) {
            try await engine.service.publishSessionEvent(
                session, decisions: decisions, .status,
                [
                    "message": .string("Waiting for an agent to serve model \(model.id)..."), "session_id": id,
                    "paused": .bool(true),
                ])
            await desk.waitUntilServed(model.id)
            try Task.checkCancellation()
            try await engine.service.publishSessionEvent(
                session, decisions: decisions, .status,
                ["message": .string("Agent connected: resuming"), "session_id": id, "paused": .bool(false)])
        }
        guard let price = prices.last else {
            return Decision(action: .hold, reason: "No price for \(settings.ticker) yet: holding")
        }
        let request = try await self.request(prices: prices, decisions: decisions, bot: bot)
        let milliseconds = deadline.milliseconds
        let clock = ContinuousClock()
        let asked = clock.now
        let answer = await desk.ask(modelId: model.id, request, deadline: deadline)
        switch answer {
        case .decision(let action, let size, let reason):
            return Decision(
                action: action, size: size, reason: reason.isEmpty ? "The agent decided to \(action.rawValue)" : reason,
                price: price, answeredIn: clock.now - asked)
        case .late:
            try await engine.service.publishSessionEvent(
                session, decisions: decisions, .status,
                ["message": .string("The agent did not answer within \(milliseconds) ms: holding"), "session_id": id])
            return Decision(action: .hold, reason: "No answer within \(milliseconds) ms: holding", price: price)
        case .malformed(let why):
            try await engine.service.publishSessionEvent(
                session, decisions: decisions, .error,
                ["message": .string("Malformed agent answer: \(why)"), "session_id": id, "fatal": .bool(false)])
            return Decision(action: .hold, reason: "Malformed answer (\(why)): holding", price: price)
        case .absent:
            return nil
        }
    }

    /// A `decision_request`: the ticker's recent bars and prices, indicator values from the research core, the
    /// portfolio, and the agent's own recent decisions with where they left it.
    private func request(prices: [Double], decisions: Int, bot: Bot) async throws -> [String: JSONValue] {
        let figures = try await engine.service.reader.pnl(botId: bot.id)
        let candles = try await engine.service.reader.candles(
            ticker: bot.ticker, exchange: bot.exchange, interval: .oneMinute, from: Timestamp(milliseconds: .min),
            to: Timestamp(milliseconds: .max), limit: 30)
        func last(_ series: [Double]) -> JSONValue { series.last.flatMap { $0.isFinite ? .number($0) : nil } ?? .null }
        return [
            "session_id": .number(Double(session.id)), "decision": .number(Double(decisions + 1)),
            "ticker": .string(settings.ticker), "price": prices.last.map(JSONValue.number) ?? .null,
            "prices": .array(prices.suffix(50).map(JSONValue.number)),
            "bars": .array(
                candles.map { candle in
                    .object([
                        "start": .string(candle.start.iso8601), "open": .number(candle.open),
                        "high": .number(candle.high), "low": .number(candle.low), "close": .number(candle.close),
                        "volume": .number(candle.volume),
                    ])
                }),
            "indicators": .object([
                "sma_20": last(Indicators.sma(prices, period: 20)), "ema_50": last(Indicators.ema(prices, period: 50)),
                "rsi_14": last(Indicators.rsi(prices, period: 14)),
            ]),
            "position": .number(figures.positionQuantity), "cash": .number(figures.cash),
            "equity": .number(figures.equity), "quantity": .number(settings.size),
            "allows_short": .bool(settings.allowsShort), "recent_decisions": .array(recent),
        ]
    }
}

extension Engine {
    /// A ticker's recent prices, oldest first, and how many it has had in all.
    func market(_ ticker: String) -> (prices: [Double], count: Int) {
        (recentPrices[ticker] ?? [], tickCounts[ticker] ?? 0)
    }
}
