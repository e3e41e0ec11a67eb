import Foundation
import Hummingbird
import NIOCore
import TickwireHub
import TickwireModel

/// `GET /api/v1/admin/stats` (admins): connected subscribers by topic and event totals since the process started,
/// for the dashboard's admin page. Rates are the difference of two readings; `/metrics`-style scraping, not a stream.
///
/// `GET /api/v1/admin/server-logs?level=&limit=` (admins): the newest lines of this process's own log (the live
/// tail is `/events/admin/logs?source=server`).
struct AdminRoutes {
    let hub: Hub
    let serverLog: ServerLogTail
    let startedAt = ContinuousClock.now

    struct Stats: Encodable {
        let headEventId: String
        let subscribers: Int
        let subscribersByTopic: [String: Int]
        let eventsPublished: Int
        let slowConsumerDrops: Int
        let uptimeSeconds: Double

        enum CodingKeys: String, CodingKey {
            case subscribers
            case headEventId = "head_event_id"
            case subscribersByTopic = "subscribers_by_topic"
            case eventsPublished = "events_published"
            case slowConsumerDrops = "slow_consumer_drops"
            case uptimeSeconds = "uptime_seconds"
        }
    }

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("admin/stats", use: stats)
        api.get("admin/server-logs", use: serverLogs)
    }

    @Sendable func serverLogs(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let level = try LogLevelQuery.parse(query)
        let limit = try query.int64("limit") ?? 200
        guard (1...Int64(serverLog.capacity)).contains(limit) else {
            throw APIError.invalidParameter("limit", "must be between 1 and \(serverLog.capacity)")
        }
        _ = try context.requireAdmin()
        let lines = serverLog.recent(level: level ?? .trace, limit: Int(limit))
        return JSONResponse.make(
            bytes: ByteBuffer(string: #"{"data":["# + lines.map(\.json).joined(separator: ",") + "]}"))
    }

    @Sendable func stats(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let statistics = hub.statistics
        let uptime = ContinuousClock.now - startedAt
        return try JSONResponse.make(
            Stats(
                headEventId: String(statistics.head), subscribers: statistics.subscribers,
                subscribersByTopic: statistics.subscribersByTopic, eventsPublished: statistics.published,
                slowConsumerDrops: statistics.slowConsumerDrops,
                uptimeSeconds: Double(uptime.milliseconds) / 1000))
    }
}
