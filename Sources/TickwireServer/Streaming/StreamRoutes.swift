import Hummingbird
import NIOCore
import TickwireHub
import TickwireModel
import TickwireService
import TickwireTransport

/// `GET /api/v1/stream`: one Server-Sent Events connection for any number of topics.
///
/// `?topics=bots,orders,logs` (plus `bot_id`, `ticker` filters), resumable with `Last-Event-ID` or
/// `?last_event_id=`. `?snapshot=bots_page` first sends the bots-page bundle as a `snapshot` event whose id is the
/// log position it was read at; the events that follow are exactly those after it. With `admin.logs` (admins), the
/// server's own log lines come too, as `server_log` messages without an id (`ServerLogFeed`).
struct StreamRoutes {
    let streams: Streams

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get(RouterPath(StreamPaths.stream), use: stream)
    }

    @Sendable func stream(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let principal = try context.principal()
        var parsed = try StreamRequest(request)
        parsed.interest = try await StreamAccess.authorize(parsed.interest, for: principal, service: streams.service)
        var opening: [ByteBuffer] = []
        if let snapshot = try QueryParameters(request).string("snapshot") {
            guard snapshot == "bots_page" else {
                throw APIError.invalidParameter("snapshot", "must be bots_page, got '\(snapshot)'")
            }
            let page = try await streams.botsPage.snapshot(
                atLeast: 0, for: principal.actor, service: streams.service)
            opening.append(
                SSEFrames.message(id: page.eventId, event: "snapshot", data: String(buffer: page.plain)))
            parsed.lastEventId = page.eventId
        }
        let subscription = try streams.subscribe(parsed.interest, after: parsed.lastEventId, holder: principal.holder)
        if parsed.interest.topics.contains(.adminLogs) {
            ServerLogFeed.follow(streams.serverLog, into: subscription, render: ServerLogFeed.sse)
        }
        return SSEResponse.make(
            request: request, subscription: subscription, metrics: streams.sseMetrics, opening: opening,
            // (A HEAD request's body is suppressed by the encoder, so it must not be written around it.)
            sink: request.method == .get
                ? await SSEChannelSink.make(channel: context.channel, metrics: streams.sseMetrics) : nil)
    }
}

/// What every stream route shares: the hub, the store to replay from, the bots-page view, the transport counters.
struct Streams: Sendable {
    let hub: Hub
    let service: TradingService
    let botsPage: BotsPageView
    /// The server's own log lines, for the admin tail.
    let serverLog: ServerLogTail
    let sseMetrics = TransportMetrics(transport: "sse")
    let webSocketMetrics = TransportMetrics(transport: "websocket")

    func subscribe(_ interest: Interest, after position: Int64?, holder: StreamHolder?) throws -> Subscription {
        do {
            return try hub.subscribe(interest, after: position, log: service.reader, holder: holder)
        } catch {
            throw APIError(.serviceUnavailable, code: "shutting_down", message: "the server is shutting down")
        }
    }
}
