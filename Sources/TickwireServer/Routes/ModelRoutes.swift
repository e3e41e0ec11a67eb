import Hummingbird
import TickwireModel
import TickwireService

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

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(ListBody(try await service.models(by: try context.principal().actor)))
    }

    @Sendable func show(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        return try JSONResponse.make(try await service.model(id: id, by: try context.principal().actor))
    }
}
