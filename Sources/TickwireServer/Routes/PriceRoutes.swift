import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/prices`: record ticks (one or a batch); read the latest per instrument, or one instrument's history.
/// `/api/v1/candles`: the candles those prices make.
struct PriceRoutes {
    static let maxBatch = 1000

    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("prices", use: create)
        api.get("prices", use: latest)
        api.get("prices/history", use: history)
        api.get("candles", use: candles)
    }

    /// `?ticker=&exchange=&interval=1m&from=&to=&limit=500`: the newest `limit` candles in the range, oldest first.
    @Sendable func candles(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        guard let ticker = try query.string("ticker") else { throw APIError.invalidParameter("ticker", "is required") }
        guard let exchange = try query.string("exchange") else {
            throw APIError.invalidParameter("exchange", "is required")
        }
        let limit = try query.int64("limit") ?? 500
        guard (1...10_000).contains(limit) else {
            throw APIError.invalidParameter("limit", "must be between 1 and 10000")
        }
        let candles = try await service.reader.candles(
            ticker: ticker, exchange: exchange,
            interval: try query.enumeration("interval", CandleInterval.self) ?? .oneMinute,
            from: try query.timestamp("from") ?? Timestamp(milliseconds: .min),
            to: try query.timestamp("to") ?? Timestamp(milliseconds: .max), limit: Int(limit))
        return try JSONResponse.make(ListBody(candles))
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
