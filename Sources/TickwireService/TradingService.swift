import TickwireModel
import TickwireStore

/// The one write path. Every change, from the REST API or from the engine, goes through here:
/// check that the actor may do it, validate, then run the store command, which changes the data and appends its
/// events in one transaction and hands them to the hub once committed (`Store.publishCommits(to:)`).
///
/// Ownership: a user reads and changes only their own bots (with their orders, logs and PnL) and trading models; an
/// admin reads and changes everything. Someone else's id answers `notFound`, exactly as an id that does not exist.
public struct TradingService: Sendable {
    let store: any Store
    let clock: @Sendable () -> Timestamp
    /// What the paper-trading engine can run, checked before a bot or model is written (nil: no engine here).
    public let engineRules: EngineRules?
    public let quotas: Quotas
    /// Which users have webhooks, so that an event of a user without one costs no database work.
    let webhookOwners = WebhookOwners()

    public init(
        store: any Store, clock: @escaping @Sendable () -> Timestamp = WallClock.now, engineRules: EngineRules? = nil,
        quotas: Quotas = Quotas()
    ) {
        self.store = store
        self.clock = clock
        self.engineRules = engineRules
        self.quotas = quotas
    }

    public var now: Timestamp { clock() }

    /// Accounts on the same store and clock.
    public func accounts(bcryptCost: UInt8 = 12) -> AccountService {
        AccountService(store: store, clock: clock, bcryptCost: bcryptCost)
    }

    /// Retention: removes the events beyond the newest `count` and those older than `age`; returns how many.
    public func pruneEvents(keepingLast count: Int, olderThan age: Duration) async throws -> Int {
        try await store.pruneEvents(
            keepingLast: count, olderThan: Timestamp(milliseconds: clock().milliseconds - age.milliseconds))
    }

    /// Reads that need no ownership check (prices, the event log) or that the engine makes for every owner.
    public var reader: any StoreReader { store }

    // MARK: Bots

    /// The bot belongs to the actor; an admin may name another owner with `owner_id`.
    public func createBot(_ new: NewBot, by actor: Actor) async throws -> Bot {
        try new.validate()
        guard new.strategy != ModelCommands.botStrategy else {
            throw ValidationError("strategy", "'model' bots are made by trading models when a session starts")
        }
        try engineRules?.check(strategy: new.strategy, exchange: new.exchange, config: new.config ?? [:])
        var new = new
        if !actor.isAdmin || new.ownerId == nil { new.ownerId = actor.userId }
        // An owner that does not exist answers 404 (user not found).
        if let ownerId = new.ownerId, actor.isAdmin { _ = try await store.user(id: ownerId) }
        if !actor.isAdmin, let ownerId = new.ownerId {
            let count = try await store.bots(BotFilter(ownerId: ownerId)).count
            try quotas.check(count, below: quotas.botsPerUser, "bots")
        }
        return try await store.createBot(new, at: clock()).value
    }

    public func bot(id: Int64, by actor: Actor) async throws -> Bot {
        let bot = try await store.bot(id: id)
        guard actor.canSee(ownerId: bot.ownerId) else { throw StoreError.notFound(entity: "bot", id: String(id)) }
        return bot
    }

    /// A user's list is always their own; an admin may filter by `ownerId`.
    public func bots(_ filter: BotFilter, by actor: Actor) async throws -> [Bot] {
        var filter = filter
        if !actor.isAdmin { filter.ownerId = actor.userId }
        return try await store.bots(filter)
    }

    public func updateBot(id: Int64, _ patch: BotPatch, by actor: Actor) async throws -> Bot {
        try patch.validate()
        let current = try await bot(id: id, by: actor)
        // A model's bot trades what the model decides: what it trades and how is the model's config.
        if current.strategy == ModelCommands.botStrategy, actor != .system,
            patch.strategy != nil || patch.ticker != nil || patch.exchange != nil || patch.config != nil
        {
            throw StoreError.conflict(
                "bot \(id) holds a trading model's portfolio: change the model's config instead")
        }
        let changed = patch.applied(to: current, at: clock())
        // What the engine would run is checked; a bot it cannot run may still be stopped or marked ERROR.
        if patch.strategy != nil || patch.exchange != nil || patch.config != nil || patch.status == .active {
            try engineRules?.check(strategy: changed.strategy, exchange: changed.exchange, config: changed.config)
        }
        return try await store.updateBot(id: id, patch, at: clock()).value
    }

