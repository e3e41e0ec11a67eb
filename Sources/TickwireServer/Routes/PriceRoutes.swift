import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/prices`: record ticks (one or a batch); read the latest per instrument, or one instrument's history.
struct PriceRoutes {
    static let maxBatch = 1000

    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("prices", use: create)
        api.get("prices", use: latest)
        api.get("prices/history", use: history)
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let actor = try context.principal().actor
        switch try await request.decodeJSONBatch(NewPrice.self, limit: bodyLimit, maxItems: Self.maxBatch) {
        case .one(let price):
            return try JSONResponse.make(try await service.recordPrices([price], by: actor)[0], status: .created)
        case .many(let prices):
            return try JSONResponse.make(ListBody(try await service.recordPrices(prices, by: actor)), status: .created)
        }
    }

    @Sendable func latest(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = PriceFilter(ticker: try query.string("ticker"), exchange: try query.string("exchange"))
        return try JSONResponse.make(ListBody(try await service.reader.latestPrices(filter)))
    }

    @Sendable func history(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        guard let ticker = try query.string("ticker") else {
            throw APIError.invalidParameter("ticker", "is required")
        }
        let page = try await service.reader.priceHistory(
            ticker: ticker, exchange: try query.string("exchange"), page: try query.page())
        return try JSONResponse.make(ListBody(page))
    }
}
