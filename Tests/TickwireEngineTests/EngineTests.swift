import Foundation
import Logging
import Testing
import TickwireHub
import TickwireModel
import TickwireService
import TickwireStore
import TickwireTestSupport

@testable import TickwireEngine

/// The engine against a real SQLite store and hub, driven tick by tick.
@Suite struct EngineTests {
    struct Setup {
        let store: SQLiteStore
        let hub: Hub
        let service: TradingService
        let engine: Engine
    }

    static func with(
        _ configuration: EngineConfiguration = .init(minimumDecisionInterval: .milliseconds(1)),
        /// Check bots and orders against the engine's rules, as `tickwire serve` does.
        rules: Bool = false, _ body: (Setup) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("e.db").path)
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: hub)
        let service = TradingService(
            store: store, clock: { Timestamp(milliseconds: 1_700_000_000_000) },
            engineRules: rules ? configuration.rules : nil)
        let engine = try Engine(service: service, hub: hub, configuration: configuration, logger: Logger(label: "e"))
        try await body(Setup(store: store, hub: hub, service: service, engine: engine))
    }

    static func bot(
        _ service: TradingService, strategy: String = "sma_crossover", config: [String: JSONValue] = [:],
        ticker: String = "BTC/USDT", status: BotStatus = .stopped
    ) async throws -> Bot {
        try await service.createBot(
            NewBot(
                name: strategy, ticker: ticker, exchange: "paper", strategy: strategy, config: config, status: status),
            by: .system)
    }

    @Test func aMarketOrderFillsOnTheNextTickAtThePriceTheSeedGives() async throws {
        let configuration = EngineConfiguration(broker: BrokerSettings(slippageBps: 5, feeBps: 10))
        try await Self.with(configuration) { setup in
            let bot = try await Self.bot(setup.service, strategy: "manual", status: .active)
            let order = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 2), by: .system)
            let limit = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .sell, type: .limit, quantity: 1, price: 1_000_000), by: .system)
            try await setup.engine.step()

            // The same seed replays the same market: the tick the order met is the reference feed's first.
            var reference = try SyntheticFeed(
                instruments: configuration.instruments, step: configuration.marketStep, seed: configuration.seed,
                start: setup.service.now)
            let tick = try #require(reference.next().first { $0.ticker == "BTC/USDT" })
            let price = SyntheticFeed.round(tick.price * 1.0005)
            let filled = try await setup.service.order(id: order.id, by: .system)
            #expect(filled.status == .filled)
            #expect(abs((filled.avgFillPrice ?? 0) - price) < 1e-6)
            let pnl = try await setup.service.pnl(botId: bot.id, by: .system)
            #expect(pnl.positionQuantity == 2)
            #expect(abs(pnl.fees - (price * 2 * 0.001 * 1e8).rounded() / 1e8) < 1e-9)
            #expect(abs(pnl.realizedPnl) < 1e-9)
            // A limit far from the market keeps working.
            #expect(try await setup.service.order(id: limit.id, by: .system).status == .new)
            // The tick's price was recorded through the write path, so the hub and dashboards have it.
            let prices = try await setup.service.reader.latestPrices(PriceFilter(ticker: "BTC/USDT"))
            #expect(prices.first?.price == tick.price)
        }
    }

    @Test func theEngineRunsAndFillsOnlyItsOwnExchangeAndCapsEachBotsNetPosition() async throws {
        try await Self.with { setup in
            // A grid bot may hold at most `levels` × `quantity`; an sma crossover one lot, long or short.
            let grid = try await Self.bot(
                setup.service, strategy: "grid",
                config: ["levels": .number(2), "quantity": .number(1), "spacing": .number(0.001)],
                status: .active)
            let elsewhere = try await setup.service.createBot(
                NewBot(name: "ext", ticker: "BTC/USDT", exchange: "binance", strategy: "external", status: .active),
                by: .system)
            let outside = try await setup.service.placeOrder(
                botId: elsewhere.id, NewOrder(side: .buy, type: .market, quantity: 1), by: .system)
            try await setup.engine.startActiveBots()
            #expect(await setup.engine.runningBotIds == [grid.id], "a bot on another exchange is an external process")
            for _ in 0..<400 { try await setup.engine.step() }
            #expect(
                try await setup.service.order(id: outside.id, by: .system).status == .new,
                "another exchange's orders are not this broker's to fill")
            let orders = try await setup.service.orders(
                OrderFilter(botId: grid.id), page: PageRequest(limit: 500, before: nil), by: .system
            ).items
            #expect(orders.count >= 2, "the grid traded in 400 ticks")
            // Replaying its orders oldest first, the net position never leaves [-2, 2].
            var net = 0.0
            for order in orders.reversed() {
                net += order.side == .buy ? order.quantity : -order.quantity
                #expect(abs(net) <= 2 + 1e-9, "net \(net) after order \(order.id)")
            }
        }
    }

    @Test func aToggleStartsAndStopsTheBotWithinASecond() async throws {
        try await Self.with { setup in
            let running = Task { try await setup.engine.run() }
            defer { running.cancel() }
            let bot = try await Self.bot(setup.service, status: .active)
            try await eventually("the bot to run") { await setup.engine.runningBotIds == [bot.id] }
            _ = try await setup.service.toggleBot(id: bot.id, by: .system)
            try await eventually("the bot to stop") { await setup.engine.runningBotIds.isEmpty }
            _ = try await setup.service.toggleBot(id: bot.id, by: .system)
            try await eventually("the bot to run") { await setup.engine.runningBotIds == [bot.id] }
        }
    }

    @Test func aBotThatCannotRunGoesToErrorAndTheOthersCarryOn() async throws {
        try await Self.with { setup in
            let good = try await Self.bot(
                setup.service, config: ["fast": .number(2), "slow": .number(3)], status: .active)
            let bad = try await Self.bot(
                setup.service, config: ["fast": .number(30), "slow": .number(3)], status: .active)
            try await setup.engine.startActiveBots()
            #expect(await setup.engine.runningBotIds == [good.id])
            #expect(try await setup.service.bot(id: bad.id, by: .system).status == .error)
            let logs = try await setup.service.logs(
                LogFilter(botId: bad.id, level: .error), page: PageRequest(limit: 10, before: nil), by: .system)
            #expect(logs.items.first?.message == "cannot start: config.fast: must be less than config.slow")
            // The market and the good bot keep going: after enough ticks the SMA 2/3 bot has traded.
            for _ in 0..<40 { try await setup.engine.step() }
            let orders = try await setup.service.orders(
                OrderFilter(botId: good.id), page: PageRequest(limit: 100, before: nil), by: .system)
            #expect(orders.items.count >= 2)
            // Every order but one placed on the last tick has been filled by the tick after it.
            #expect(orders.items.dropFirst().allSatisfy { $0.status == .filled })
        }
    }

    @Test func theIntradaySnapshotIsRankedAndLimited() async throws {
        var a = try IntradayCycle(
            universeSize: 200, limit: 120, seed: 5, step: .seconds(300), start: .init(milliseconds: 0))
        var b = try IntradayCycle(
            universeSize: 200, limit: 120, seed: 5, step: .seconds(300), start: .init(milliseconds: 0))
        let snapshot = a.next()
        #expect(snapshot == b.next())
        #expect(snapshot["universe"] == .number(200))
        guard case .array(let signals)? = snapshot["signals"] else {
            Issue.record("no signals array")
            return
        }
        #expect(!signals.isEmpty)
        #expect(signals.count <= 120)
        var previous = Double.infinity
        for signal in signals {
            guard case .object(let fields) = signal, case .number(let confidence)? = fields["confidence"],
                case .number(let score)? = fields["score"], case .string(let action)? = fields["action"]
            else {
                Issue.record("malformed signal \(signal)")
                return
            }
            #expect(confidence <= previous)
            previous = confidence
            #expect(action == (score > 0 ? "BUY" : "SELL"))
            #expect(abs(score) > 0.5)
        }
        var small = try IntradayCycle(
            universeSize: 200, limit: 3, seed: 5, step: .seconds(300), start: .init(milliseconds: 0))
        guard case .array(let capped)? = small.next()["signals"] else {
            Issue.record("the snapshot has no signals array")
            return
        }
        #expect(capped.count == 3)
        #expect(capped == Array(signals.prefix(3)))
    }

    @Test func aReplayedMarketRecordsTheBarsThenStops() async throws {
        let csv = "date,open,high,low,close,volume\n2024-01-02,100,110,95,108,1000\n2024-01-03,108,109,90,92,2000\n"
        let configuration = EngineConfiguration(
            priceInterval: .zero, replay: [try CSVReplayFeed(ticker: "AAPL", csv: csv)])
        try await Self.with(configuration) { setup in
            let bot = try await Self.bot(setup.service, strategy: "manual", ticker: "AAPL", status: .active)
            let order = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .limit, quantity: 1, price: 96), by: .system)
            var recorded: [Double] = []
            for _ in 0..<8 {
                try await setup.engine.step()
                recorded.append(try await setup.store.latestPrices(PriceFilter(ticker: "AAPL")).first?.price ?? 0)
            }
            #expect(recorded == [100, 95, 110, 108, 108, 109, 90, 92])
            // The limit at 96 filled at the bar's low, 95, on the second tick.
            let filled = try await setup.service.order(id: order.id, by: .system)
            #expect(filled.avgFillPrice == 95)
            #expect(await setup.engine.marketFinished == false)
            try await setup.engine.step()
            #expect(await setup.engine.marketFinished)
        }
    }

    @Test func theEnginePublishesIntradaySnapshotsThroughTheWritePath() async throws {
        try await Self.with { setup in
            try await setup.engine.publishIntraday()
            let events = try await setup.store.latestEvents(topic: .intraday, through: .max, limit: 1)
            #expect(events.first?.type == .intradaySnapshot)
            #expect(events.first?.data.contains("\"signals\"") == true)
        }
    }

    /// Collects the events of `subscription` until one of type `last` arrives (at most 10 s), with the rest of its batch.
    static func events(_ subscription: Subscription, until last: EventType) async throws -> [Event] {
        try await withThrowingTaskGroup(of: [Event]?.self) { group in
            group.addTask {
                var events: [Event] = []
                while true {
                    // The whole batch: events taken after `last` would be lost to the next call.
                    for case .event(let shared) in try await subscription.next() { events.append(shared.event) }
                    if events.contains(where: { $0.type == last }) { return events }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try #require(first, "no \(last) event within 10 s")
        }
    }

    /// A user and a model of theirs with `config`.
    static func model(_ setup: Setup, _ config: [String: JSONValue]) async throws -> (owner: User, model: TradingModel)
    {
        let owner = try await setup.store.createUser(
            username: "ann", passwordHash: "-", role: .user, at: .init(milliseconds: 0))
        let model = try await setup.service.createModel(
            NewTradingModel(name: "agent", config: config), by: .user(owner.id))
        return (owner, model)
    }

    static func sessions(_ setup: Setup) -> ModelSessions {
        ModelSessions(service: setup.service, configuration: setup.engine.configuration)
    }

    @Test func aModelSessionEmitsTheSeedSequenceInOrder() async throws {
        try await Self.with(
            EngineConfiguration(tickInterval: .milliseconds(10), minimumDecisionInterval: .milliseconds(1))
        ) { setup in
            let (owner, model) = try await Self.model(
                setup,
                ["max_decisions": .number(3), "decision_interval_ms": .number(20), "ticker": .string("ETH/USDT")])
            let other = try await setup.store.createUser(
                username: "ben", passwordHash: "-", role: .user, at: .init(milliseconds: 0))
            let running = Task { try await setup.engine.run() }
            defer { running.cancel() }
            await #expect(throws: StoreError.notFound(entity: "trading model", id: String(model.id))) {
                _ = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(other.id))
            }
            let subscription = try setup.hub.subscribe(Interest(topics: [.model(model.id)]))
            let session = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            let events = try await Self.events(subscription, until: .complete)
            #expect(
                events.map(\.type.rawValue) == [
                    "status", "status", "trade", "trade", "trade", "session_complete", "complete",
                ])
            #expect(events[0].data.contains("Initializing AI agent..."))
            #expect(events[1].data.contains("Starting trading session..."))
            for trade in events[2...4] {
                #expect(trade.data.contains("ETH/USDT"))
                #expect(
                    ["\"action\":\"buy\"", "\"action\":\"sell\"", "\"action\":\"hold\""].contains {
                        trade.data.contains($0)
                    })
            }
            #expect(events.allSatisfy { $0.ownerId == owner.id })
            let sessions = try await setup.service.modelSessions(modelId: model.id, by: .user(owner.id))
            #expect(sessions.map(\.id) == [session.id])
            #expect(sessions.first?.status == .completed)
            #expect(sessions.first?.decisions == 3)
        }
    }

    @Test func invalidSessionSettingsAreRefusedBeforeASessionOpens() async throws {
        try await Self.with { setup in
            let (owner, model) = try await Self.model(setup, ["max_decisions": .number(0)])
            await #expect(throws: ValidationError.self) {
                _ = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            }
            #expect(try await setup.service.modelSessions(modelId: model.id, by: .user(owner.id)).isEmpty)
        }
    }

    @Test func stoppingASessionEndsItAtOnceWithComplete() async throws {
        try await Self.with { setup in
            let (owner, model) = try await Self.model(
                setup, ["max_decisions": .number(10_000), "decision_interval_ms": .number(2)])
            let running = Task { try await setup.engine.run() }
            defer { running.cancel() }
            let subscription = try setup.hub.subscribe(Interest(topics: [.model(model.id)]))
            let session = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            _ = try await Self.events(subscription, until: .trade)
            await #expect(throws: StoreError.self, "one session at a time") {
                _ = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            }
            let stopped = try await Self.sessions(setup).stopSession(modelId: model.id, by: .user(owner.id))
            #expect(stopped.status == .stopped)
            #expect(stopped.decisions >= 1, "the count the agent recorded with its last trade")
            let rest = try await Self.events(subscription, until: .complete)
            #expect(rest.last?.data.contains("Trading session stopped") == true)
            try await eventually("the session to end") { await !setup.engine.runsSession(session.id) }
            await #expect(throws: StoreError.self) {
                _ = try await Self.sessions(setup).stopSession(modelId: model.id, by: .user(owner.id))
            }
            let last = try await setup.store.latestEvents(topic: .model(model.id), through: .max, limit: 1)
            #expect(last.first?.type == .complete, "nothing of the agent after its session's last event")
        }
    }

    /// A stop the engine has not heard of (written by another node, its event not yet here): the agent's next write
    /// is refused, and it ends without writing anything after `complete`.
    @Test func anAgentCannotWriteAfterItsSessionEnded() async throws {
        try await Self.with { setup in
            let (owner, model) = try await Self.model(
                setup, ["max_decisions": .number(10_000), "decision_interval_ms": .number(2)])
            let subscription = try setup.hub.subscribe(Interest(topics: [.model(model.id)]))
            let session = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            await setup.engine.adopt(SessionChange(session))  // not following `engine`: no stop reaches it
            let market = Task {
                while !Task.isCancelled {
                    try? await setup.engine.step()
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            defer { market.cancel() }
            _ = try await Self.events(subscription, until: .trade)
            _ = try await Self.sessions(setup).stopSession(modelId: model.id, by: .user(owner.id))
            try await eventually("the session to end") { await !setup.engine.runsSession(session.id) }
            let last = try await setup.store.latestEvents(topic: .model(model.id), through: .max, limit: 1)
            #expect(last.first?.type == .complete)
            #expect(try await setup.store.modelSessions(modelId: model.id).first?.status == .stopped)
        }
    }

    /// A term of the engine that ends (shutdown, or the lease lost) leaves its sessions running; the next resumes
    /// them where they were, every decision once.
    @Test func theNextTermResumesRunningSessions() async throws {
        try await Self.with { setup in
            let (_, model) = try await Self.model(
                setup, ["max_decisions": .number(6), "decision_interval_ms": .number(20)])
            let subscription = try setup.hub.subscribe(Interest(topics: [.model(model.id)]))
            let first = Task { try await setup.engine.run() }
            _ = try await Self.sessions(setup).startSession(modelId: model.id, by: .system)
            _ = try await Self.events(subscription, until: .trade)
            first.cancel()
            try await first.value
            let next = try Engine(
                service: setup.service, hub: setup.hub, configuration: setup.engine.configuration,
                logger: Logger(label: "e"))
            let second = Task { try await next.run() }
            defer { second.cancel() }
            let rest = try await Self.events(subscription, until: .complete)
            #expect(rest.contains { $0.data.contains("Resuming trading session after") })
            struct Trade: Decodable { let decision: Int }
            let all = try await setup.store.latestEvents(topic: .model(model.id), through: .max, limit: 100)
            let decisions = all.filter { $0.type == .trade }.compactMap { trade in
                try? JSONDecoder().decode(Trade.self, from: Data(trade.data.utf8)).decision
            }
            #expect(decisions == [1, 2, 3, 4, 5, 6])
            #expect(try await setup.store.modelSessions(modelId: model.id).first?.status == .completed)
        }
    }

    /// Four flat bars, 100, 102, 103 and 100: four ticks each.
    static let steps = try! CSVReplayFeed(
        ticker: "BTC/USDT",
        csv: """
            date,open,high,low,close,volume
            2024-01-01,100,100,100,100,1
            2024-01-02,102,102,102,102,1
            2024-01-03,103,103,103,103,1
            2024-01-04,100,100,100,100,1
            """)

    /// A momentum model (lookback 1, 1 %) buys 2 when 100 becomes 102 and sells them when 103 becomes 100: the
    /// broker's 5 bps slippage and 10 bps fee make every figure exact.
    /// A momentum model (lookback 1, 1 %, quantity 2, 16 decisions) over `steps`, its session started and adopted by
    /// an engine that ticks only when the test steps it; returns once the session has said it started.
    static func replayedMomentumModel(_ setup: Setup, adding extra: [String: JSONValue] = [:]) async throws -> (
        model: TradingModel, subscription: Subscription
    ) {
        let owner = try await setup.store.createUser(
            username: "ann", passwordHash: "-", role: .user, at: .init(milliseconds: 0))
        var config: [String: JSONValue] = [
            "lookback": .number(1), "threshold": .number(1), "quantity": .number(2), "max_decisions": .number(16),
            "decision_interval_ms": .number(1), "ticker": .string("BTC/USDT"),
        ]
        config.merge(extra) { $1 }
        let model = try await setup.service.createModel(
            NewTradingModel(name: "quant", policy: "momentum", config: config), by: .user(owner.id))
        let subscription = try setup.hub.subscribe(Interest(topics: [.model(model.id)]))
        let session = try await Self.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
        await setup.engine.adopt(SessionChange(session))
        _ = try await Self.events(subscription, until: .status)
        _ = try await Self.events(subscription, until: .status)
        return (model, subscription)
    }

    static let replayed = EngineConfiguration(
        priceInterval: .zero, replay: [steps], minimumDecisionInterval: .milliseconds(1))

    @Test func aModelTradesThroughItsOwnBotWithExactFillsAndPnL() async throws {
        try await Self.with(Self.replayed) { setup in
            let (model, subscription) = try await Self.replayedMomentumModel(setup)
            var trades: [Event] = []
            for _ in 0..<16 {
                try await setup.engine.step()
                trades += try await Self.events(subscription, until: .trade)
            }
            let rest = try await Self.events(subscription, until: .complete)
            struct Trade: Decodable {
                struct Fill: Decodable {
                    let quantity: Double
                    let price: Double
                    let fee: Double
                }
                let action: String
                let price: Double
                let fill: Fill?
                let position: Double
            }
            let decoded = try trades.filter { $0.type == .trade }.map {
                try JSONDecoder().decode(Trade.self, from: Data($0.data.utf8))
            }
            #expect(decoded.count == 16)
            #expect(decoded.map(\.action).enumerated().filter { $0.element != "hold" }.map(\.offset) == [4, 12])
            let buy = try #require(decoded[4].fill)
            #expect(abs(buy.price - 102.051) < 1e-9)
            #expect(abs(buy.fee - 0.204102) < 1e-9)
            #expect(decoded[4].position == 2)
            let sell = try #require(decoded[12].fill)
            #expect(abs(sell.price - 99.95) < 1e-9)
            #expect(abs(sell.fee - 0.1999) < 1e-9)
            #expect(decoded[15].position == 0)

            let refreshed = try await setup.store.model(id: model.id)
            let botId = try #require(refreshed.botId)
            let pnl = try await setup.store.pnl(botId: botId)
            #expect(abs(pnl.realizedPnl - -4.202) < 1e-9)
            #expect(abs(pnl.totalPnl - -4.606002) < 1e-9)
            #expect(pnl.tradeCount == 1)
            #expect(pnl.winRatePct == 0)
            // `complete` carries the session's statistics; the bot stops with the session.
            let complete = try #require(rest.last)
            #expect(complete.type == .complete)
            struct Complete: Decodable {
                struct Statistics: Decodable {
                    let trades: Int
                    let pnl: Double
                    let fills: Int
                }
                let statistics: Statistics
            }
            let statistics = try JSONDecoder().decode(Complete.self, from: Data(complete.data.utf8)).statistics
            #expect(statistics.trades == 1)
            #expect(statistics.fills == 2)
            #expect(abs(statistics.pnl - -4.606002) < 1e-9)
            try await eventually("the bot to stop with its session") {
                (try? await setup.store.bot(id: botId).status) == .stopped
            }
            #expect(try await setup.store.bot(id: botId).strategy == ModelCommands.botStrategy)
        }
    }

    /// Each risk limit ends the session with an `error` that names it: the order size before the buy is placed,
    /// the daily loss after the losing sell.
    @Test(arguments: [
        ("max_order_size", 1.0, 5, "Risk limit breached: max_order_size"),
        ("max_position", 1.5, 5, "Risk limit breached: max_position"),
        ("max_daily_loss", 1.0, 13, "Risk limit breached: max_daily_loss"),
    ])
    func aBreachedRiskLimitEndsTheSessionSayingWhich(limit: String, value: Double, ticks: Int, message: String)
        async throws
    {
        try await Self.with(Self.replayed) { setup in
            let (model, subscription) = try await Self.replayedMomentumModel(setup, adding: [limit: .number(value)])
            for _ in 0..<(ticks - 1) {
                try await setup.engine.step()
                _ = try await Self.events(subscription, until: .trade)
            }
            try await setup.engine.step()
            let last = try await Self.events(subscription, until: .error)
            #expect(last.last?.data.contains(message) == true, "\(last.last?.data ?? "")")
            #expect(try await setup.store.modelSessions(modelId: model.id).first?.status == .failed)
        }
    }
}
