import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/models`: a user's trading models (seed 004). Their session events stream on `models.{id}`.
struct ModelRoutes {
    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("models", use: create)
        api.get("models", use: list)
        api.get("models/:id", use: show)
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
