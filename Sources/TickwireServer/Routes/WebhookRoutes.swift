import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/webhooks`: a user's webhooks (the secret is shown once, at creation) and each one's delivery log.
struct WebhookRoutes {
    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("webhooks", use: create)
        api.get("webhooks", use: list)
        api.delete("webhooks/:id", use: delete)
        api.get("webhooks/:id/deliveries", use: deliveries)
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let new = try await request.decodeJSON(NewWebhook.self, limit: bodyLimit)
        let webhook = try await service.createWebhook(new, by: try context.principal().actor)
        return try JSONResponse.make(CreatedWebhook(webhook: webhook), status: .created)
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(ListBody(try await service.webhooks(by: try context.principal().actor)))
    }

    @Sendable func delete(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try await service.deleteWebhook(
            id: try context.parameters.id(entity: "webhook"), by: try context.principal().actor)
        return Response(status: .noContent)
    }

    /// `?limit=100`: the newest deliveries first.
    @Sendable func deliveries(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let limit = try QueryParameters(request).int64("limit") ?? 100
        guard (1...500).contains(limit) else { throw APIError.invalidParameter("limit", "must be between 1 and 500") }
        return try JSONResponse.make(
            ListBody(
                try await service.webhookDeliveries(
                    id: try context.parameters.id(entity: "webhook"), limit: Int(limit),
                    by: try context.principal().actor)))
    }
}

/// The webhook with its secret: the one answer that shows it.
struct CreatedWebhook: Encodable {
    let webhook: Webhook

    enum CodingKeys: String, CodingKey { case secret }

    func encode(to encoder: any Encoder) throws {
        try webhook.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhook.secret, forKey: .secret)
    }
}
