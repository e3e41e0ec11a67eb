import Hummingbird
import TickwireModel
import TickwireService

/// `POST /api/v1/events`: publish events that change no other data (system notices, trading-model sessions on
/// `models.{id}`, intraday snapshots), one or a batch. They go through the same write path as every change.
struct EventRoutes {
    static let maxBatch = 1000

    let service: TradingService
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("events", use: create)
    }

    /// The WebSocket route answers GET only with an upgrade; say so instead of a bare 404.
    static func registerUpgradeHint(on api: RouterGroup<TickwireRequestContext>) {
        for path in ["ws/app", "ws/agent"] {
            api.get(RouterPath(path)) { _, _ -> Response in
                throw APIError(
                    .upgradeRequired, code: "upgrade_required", message: "this endpoint speaks WebSocket only",
                    headers: [.upgrade: "websocket", .connection: "Upgrade"])
            }
        }
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        switch try await request.decodeJSONBatch(NewEvent.self, limit: bodyLimit, maxItems: Self.maxBatch) {
        case .one(let event):
            return JSONResponse.make(
                bytes: .init(
                    string: try await service.publishEvents([event], by: try context.principal().actor)[0].envelopeJSON),
                status: .created)
        case .many(let events):
            let published = try await service.publishEvents(events, by: try context.principal().actor)
            let list = published.map { (event: Event) in event.envelopeJSON }.joined(separator: ",")
            return JSONResponse.make(bytes: .init(string: #"{"data":[\#(list)],"next_cursor":null}"#), status: .created)
        }
    }
}
