import TickwireModel

/// The result of a command: the changed value and the events appended in the same transaction, ready to publish.
public struct Committed<Value: Sendable>: Sendable {
    public var value: Value
    public var events: [Event]

    public init(_ value: Value, events: [Event]) {
        self.value = value
        self.events = events
    }
}

public enum StoreError: Error, Sendable, Equatable {
    /// The entity does not exist (HTTP 404).
    case notFound(entity: String, id: String)
    /// The change conflicts with the current state (HTTP 409).
    case conflict(String)
    /// The database cannot be reached (HTTP 503).
    case unavailable(String)
}

/// Everything Tickwire keeps. Each command runs in one transaction that changes the data and appends the events
/// describing the change to the event log; the caller publishes `Committed.events` once the transaction is done.
///
/// Implementations: `SQLiteStore` (embedded, the default). A PostgreSQL store implements the same protocol.
public protocol Store: Sendable {
    // MARK: Bots
    func createBot(_ new: NewBot, at now: Timestamp) async throws -> Committed<Bot>
    func bot(id: Int64) async throws -> Bot
    func bots(_ filter: BotFilter) async throws -> [Bot]
    func updateBot(id: Int64, _ patch: BotPatch, at now: Timestamp) async throws -> Committed<Bot>
    func toggleBot(id: Int64, at now: Timestamp) async throws -> Committed<Bot>
    func deleteBot(id: Int64, at now: Timestamp) async throws -> Committed<Int64>

    // MARK: Orders
    func createOrder(botId: Int64, _ new: NewOrder, at now: Timestamp) async throws -> Committed<Order>
    func order(id: Int64) async throws -> Order
    func orders(_ filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    func updateOrder(id: Int64, _ patch: OrderPatch, at now: Timestamp) async throws -> Committed<Order>

    // MARK: Activity logs
    func appendLogs(_ logs: [NewLog], at now: Timestamp) async throws -> Committed<[ActivityLog]>
    func logs(_ filter: LogFilter, page: PageRequest) async throws -> Page<ActivityLog>

    // MARK: Prices
    func recordPrices(_ prices: [NewPrice], at now: Timestamp) async throws -> Committed<[Price]>
    func latestPrices(_ filter: PriceFilter) async throws -> [Price]
    func priceHistory(ticker: String, exchange: String?, page: PageRequest) async throws -> Page<Price>

    // MARK: Positions and PnL
    func pnl(botId: Int64) async throws -> BotPnL

    // MARK: Views
    /// The bots-page bundle, read in one snapshot together with the event-log position it reflects.
    func botsPage(at now: Timestamp) async throws -> BotsPage

    // MARK: Event log
    /// The id of the newest event, 0 when the log is empty.
    func lastEventId() async throws -> Int64
    /// Events with an id greater than `after`, oldest first.
    func events(after: Int64, limit: Int) async throws -> [Event]

    /// Throws `StoreError.unavailable` when the database cannot answer.
    func checkReachable() async throws
}
