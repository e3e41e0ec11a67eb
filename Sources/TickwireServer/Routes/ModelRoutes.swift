import Hummingbird
import TickwireModel
import TickwireResearch
import TickwireService

/// A model with its portfolio's figures.
struct ModelEntry: Encodable {
    let model: TradingModel
    let pnl: BotPnL?

    enum CodingKeys: String, CodingKey { case pnl }

    func encode(to encoder: any Encoder) throws {
        try model.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pnl, forKey: .pnl)
    }
}

struct ModelEquityBody: Encodable {
    let botId: Int64?
    let points: [EquityPoint]

    enum CodingKeys: String, CodingKey {
        case points
        case botId = "bot_id"
    }
}

/// `/api/v1/models`: a user's trading models (seed 004), their sessions, start and stop. Session events stream on
/// `models.{id}` (and `/api/trading/stream/{id}`).
struct ModelRoutes {
    let service: TradingService
    /// The engine that runs sessions; nil when the server runs without it.
    let sessions: (any ModelSessionControl)?
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("models", use: create)
        api.get("models", use: list)
        api.get("models/:id", use: show)
        api.post("models/:id/start", use: start)
        api.post("models/:id/stop", use: stop)
        api.get("models/:id/sessions", use: history)
        api.get("models/:id/portfolio", use: portfolio)
        api.get("models/:id/equity", use: equity)
        api.get("models/:id/stats", use: statistics)
        api.get("models/:id/trades", use: trades)
        api.get("policies", use: policies)
    }

    private func engine() throws -> any ModelSessionControl {
        guard let sessions else {
            throw APIError(
                .serviceUnavailable, code: "engine_disabled", message: "this server runs without the trading engine")
        }
        return sessions
    }

    @Sendable func start(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        let session = try await engine().startSession(modelId: id, by: try context.principal().actor)
        return try JSONResponse.make(session, status: .created)
    }

    @Sendable func stop(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        return try JSONResponse.make(try await engine().stopSession(modelId: id, by: try context.principal().actor))
    }

    @Sendable func history(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        return try JSONResponse.make(
            ListBody(try await service.modelSessions(modelId: id, by: try context.principal().actor)))
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let new = try await request.decodeJSON(NewTradingModel.self, limit: bodyLimit)
        let model = try await service.createModel(new, by: try context.principal().actor)
        return try JSONResponse.make(model, status: .created, headers: [.location: "/api/v1/models/\(model.id)"])
    }

    /// Each model with its portfolio's figures (nil before its first session), for the models page's cards.
    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let actor = try context.principal().actor
        var entries: [ModelEntry] = []
        for model in try await service.models(by: actor) {
            entries.append(ModelEntry(model: model, pnl: try await service.modelPnL(modelId: model.id, by: actor)))
        }
        return try JSONResponse.make(ListBody(entries))
    }

    // MARK: The model's portfolio: its bot's figures, through the same reads as a bot's

    @Sendable func portfolio(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        let actor = try context.principal().actor
        return try JSONResponse.make(
            ModelEntry(
                model: try await service.model(id: id, by: actor),
                pnl: try await service.modelPnL(modelId: id, by: actor)))
    }

    /// `?from=&to=&points=500`, as `/bots/{id}/equity`; no points before the model's first session.
    @Sendable func equity(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let (actor, bot) = try await portfolioBot(context)
        let query = QueryParameters(request)
        let points = try query.int64("points") ?? 500
        guard (4...10_000).contains(points) else { throw APIError.invalidParameter("points", "must be 4 to 10000") }
        let (from, to) = (try query.timestamp("from"), try query.timestamp("to"))
        guard let bot else { return try JSONResponse.make(ModelEquityBody(botId: nil, points: [])) }
        let series = try await service.equity(botId: bot.id, from: from, to: to, points: Int(points), by: actor)
        return try JSONResponse.make(ModelEquityBody(botId: bot.id, points: series))
    }

    /// The research core's statistics over the model's live history, as `/bots/{id}/stats`.
    @Sendable func statistics(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let (actor, bot) = try await portfolioBot(context)
        let query = QueryParameters(request)
        let interval = try query.enumeration("interval", CandleInterval.self) ?? .oneHour
        let (from, to) = (try query.timestamp("from"), try query.timestamp("to"))
        guard let bot else { throw Self.notTradedYet(try context.parameters.id(entity: "trading model")) }
        return try JSONResponse.make(
            try await service.statistics(botId: bot.id, interval: interval, from: from, to: to, by: actor))
    }

    /// The model's round-trip trades, newest first, as `/trades?bot_id=`.
    @Sendable func trades(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let (actor, bot) = try await portfolioBot(context)
        let query = QueryParameters(request)
        let page = try query.page()
        let open = try query.bool("open")
        guard let bot else { return try JSONResponse.make(ListBody([RoundTrip]())) }
        return try JSONResponse.make(
            ListBody(
                try await service.trades(TradeFilter(botId: bot.id, isOpen: open), page: page, by: actor)))
    }

    /// What a model's `policy` may be: `external`, or a strategy of the catalogue with its parameters' schema.
    @Sendable func policies(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.principal()
        var list = Strategies.catalog.map { description in
            StrategyBody(
                name: description.name, aliases: description.aliases, description: description.summary,
                parameters: description.schema)
        }
        list.append(
            StrategyBody(
                name: "external", aliases: [],
                description:
                    "An agent process outside Tickwire decides: it connects to /api/v1/ws/agent with an API key and answers each decision_request.",
                parameters: .object([
                    "type": .string("object"),
                    "properties": .object([
                        "deadline_ms": .object([
                            "type": .string("integer"), "minimum": .number(10), "maximum": .number(60_000),
                            "default": .number(2_000),
                            "description": .string("How long a decision may take; a late answer is a hold."),
                        ])
                    ]),
                ])))
        return try JSONResponse.make(ListBody(list))
    }

    private func portfolioBot(_ context: TickwireRequestContext) async throws -> (Actor, Bot?) {
        let id = try context.parameters.id(entity: "trading model")
        let actor = try context.principal().actor
        return (actor, try await service.modelBot(modelId: id, by: actor))
    }

    static func notTradedYet(_ id: Int64) -> APIError {
        APIError(.notFound, code: "not_found", message: "trading model \(id) has not traded yet: start a session")
    }

    @Sendable func show(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        return try JSONResponse.make(try await service.model(id: id, by: try context.principal().actor))
    }
}