    public func toggleBot(id: Int64, by actor: Actor) async throws -> Bot {
        let bot = try await bot(id: id, by: actor)
        if bot.status.toggled == .active {
            try engineRules?.check(strategy: bot.strategy, exchange: bot.exchange, config: bot.config)
        }
        return try await store.toggleBot(id: id, at: clock()).value
    }

    public func deleteBot(id: Int64, by actor: Actor) async throws {
        _ = try await bot(id: id, by: actor)
        _ = try await store.deleteBot(id: id, at: clock())
    }

    public func pnl(botId: Int64, by actor: Actor) async throws -> BotPnL {
        _ = try await bot(id: botId, by: actor)
        return try await store.pnl(botId: botId)
    }

    public func botsPage(by actor: Actor) async throws -> BotsPage {
        try await store.botsPage(ownerId: actor.ownerFilter, at: clock())
    }

    // MARK: Orders

    public func placeOrder(botId: Int64, _ new: NewOrder, by actor: Actor) async throws -> Order {
        try new.validate()
        // The owner and the rules are checked inside the write transaction, on what the bot holds then.
        let rules = OrderRules(paperExchange: engineRules?.exchange, defaultFeeBps: engineRules?.feeBps ?? 10)
        do {
            return try await store.createOrder(botId: botId, new, ownerId: actor.ownerFilter, rules: rules, at: clock())
                .value
        } catch let refused as OrderRefused {
            // The bot's activity says why its order went nowhere (the caller hears it as 422).
            _ = try? await store.appendLogs(
                [NewLog(botId: botId, level: .warning, message: "order refused: \(refused.message)")], at: clock())
            throw refused
        }
    }

    /// The bot's process reports it is alive.
    public func heartbeat(botId: Int64, by actor: Actor) async throws -> Liveness {
        var seen = try await store.recordHeartbeat(botId: botId, ownerId: actor.ownerFilter, at: clock()).value
        seen.intervalSeconds = try await store.bot(id: botId).heartbeatSeconds
        return seen
    }

