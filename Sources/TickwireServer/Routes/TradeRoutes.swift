import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/fills` (each execution as recorded) and `/api/v1/trades` (the round-trip trades the fills make), both
/// newest first with keyset pagination.
struct TradeRoutes {
    let service: TradingService

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("fills", use: fills)
        api.get("trades", use: trades)
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
