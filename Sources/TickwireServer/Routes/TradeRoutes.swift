import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/fills` (each execution as recorded) and `/api/v1/trades` (the round-trip trades the fills make), both
/// newest first with keyset pagination; `/api/v1/profit`, the profit those trades make by period and instrument.
struct TradeRoutes {
    let service: TradingService

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("fills", use: fills)
        api.get("trades", use: trades)
        api.get("profit", use: profit)
    }

    /// `?group=day|week|month&tz=Europe/Berlin&bot_id=&ticker=`.
    @Sendable func profit(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = TradeFilter(botId: try query.id("bot_id"), ticker: try query.string("ticker"))
        return try JSONResponse.make(
            try await service.profit(
                filter, group: try query.enumeration("group", ProfitSummary.Grouping.self) ?? .day,
                timeZone: try query.string("tz") ?? "UTC", by: try context.principal().actor))
    }

    @Sendable func fills(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = FillFilter(botId: try query.id("bot_id"))
        return try JSONResponse.make(
            ListBody(try await service.fills(filter, page: try query.page(), by: try context.principal().actor)))
    }

    /// `?bot_id=&ticker=&open=true|false&from=`.
    @Sendable func trades(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = TradeFilter(
            botId: try query.id("bot_id"), ticker: try query.string("ticker"), isOpen: try query.bool("open"),
            from: try query.timestamp("from"))
        return try JSONResponse.make(
            ListBody(try await service.trades(filter, page: try query.page(), by: try context.principal().actor)))
    }
}
