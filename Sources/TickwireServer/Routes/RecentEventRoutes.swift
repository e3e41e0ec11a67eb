import Hummingbird
import TickwireHub
import TickwireModel
import TickwireService

/// The latest events of topics that have no table of their own, so a page can render before its stream delivers
/// anything: `GET /api/v1/intraday` (the newest intraday snapshot) and `GET /api/v1/models/{id}/events` (a model's
/// last session events, oldest first). Each answer carries `event_id`, the log position it reflects, so a client
/// can subscribe after it and miss nothing. `GET /api/v1/events/head` is that position alone: read it, then the
/// state you need, then stream after it (an event in between is delivered, never missed).
struct RecentEventRoutes {
    let streams: Streams

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("intraday", use: intraday)
        api.get("models/:id/events", use: modelEvents)
        api.get("events/head", use: head)
    }

    @Sendable func head(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        JSONResponse.make(bytes: .init(string: #"{"event_id":"\#(streams.hub.head)"}"#))
    }

    @Sendable func intraday(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let limit = Int(try QueryParameters(request).int64("limit") ?? 120)
        guard (1...1000).contains(limit) else { throw APIError.invalidParameter("limit", "must be between 1 and 1000") }
        let principal = try context.principal()
        try await StreamAccess.check(.intraday, for: principal, service: streams.service)
        let head = streams.hub.head
        let latest = try await streams.service.reader.latestEvents(topic: .intraday, through: head, limit: 1).first
        let snapshot = latest.map { SeedStreamRoutes.intradayData($0, limit: limit) } ?? "null"
        return JSONResponse.make(bytes: .init(string: #"{"event_id":"\#(head)","snapshot":\#(snapshot)}"#))
    }

    @Sendable func modelEvents(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "trading model")
        let limit = Int(try QueryParameters(request).int64("limit") ?? 100)
        guard (1...1000).contains(limit) else { throw APIError.invalidParameter("limit", "must be between 1 and 1000") }
        let topic = Topic(rawValue: "models.\(id)")
        try await StreamAccess.check(topic, for: try context.principal(), service: streams.service)
        let head = streams.hub.head
        let events = try await streams.service.reader.latestEvents(topic: topic, through: head, limit: limit)
        let list = events.sorted { $0.id < $1.id }.map(\.envelopeJSON).joined(separator: ",")
        return JSONResponse.make(bytes: .init(string: #"{"event_id":"\#(head)","data":[\#(list)]}"#))
    }
}