    /// When each of the caller's bots last reported, and which are stale.
    public func liveness(by actor: Actor) async throws -> [Liveness] {
        let bots = Dictionary(
            try await self.bots(BotFilter(), by: actor).map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        return try await store.liveness(ownerId: actor.ownerFilter).map { row in
            var row = row
            row.intervalSeconds = bots[row.botId]?.heartbeatSeconds
            return row
        }
    }

    /// Flags the bots silent past their interval, and unflags those seen again (`LivenessCommands.sweep`).
    public func sweepLiveness() async throws -> [Liveness] { try await store.sweepLiveness(at: clock()).value }

    /// Force exit: cancels the bot's working orders, then closes its position with a market order (the paper broker
    /// fills it on the next tick; an external bot's process sees it as an `order_update` and executes it).
    /// Cancels the bot's working orders and closes its position at market: all of it, or at most `quantity` (a
    /// partial exit; the position never flips).
    public func exitPosition(botId: Int64, quantity: Double? = nil, by actor: Actor) async throws -> PositionExit {
        let bot = try await bot(id: botId, by: actor)
        var canceled: [Int64] = []
        for status in [OrderStatus.new, .partiallyFilled] {
            let working = try await store.orders(
                OrderFilter(botId: botId, status: status), page: PageRequest(limit: PageRequest.maxLimit))
            for order in working.items {
                // One filled or canceled meanwhile has nothing left to cancel.
                if (try? await store.updateOrder(id: order.id, OrderPatch(status: .canceled), at: clock())) != nil {
                    canceled.append(order.id)
                }
            }
        }
        let held = try await store.pnl(botId: botId).positionQuantity
        guard held != 0 else { return PositionExit(canceledOrderIds: canceled, order: nil) }
        // Closing never opens a short nor needs cash: the rules' balance check does not apply.
        let order = try await store.createOrder(
            botId: botId,
            NewOrder(side: held > 0 ? .sell : .buy, type: .market, quantity: min(abs(held), quantity ?? .infinity)),
            ownerId: nil,
            rules: OrderRules(), at: clock()
        ).value
        _ = try? await store.appendLogs(
            [
                NewLog(
                    botId: bot.id, level: .warning,
                    message: "force exit: \(order.side.rawValue) \(order.quantity) at market, order \(order.id)"
                        + (canceled.isEmpty ? "" : "; canceled \(canceled.count) working order(s)"))
            ], at: clock())
        return PositionExit(canceledOrderIds: canceled, order: order)
    }

    public func order(id: Int64, by actor: Actor) async throws -> Order {
        let order = try await store.order(id: id)
        if !actor.isAdmin {
            guard actor.canSee(ownerId: try await store.bot(id: order.botId).ownerId) else {
                throw StoreError.notFound(entity: "order", id: String(id))
            }
        }
        return order
    }

    public func orders(_ filter: OrderFilter, page: PageRequest, by actor: Actor) async throws -> Page<Order> {
        var filter = filter
        if !actor.isAdmin { filter.ownerId = actor.userId }
        return try await store.orders(filter, page: page)
    }

    public func updateOrder(id: Int64, _ patch: OrderPatch, by actor: Actor) async throws -> Order {
        try patch.validate()
        _ = try await order(id: id, by: actor)
        return try await store.updateOrder(id: id, patch, at: clock()).value
    }

    // MARK: Logs and prices

    /// Users write log lines for their own bots only; lines without a bot are the server's (admins).
    public func appendLogs(_ logs: [NewLog], by actor: Actor) async throws -> [ActivityLog] {
        try Self.validateBatch(logs) { (log) throws(ValidationError) in try log.validate() }
        if !actor.isAdmin {
            for botId in Set(logs.map(\.botId)) {
                guard let botId else {
                    throw AccessDenied("forbidden", "only admins write log lines without a bot_id")
                }
                _ = try await bot(id: botId, by: actor)
            }
        }
        return try await store.appendLogs(logs, at: clock()).value
    }

    public func logs(_ filter: LogFilter, page: PageRequest, by actor: Actor) async throws -> Page<ActivityLog> {
        var filter = filter
        if !actor.isAdmin { filter.ownerId = actor.userId }
        return try await store.logs(filter, page: page)
    }

    /// Prices are market data, shared by everyone: every user's PnL on a ticker follows its latest price. So only
    /// the server, admins and API keys with the `prices` scope record them, and a timestamp more than
    /// `Quotas.priceFutureTolerance` ahead of the server's clock is recorded at the server's clock (a far-future one
    /// would otherwise stay the latest for good; an old one only fills in history, since the latest price is
    /// replaced by newer ones only).
    public func recordPrices(_ prices: [NewPrice], by actor: Actor) async throws -> [Price] {
        guard actor.isAdmin || actor.recordsPrices else {
            throw AccessDenied(
                "forbidden", "market prices are recorded by admins and API keys with the 'prices' scope")
        }
        try Self.validateBatch(prices) { (price) throws(ValidationError) in try price.validate() }
        let now = clock()
        let latest = now.milliseconds + quotas.priceFutureTolerance.milliseconds
        let bounded = prices.map { price in
            var price = price
            if let timestamp = price.timestamp, timestamp.milliseconds > latest { price.timestamp = now }
            return price
        }
        return try await store.recordPrices(bounded, at: now).value
    }

    // MARK: Trading models

    public func createModel(_ new: NewTradingModel, by actor: Actor) async throws -> TradingModel {
        try new.validate()
        try engineRules?.checkModel(new.policy ?? ModelCommands.defaultPolicy, new.config ?? [:])
        guard let ownerId = actor.userId else { throw AccessDenied("forbidden", "a trading model needs an owner") }
        if !actor.isAdmin {
            try quotas.check(try await store.models(ownerId: ownerId).count, below: quotas.modelsPerUser, "models")
        }
        return try await store.createModel(new, ownerId: ownerId, at: clock())
    }

    public func model(id: Int64, by actor: Actor) async throws -> TradingModel {
        let model = try await store.model(id: id)
        guard actor.canSee(ownerId: model.ownerId) else {
            throw StoreError.notFound(entity: "trading model", id: String(id))
        }
        return model
    }

    public func models(by actor: Actor) async throws -> [TradingModel] {
        try await store.models(ownerId: actor.ownerFilter)
    }

    public func startModelSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        let model = try await model(id: modelId, by: actor)
        if !actor.isAdmin {
            let own = Set(try await store.models(ownerId: model.ownerId).map(\.id))
            let running = try await store.modelSessions(modelId: nil).filter { own.contains($0.modelId) }.count
            try quotas.check(running, below: quotas.runningSessionsPerUser, "running sessions")
        }
        return try await store.startModelSession(modelId: modelId, at: clock()).value
    }

