import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/logs`: bot processes append activity lines (one or a batch); dashboards page through them.
struct LogRoutes {
    static let maxBatch = 1000

    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("logs", use: create)
        api.get("logs", use: list)
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        switch try await request.decodeJSONBatch(NewLog.self, limit: bodyLimit, maxItems: Self.maxBatch) {
        case .one(let log):
            return try JSONResponse.make(
                try await service.appendLogs([log], by: try context.principal().actor)[0], status: .created)
        case .many(let logs):
            return try JSONResponse.make(
                ListBody(try await service.appendLogs(logs, by: try context.principal().actor)), status: .created)
        }
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let filter = LogFilter(
            botId: try query.id("bot_id"), level: try query.enumeration("level", LogLevel.self),
            since: try query.timestamp("since"))
        return try JSONResponse.make(
            ListBody(try await service.logs(filter, page: try query.page(), by: try context.principal().actor)))
    }
}
