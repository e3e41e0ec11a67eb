import AsyncHTTPClient
import NIOHTTP1
import TickwireModel

/// Typed calls for each resource: the same types the server encodes.
extension TickwireClient {
    // MARK: Bots

    public func bots() async throws -> [Bot] { try await request(.GET, "/api/v1/bots", as: ListAnswer<Bot>.self).data }
    public func bot(id: Int64) async throws -> Bot { try await request(.GET, "/api/v1/bots/\(id)") }
    public func createBot(_ new: NewBot) async throws -> Bot { try await request(.POST, "/api/v1/bots", body: new) }
    public func updateBot(id: Int64, _ patch: BotPatch) async throws -> Bot {
        try await request(.PATCH, "/api/v1/bots/\(id)", body: patch)
    }
    public func deleteBot(id: Int64) async throws { try await send(.DELETE, "/api/v1/bots/\(id)") }
    public func pnl(botId: Int64) async throws -> BotPnL { try await request(.GET, "/api/v1/bots/\(botId)/pnl") }
    public func heartbeat(botId: Int64) async throws { try await send(.POST, "/api/v1/bots/\(botId)/heartbeat") }

    // MARK: Orders, fills, trades

    public func placeOrder(botId: Int64, _ new: NewOrder) async throws -> Order {
        try await request(.POST, "/api/v1/bots/\(botId)/orders", body: new)
    }
    public func order(id: Int64) async throws -> Order { try await request(.GET, "/api/v1/orders/\(id)") }
    public func orders(botId: Int64? = nil, limit: Int = 100) async throws -> [Order] {
        try await request(
            .GET, "/api/v1/orders", query: ["bot_id": botId.map(String.init), "limit": String(limit)],
            as: ListAnswer<Order>.self
        ).data
    }
    public func updateOrder(id: Int64, _ patch: OrderPatch) async throws -> Order {
        try await request(.PATCH, "/api/v1/orders/\(id)", body: patch)
    }
    public func fills(botId: Int64? = nil, limit: Int = 100) async throws -> [Fill] {
        try await request(
            .GET, "/api/v1/fills", query: ["bot_id": botId.map(String.init), "limit": String(limit)],
            as: ListAnswer<Fill>.self
        ).data
    }
    public func trades(botId: Int64? = nil, limit: Int = 100) async throws -> [RoundTrip] {
        try await request(
            .GET, "/api/v1/trades", query: ["bot_id": botId.map(String.init), "limit": String(limit)],
            as: ListAnswer<RoundTrip>.self
        ).data
    }

    // MARK: Logs and prices

    public func appendLog(_ log: NewLog) async throws -> ActivityLog {
        try await request(.POST, "/api/v1/logs", body: log)
    }
    public func logs(botId: Int64? = nil, limit: Int = 100) async throws -> [ActivityLog] {
        try await request(
            .GET, "/api/v1/logs", query: ["bot_id": botId.map(String.init), "limit": String(limit)],
            as: ListAnswer<ActivityLog>.self
        ).data
    }
    public func recordPrices(_ prices: [NewPrice]) async throws -> [Price] {
        try await request(.POST, "/api/v1/prices", body: prices, as: ListAnswer<Price>.self).data
    }
    public func prices(ticker: String? = nil) async throws -> [Price] {
        try await request(.GET, "/api/v1/prices", query: ["ticker": ticker], as: ListAnswer<Price>.self).data
    }

    // MARK: Trading models

    public func models() async throws -> [TradingModel] {
        try await request(.GET, "/api/v1/models", as: ListAnswer<TradingModel>.self).data
    }
    public func createModel(_ new: NewTradingModel) async throws -> TradingModel {
        try await request(.POST, "/api/v1/models", body: new)
    }
    public func startModel(id: Int64) async throws -> ModelSession {
        try await request(.POST, "/api/v1/models/\(id)/start")
    }
    public func stopModel(id: Int64) async throws -> ModelSession {
        try await request(.POST, "/api/v1/models/\(id)/stop")
    }
    public func modelSessions(id: Int64) async throws -> [ModelSession] {
        try await request(.GET, "/api/v1/models/\(id)/sessions", as: ListAnswer<ModelSession>.self).data
    }
}
