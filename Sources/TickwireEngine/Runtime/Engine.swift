import Foundation
import Logging
import Metrics
import ServiceLifecycle
import TickwireHub
import TickwireModel
import TickwireResearch
import TickwireService

/// The paper-trading engine: a synthetic market, a paper broker and the bots that trade on it.
///
/// Every tick it records the (coalesced) prices, fills working orders of bots on its exchange, and feeds each
/// running bot's strategy; every signal becomes a market order and an activity log line. All of it goes through
/// `TradingService` as `Actor.system`: the same write path, validation and events as a bot process using the REST
/// API. Bots start and stop when their status changes, whoever changes it: the engine follows the `bots` topic of
/// the hub, so a toggle from the API takes effect as soon as its event is published. Model sessions likewise start and
/// stop through the store, and the engine follows `engine` to run their agents (`Engine+Sessions`).
///
/// Deterministic for a given seed: `step()` advances the market by one tick, so tests drive it without timers.
public actor Engine: Service {
    struct RunningBot {
        var bot: Bot
        var strategy: any Strategy
        var quantity: Double
        /// Net quantity ordered so far by this run (fills follow on the next tick).
        var net: Double
        var maxNet: Double
    }

    /// The strategy of a paper bot that trades only through orders placed over the API.
    public static let manualStrategy = "manual"

    public nonisolated let configuration: EngineConfiguration
    let service: TradingService
    let hub: Hub
    let logger: Logger
    var feed: any MarketSource
    /// Set once a replayed market has no more data.
    public private(set) var marketFinished = false
    private var coalescer: PriceCoalescer
    private var running: [Int64: RunningBot] = [:]
    /// Each ticker's latest prices, oldest first (what agents decide on), and how many it has had in all.
    var recentPrices: [String: [Double]] = [:]
    var tickCounts: [String: Int] = [:]
    /// Sessions waiting for their ticker's next tick, by a token of each wait.
    var tickWaiters: [Int: (ticker: String, after: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    var nextTickWaiter = 0
    /// Where the agents of `external` models answer.
    public nonisolated let agents: AgentDesk
    /// The agent of each session running here, by session id.
    var sessions: [Int64: Task<Void, Never>] = [:]
    private var intraday: IntradayCycle

    public init(
        service: TradingService, hub: Hub, configuration: EngineConfiguration, logger: Logger,
        agents: AgentDesk = AgentDesk()
    ) throws {
        self.service = service
        self.agents = agents
        self.hub = hub
        self.configuration = configuration
        self.logger = logger
        if configuration.replay.isEmpty {
            self.feed = try SyntheticFeed(
                instruments: configuration.instruments, step: configuration.marketStep, seed: configuration.seed,
                start: service.now)
        } else {
            self.feed = ReplayMarket(configuration.replay)
        }
        self.coalescer = PriceCoalescer(intervalMilliseconds: configuration.priceInterval.milliseconds)
        self.intraday = try IntradayCycle(
            universeSize: configuration.universeSize, limit: configuration.intradayLimit,
            seed: configuration.seed &+ 1, step: configuration.intradayInterval, start: service.now)
    }

    /// The bots being run now (tests and diagnostics).
    public var runningBotIds: [Int64] { running.keys.sorted() }

    public nonisolated func run() async throws {
        // Subscribed before the store is read, so that no change falls between the two.
        let botChanges = try hub.subscribe(Interest(topics: [.bots]))
        let sessionChanges = try hub.subscribe(Interest(topics: [.engine]))
        try await adoptRunningSessions()
        try await startActiveBots()
        await publishIntradayLogged()  // a first snapshot at once, not one cycle later
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await self.follow(
                        .bots, first: botChanges, apply: self.applyBotChange, resynchronize: self.resynchronize)
                }
                group.addTask {
                    await self.follow(
                        .engine, first: sessionChanges, apply: self.applySessionChange,
                        resynchronize: self.adoptRunningSessionsLogged)
                }
                group.addTask {
                    while (try? await Task.sleep(for: self.configuration.tickInterval)) != nil {
                        await self.stepLogged()
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: self.configuration.intradayInterval)) != nil {
                        await self.publishIntradayLogged()
                    }
                }
                await group.waitForAll()
            }
        }
        // The agents stop before the term ends, so that the next term resumes their sessions from what they wrote.
        let agents = await sessions.values
        for agent in agents { agent.cancel() }
        for agent in agents { await agent.value }
    }

    // MARK: - Market ticks

    /// One market tick: record prices, fill working orders, run strategies.
    public func step() async throws {
        guard let ticks = feed.advance() else {
            if !marketFinished { logger.info("the replayed market has no more data") }
            marketFinished = true
            return
        }
        let now = service.now
        var publish: [Tick] = coalescer.drain(now: now)
        for tick in ticks {
            var prices = recentPrices[tick.ticker] ?? []
            prices.append(tick.price)
            if prices.count > 100 { prices.removeFirst(prices.count - 100) }
            recentPrices[tick.ticker] = prices
            tickCounts[tick.ticker, default: 0] += 1
            if let ready = coalescer.offer(tick, now: now) { publish.append(ready) }
        }
        if !publish.isEmpty {
            _ = try await service.recordPrices(
                publish.map { NewPrice(ticker: $0.ticker, exchange: configuration.exchange, price: $0.price) },
                by: .system)
        }
        try await fillOrders(ticks)
        await runStrategies(on: ticks)
        // Only those waiting for a tick after one they have seen: a session can decide on this tick while the step
        // is suspended (recording prices) and wait again before the step ends, and must not wake for it twice.
        for (token, waiter) in tickWaiters where (tickCounts[waiter.ticker] ?? 0) > waiter.after {
            tickWaiters[token] = nil
            waiter.continuation.resume()
        }
    }

    /// Returns once `ticker` has had more than `count` ticks (at once if it has), or the calling task is cancelled.
    func waitForTick(_ ticker: String, after count: Int) async {
        guard (tickCounts[ticker] ?? 0) <= count else { return }
        nextTickWaiter += 1
        let token = nextTickWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { return continuation.resume() }
                tickWaiters[token] = (ticker, count, continuation)
            }
        } onCancel: {
            Task { await self.stopWaitingForTick(token) }
        }
    }

    private func stopWaitingForTick(_ token: Int) {
        tickWaiters.removeValue(forKey: token)?.continuation.resume()
    }

    /// How long each tick took (`tickwire_engine_tick_seconds`): a tick longer than the interval is lag.
    static let tickDuration = Metrics.Timer(label: "tickwire_engine_tick_seconds", preferredDisplayUnit: .seconds)
    static let runningSessions = Gauge(label: "tickwire_model_sessions_running")

    private func stepLogged() async {
        let started = ContinuousClock.now
        do { try await step() } catch { logger.warning("engine tick failed", metadata: ["error": "\(error)"]) }
        Self.tickDuration.record(duration: ContinuousClock.now - started)
        Self.runningSessions.record(sessions.count)
    }

    /// The paper broker: every working order of an ACTIVE bot on this exchange against its ticker's new price, with
    /// the bot's own fee and slippage when its config sets them (`fee_bps`, `slippage_bps`).
    /// Fills run concurrently: the store's group commit writes them in a few transactions instead of one each.
    private func fillOrders(_ ticks: [Tick]) async throws {
        let byTicker = Dictionary(ticks.map { ($0.ticker, $0) }, uniquingKeysWith: { $1 })
        var fills: [(Int64, FillRequest)] = []
        let working = try await service.reader.openOrders(exchange: configuration.exchange)
        guard !working.isEmpty else { return }
        let bots = Dictionary(
            try await service.bots(BotFilter(exchange: configuration.exchange), by: .system).map { ($0.id, $0) },
            uniquingKeysWith: { $1 })
        for (order, ticker) in working {
            var settings = configuration.broker
            // A model's orders are filled by its session, at the price it decided on.
            if bots[order.botId]?.strategy == ModelCommands.botStrategy { continue }
            if let bot = bots[order.botId] {
                settings.feeBps = bot.feeBps(default: settings.feeBps)
                settings.slippageBps = bot.slippageBps(default: settings.slippageBps)
            }
            guard let tick = byTicker[ticker], let fill = OrderMatcher.fill(for: order, at: tick, settings: settings)
            else { continue }
            fills.append((order.id, fill))
        }
        let service = self.service
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            for (id, fill) in fills {
                group.addTask {
                    do {
                        _ = try await service.updateOrder(id: id, OrderPatch(fill: fill), by: .system)
                    } catch {
                        // Changed meanwhile (canceled through the API, say): the next tick sees its new state.
                        logger.debug("fill skipped", metadata: ["order": "\(id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    // MARK: - Bots

    /// Every running bot sees every tick; the signals of a tick become orders and log lines concurrently (each bot's
    /// order before its log line), so they share transactions.
    private func runStrategies(on ticks: [Tick]) async {
        let byTicker = Dictionary(ticks.map { ($0.ticker, $0) }, uniquingKeysWith: { $1 })
        var actions: [(id: Int64, order: NewOrder, log: String)] = []
        for id in running.keys.sorted() {
            guard var run = running[id], run.bot.status != .paused, let tick = byTicker[run.bot.ticker] else {
                continue
            }
            let signal = run.strategy.onPrice(tick.price)
            defer { running[id] = run }
            guard let signal else { continue }
            let delta = signal.side == .buy ? run.quantity : -run.quantity
            // Entries stopped: only what brings the run's position closer to flat.
            guard run.bot.status != .stopEntries || abs(run.net + delta) < abs(run.net) - 1e-12 else { continue }
            guard abs(run.net + delta) <= run.maxNet + 1e-12 else { continue }
            // On a spot market a sell only closes what was bought.
            guard run.bot.allowsShorting || run.net + delta >= -1e-12 else { continue }
            run.net += delta
            actions.append(
                (
                    id, NewOrder(side: signal.side, type: .market, quantity: run.quantity),
                    "\(signal.reason): \(signal.side.rawValue) \(run.quantity) \(tick.ticker) at market (last \(tick.price))"
                ))
        }
        let service = self.service
        let failed = await withTaskGroup(of: (Int64, String)?.self) { group in
            for action in actions {
                group.addTask {
                    do {
                        _ = try await service.placeOrder(botId: action.id, action.order, by: .system)
                        _ = try await service.appendLogs(
                            [NewLog(botId: action.id, level: .info, message: action.log)], by: .system)
                        return nil
                    } catch {
                        return (action.id, "order failed: \(error)")
                    }
                }
            }
            var failed: [(Int64, String)] = []
            for await result in group { if let result { failed.append(result) } }
            return failed
        }
        for (id, reason) in failed { await fail(id, because: reason) }
    }

    /// A bot whose strategy cannot run goes to ERROR with a log line; the others carry on.
    private func fail(_ id: Int64, because reason: String) async {
        running[id] = nil
        do {
            _ = try await service.updateBot(id: id, BotPatch(status: .error), by: .system)
            _ = try await service.appendLogs([NewLog(botId: id, level: .error, message: reason)], by: .system)
        } catch {
            logger.warning("could not mark bot as failed", metadata: ["bot": "\(id)", "error": "\(error)"])
        }
    }

    public func startActiveBots() async throws {
        for bot in try await service.bots(BotFilter(exchange: configuration.exchange), by: .system)
        where bot.status.fillsOrders {
            await apply(bot)
        }
    }

    /// Starts or stops the run of `bot` to match its status (a paused run keeps its strategy's state).
    func apply(_ bot: Bot) async {
        guard bot.status == .active || bot.status == .stopEntries || bot.status == .paused,
            bot.exchange == configuration.exchange
        else {
            running[bot.id] = nil
            return
        }
        if var current = running[bot.id], current.bot.config == bot.config, current.bot.strategy == bot.strategy,
            current.bot.ticker == bot.ticker
        {
            current.bot = bot
            running[bot.id] = current
            return
        }
        // A manual paper bot: its orders come through the API and the paper broker fills them. A model's bot: its
        // orders come from the model's sessions.
        guard bot.strategy != Self.manualStrategy, bot.strategy != ModelCommands.botStrategy else {
            running[bot.id] = nil
            return
        }
        do {
            let strategy = try Strategies.make(name: bot.strategy, config: bot.config)
            let quantity = try Strategies.quantity(bot.config)
            let levels =
                bot.strategy == "grid" || bot.strategy == "scalper"
                ? Double(try bot.config.int("levels", default: 5, in: 1...100)) : 1
            running[bot.id] = RunningBot(
                bot: bot, strategy: strategy, quantity: quantity, net: 0, maxNet: quantity * levels)
        } catch {
            await fail(bot.id, because: "cannot start: \(error.field): \(error.message)")
        }
    }

    /// Follows a topic until cancelled. Should the hub ever drop this subscription (it fell behind), it subscribes
    /// again and reloads the state from the store, so no change is missed.
    private nonisolated func follow(
        _ topic: Topic, first: Subscription, apply: @Sendable (Event) async -> Void,
        resynchronize: @Sendable () async -> Void
    ) async {
        var subscription = first
        while !Task.isCancelled {
            do {
                while true {
                    for case .event(let shared) in try await subscription.next() { await apply(shared.event) }
                }
            } catch Subscription.EndReason.slowConsumer {
                logger.warning("engine fell behind the \(topic) topic; resynchronizing")
                guard let fresh = try? hub.subscribe(Interest(topics: [topic])) else { break }
                subscription = fresh
                await resynchronize()
            } catch {
                break  // cancelled, or the hub closed: shutting down
            }
        }
        subscription.cancel()
    }

    private func applyBotChange(_ event: Event) async {
        if event.type == .botDeleted, let id = event.botId {
            stop(id)
        } else if let bot = try? JSONDecoder().decode(Bot.self, from: Data(event.data.utf8)) {
            await apply(bot)
        }
    }

    private func applySessionChange(_ event: Event) async {
        guard let change = try? JSONDecoder().decode(SessionChange.self, from: Data(event.data.utf8)) else { return }
        if event.type == .sessionStarted { await adopt(change) }
        if event.type == .sessionEnded { release(change) }
    }

    private func adoptRunningSessionsLogged() async {
        do { try await adoptRunningSessions() } catch {
            logger.warning("could not reload running model sessions", metadata: ["error": "\(error)"])
        }
    }

    private func resynchronize() async {
        let active = (try? await service.bots(BotFilter(exchange: configuration.exchange), by: .system)) ?? []
        for bot in active { await apply(bot) }
        let known = Set(active.map(\.id))
        for id in running.keys where !known.contains(id) { running[id] = nil }
    }

    private func stop(_ id: Int64) { running[id] = nil }

    // MARK: - Intraday

    /// Scores the universe and publishes the snapshot on `intraday` (and `/events/intraday`).
    public func publishIntraday() async throws {
        let snapshot = intraday.next()
        _ = try await service.publishEvents(
            [NewEvent(topic: Topic.intraday.rawValue, type: EventType.intradaySnapshot.rawValue, data: snapshot)],
            by: .system)
    }

    private func publishIntradayLogged() async {
        do { try await publishIntraday() } catch {
            logger.warning("intraday cycle failed", metadata: ["error": "\(error)"])
        }
    }
}