    /// Ends the session and stops the model's bot (it trades only while a session runs).
    public func finishModelSession(
        _ session: ModelSession, status: ModelSessionStatus, decisions: Int, summary: String,
        statistics: [String: JSONValue] = [:]
    ) async throws -> ModelSession {
        let ended = try await store.finishModelSession(
            id: session.id, status: status, decisions: decisions, summary: summary, statistics: statistics,
            at: clock()
        ).value
        if let botId = try? await store.model(id: session.modelId).botId,
            let bot = try? await store.bot(id: botId), bot.status == .active
        {
            _ = try? await store.updateBot(id: botId, BotPatch(status: .stopped), at: clock())
        }
        return ended
    }

    /// Ends the model's running session as `stopped` (`conflict` if none runs). Any node may do it: the agent, on the
    /// node that runs the engine, learns of it from `session_ended` and cannot write after it.
    public func stopModelSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        _ = try await model(id: modelId, by: actor)
        guard let session = try await store.modelSessions(modelId: modelId).first, session.status == .running else {
            throw StoreError.conflict("trading model \(modelId) has no running session")
        }
        return try await finishModelSession(
            session, status: .stopped, decisions: session.decisions, summary: "Trading session stopped")
    }

    public func modelSessions(modelId: Int64, by actor: Actor) async throws -> [ModelSession] {
        _ = try await model(id: modelId, by: actor)
        return try await store.modelSessions(modelId: modelId)
    }

    /// A running session's event (`status`, `trade`, `session_complete`), with its decision count so far: the engine's
    /// agents publish these. `conflict` once the session has ended.
    public func publishSessionEvent(
        _ session: ModelSession, decisions: Int, _ type: EventType, _ data: [String: JSONValue]
    ) async throws {
        _ = try await store.appendSessionEvents(
            sessionId: session.id, decisions: decisions, [.modelSession(session.modelId, type, data)], at: clock())
    }

    // MARK: Events that change no other data

    /// System and intraday events are the server's (admins); a model's session events are its owner's.
    public func publishEvents(_ events: [NewEvent], by actor: Actor) async throws -> [Event] {
        let drafts = try Self.validatedBatch(events) { (event) throws(ValidationError) in try event.validatedDraft() }
        if !actor.isAdmin {
            for topic in Set(events.map(\.topic)) {
                guard let modelId = Topic(rawValue: topic).modelId else {
                    throw AccessDenied("forbidden", "only admins publish to '\(topic)'")
                }
                _ = try await model(id: modelId, by: actor)
            }
        }
        return try await store.appendEvents(drafts, at: clock()).value
    }

    /// Validates every item before anything is written; in a batch the error names the item (`[3].price`).
    private static func validateBatch<Item>(
        _ items: [Item], _ validate: (Item) throws(ValidationError) -> Void
    ) throws(ValidationError) {
        _ = try validatedBatch(items, validate)
    }

    /// Validates every item, keeping what validation makes of each.
    private static func validatedBatch<Item, Valid>(
        _ items: [Item], _ validate: (Item) throws(ValidationError) -> Valid
    ) throws(ValidationError) -> [Valid] {
        var valid: [Valid] = []
        valid.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                valid.append(try validate(item))
            } catch {
                throw items.count == 1 ? error : ValidationError("[\(index)].\(error.field)", error.message)
            }
        }
        return valid
    }
}
