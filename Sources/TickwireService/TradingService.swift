import TickwireModel
import TickwireStore

/// The one write path. Every change, from the REST API or from the engine, goes through here:
/// validate, then run the store command, which changes the data and appends its events in one transaction and hands
/// them to the hub once committed (`Store.publishCommits(to:)`).
public struct TradingService: Sendable {
    public let store: any Store
    let clock: @Sendable () -> Timestamp

    public init(store: any Store, clock: @escaping @Sendable () -> Timestamp = WallClock.now) {
        self.store = store
        self.clock = clock
    }

    public var now: Timestamp { clock() }

    // MARK: Bots

    public func createBot(_ new: NewBot) async throws -> Bot {
        try new.validate()
        return try await store.createBot(new, at: clock()).value
    }

    public func updateBot(id: Int64, _ patch: BotPatch) async throws -> Bot {
        try patch.validate()
        return try await store.updateBot(id: id, patch, at: clock()).value
    }

    public func toggleBot(id: Int64) async throws -> Bot {
        try await store.toggleBot(id: id, at: clock()).value
    }

    public func deleteBot(id: Int64) async throws {
        _ = try await store.deleteBot(id: id, at: clock())
    }

    // MARK: Orders

    public func placeOrder(botId: Int64, _ new: NewOrder) async throws -> Order {
        try new.validate()
        return try await store.createOrder(botId: botId, new, at: clock()).value
    }

    public func updateOrder(id: Int64, _ patch: OrderPatch) async throws -> Order {
        try patch.validate()
        return try await store.updateOrder(id: id, patch, at: clock()).value
    }

    // MARK: Logs and prices

    public func appendLogs(_ logs: [NewLog]) async throws -> [ActivityLog] {
        try Self.validateBatch(logs) { (log) throws(ValidationError) in try log.validate() }
        return try await store.appendLogs(logs, at: clock()).value
    }

    public func recordPrices(_ prices: [NewPrice]) async throws -> [Price] {
        try Self.validateBatch(prices) { (price) throws(ValidationError) in try price.validate() }
        return try await store.recordPrices(prices, at: clock()).value
    }

    // MARK: Events that change no other data

    public func publishEvents(_ events: [NewEvent]) async throws -> [Event] {
        try Self.validateBatch(events) { (event) throws(ValidationError) in try event.validate() }
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
