import Hummingbird
import TickwireModel
import TickwireResearch
import TickwireService

/// `/api/v1/bots`: create, list, read, change, toggle, delete; a bot's orders and PnL.
struct BotRoutes {
    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("bots", use: create)
        api.get("bots", use: list)
        api.get("bots/:id", use: show)
        api.patch("bots/:id", use: update)
        api.delete("bots/:id", use: delete)
        api.post("bots/:id/toggle", use: toggle)
        api.post("bots/:id/exit", use: exit)
        api.post("bots/:id/heartbeat", use: heartbeat)
        api.get("liveness", use: liveness)
        api.post("bots/:id/orders", use: placeOrder)
        api.get("bots/:id/pnl", use: pnl)
        api.get("bots/:id/equity", use: equity)
        api.get("bots/:id/stats", use: statistics)
        api.get("bots/:id/indicators", use: indicators)
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let new = try await request.decodeJSON(NewBot.self, limit: bodyLimit)
        let bot = try await service.createBot(new, by: try context.principal().actor)
        return try JSONResponse.make(bot, status: .created, headers: [.location: "/api/v1/bots/\(bot.id)"])
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = BotFilter(
            status: try query.enumeration("status", BotStatus.self), exchange: try query.string("exchange"),
            ticker: try query.string("ticker"), ownerId: try query.id("owner_id"))
        return try JSONResponse.make(ListBody(try await service.bots(filter, by: try context.principal().actor)))
    }

    @Sendable func show(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.bot(id: context.parameters.id(entity: "bot"), by: try context.principal().actor))
    }

    @Sendable func update(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "bot")
        let patch = try await request.decodeJSON(BotPatch.self, limit: bodyLimit)
        return try JSONResponse.make(try await service.updateBot(id: id, patch, by: try context.principal().actor))
    }

    @Sendable func delete(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try await service.deleteBot(id: context.parameters.id(entity: "bot"), by: try context.principal().actor)
        return Response(status: .noContent)
    }

    /// An external bot's process reports it is alive (its order and log writes count too).
    @Sendable func heartbeat(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.heartbeat(botId: context.parameters.id(entity: "bot"), by: try context.principal().actor))
    }

    @Sendable func liveness(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(ListBody(try await service.liveness(by: try context.principal().actor)))
    }

    /// Force exit: cancel the working orders, close the position (or `?quantity=` of it) at market.
    @Sendable func exit(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.exitPosition(
                botId: context.parameters.id(entity: "bot"),
                quantity: QueryParameters(request).positiveNumber("quantity"),
                by: try context.principal().actor))
    }

    @Sendable func toggle(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.toggleBot(id: context.parameters.id(entity: "bot"), by: try context.principal().actor))
    }

    @Sendable func placeOrder(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let botId = try context.parameters.id(entity: "bot")
        let new = try await request.decodeJSON(NewOrder.self, limit: bodyLimit)
        let order = try await service.placeOrder(botId: botId, new, by: try context.principal().actor)
        return try JSONResponse.make(order, status: .created, headers: [.location: "/api/v1/orders/\(order.id)"])
    }

    /// `?from=&to=&points=500`: the bot's equity history, downsampled keeping each bucket's extremes.
    @Sendable func equity(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let botId = try context.parameters.id(entity: "bot")
        let query = QueryParameters(request)
        let points = try query.int64("points") ?? 500
        guard (4...10_000).contains(points) else {
            throw APIError.invalidParameter("points", "must be between 4 and 10000")
        }
        let series = try await service.equity(
            botId: botId, from: try query.timestamp("from"), to: try query.timestamp("to"), points: Int(points),
            by: try context.principal().actor)
        return try JSONResponse.make(EquityBody(botId: botId, points: series))
    }

    /// `?interval=1h&from=&to=`: the research core's statistics over the bot's live history.
    @Sendable func statistics(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let statistics = try await service.statistics(
            botId: try context.parameters.id(entity: "bot"),
            interval: try query.enumeration("interval", CandleInterval.self) ?? .oneHour,
            from: try query.timestamp("from"), to: try query.timestamp("to"), by: try context.principal().actor)
        return try JSONResponse.make(statistics)
    }

    /// `?interval=1m&limit=500`: the bot's strategy's indicators over its instrument's newest candles.
    @Sendable func indicators(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let limit = try query.int64("limit") ?? 500
        guard (1...10_000).contains(limit) else { throw APIError.invalidParameter("limit", "must be 1 to 10000") }
        let (times, series) = try await service.indicators(
            botId: try context.parameters.id(entity: "bot"),
            interval: try query.enumeration("interval", CandleInterval.self) ?? .oneMinute, limit: Int(limit),
            by: try context.principal().actor)
        let values = series.mapValues { column in JSONValue.array(column.map { $0.isFinite ? .number($0) : .null }) }
        return try JSONResponse.make(IndicatorBody(times: times, series: values))
    }

    @Sendable func pnl(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.pnl(botId: context.parameters.id(entity: "bot"), by: try context.principal().actor))
    }
}

struct EquityBody: Encodable {
    let botId: Int64
    let points: [EquityPoint]

    enum CodingKeys: String, CodingKey {
        case points
        case botId = "bot_id"
    }
}
