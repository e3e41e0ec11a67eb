import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/orders`: list across bots with keyset pagination, read one, move it through its lifecycle.
struct OrderRoutes {
    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("orders", use: list)
        api.get("orders/:id", use: show)
        api.patch("orders/:id", use: update)
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = OrderFilter(
            botId: try query.id("bot_id"), status: try query.enumeration("status", OrderStatus.self))
        return try JSONResponse.make(
            ListBody(try await service.orders(filter, page: try query.page(), by: try context.principal().actor)))
    }

    @Sendable func show(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await service.order(id: context.parameters.id(entity: "order"), by: try context.principal().actor))
    }

    @Sendable func update(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "order")
        let patch = try await request.decodeJSON(OrderPatch.self, limit: bodyLimit)
        return try JSONResponse.make(try await service.updateOrder(id: id, patch, by: try context.principal().actor))
    }
}
