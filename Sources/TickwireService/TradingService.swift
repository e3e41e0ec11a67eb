import TickwireModel
import TickwireStore

/// The one write path. Every change, from the REST API or from the engine, goes through here:
/// check that the actor may do it, validate, then run the store command, which changes the data and appends its
/// events in one transaction and hands them to the hub once committed (`Store.publishCommits(to:)`).
///
/// Ownership: a user reads and changes only their own bots (with their orders, logs and PnL) and trading models; an
/// admin reads and changes everything. Someone else's id answers `notFound`, exactly as an id that does not exist.
public struct TradingService: Sendable {
    public let store: any Store
    let clock: @Sendable () -> Timestamp

    public init(store: any Store, clock: @escaping @Sendable () -> Timestamp = WallClock.now) {
        self.store = store
        self.clock = clock
    }

    public var now: Timestamp { clock() }

    // MARK: Bots

    /// The bot belongs to the actor; an admin may name another owner with `owner_id`.
    public func createBot(_ new: NewBot, by actor: Actor) async throws -> Bot {
        try new.validate()
        var new = new
        if !actor.isAdmin || new.ownerId == nil { new.ownerId = actor.userId }
        // An owner that does not exist answers 404 (user not found).
        if let ownerId = new.ownerId, actor.isAdmin { _ = try await store.user(id: ownerId) }
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
        _ = try await bot(id: id, by: actor)
        return try await store.updateBot(id: id, patch, at: clock()).value
    }

    public func toggleBot(id: Int64, by actor: Actor) async throws -> Bot {
        _ = try await bot(id: id, by: actor)
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
        // The owner is checked inside the write transaction: no separate read on the hottest write path.
        return try await store.createOrder(botId: botId, new, ownerId: actor.ownerFilter, at: clock()).value
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

    /// Prices are market data, shared by everyone: any writer may record them.
    public func recordPrices(_ prices: [NewPrice]) async throws -> [Price] {
        try Self.validateBatch(prices) { (price) throws(ValidationError) in try price.validate() }
        return try await store.recordPrices(prices, at: clock()).value
    }

    // MARK: Trading models

    public func createModel(_ new: NewTradingModel, by actor: Actor) async throws -> TradingModel {
        try new.validate()
        guard let ownerId = actor.userId else { throw AccessDenied("forbidden", "a trading model needs an owner") }
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
        _ = try await model(id: modelId, by: actor)
        return try await store.startModelSession(modelId: modelId, at: clock()).value
    }

    public func finishModelSession(
        _ session: ModelSession, status: ModelSessionStatus, decisions: Int, summary: String
    ) async throws -> ModelSession {
        try await store.finishModelSession(
            id: session.id, status: status, decisions: decisions, summary: summary, at: clock()
        ).value
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
        try Self.validateBatch(events) { (event) throws(ValidationError) in try event.validate() }
        if !actor.isAdmin {
            for topic in Set(events.map(\.topic)) {
                guard let modelId = Topic(rawValue: topic).modelId else {
                    throw AccessDenied("forbidden", "only admins publish to '\(topic)'")
                }
                _ = try await model(id: modelId, by: actor)
            }
        }
        return try await store.appendEvents(events.map(\.draft), at: clock()).value
    }

    /// Validates every item before anything is written; in a batch the error names the item (`[3].price`).
    private static func validateBatch<Item>(
        _ items: [Item], _ validate: (Item) throws(ValidationError) -> Void
    ) throws(ValidationError) {
        for (index, item) in items.enumerated() {
            do {
                try validate(item)
            } catch {
                throw items.count == 1 ? error : ValidationError("[\(index)].\(error.field)", error.message)
            }
        }
    }
}
