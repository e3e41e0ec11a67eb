import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TickwireHub
import TickwireModel
import TickwireTransport

/// The endpoints the seeds' dashboards already use, served from the hub instead of polling loops. Each sends plain
/// `data:` messages (no `event:` name) so that an `EventSource.onmessage` handler receives them unchanged. All take
/// `?token=` as the seeds pass it (a stream token naming the endpoint's topic: `bots`, `admin.logs`, `intraday`,
/// `models.{id}`) or the session cookie, and resume with `Last-Event-ID`.
struct SeedStreamRoutes {
    static let bundleTopics: Set<Topic> = [.bots, .orders, .logs, .pnl, .prices]
    static let adminLogBacklog = 100

    let streams: Streams
    /// At most one bundle push per this interval per connection; bursts of changes in between become one push.
    let bundleInterval: Duration

    func register(on router: RouterGroup<TickwireRequestContext>) {
        router.get("events/bots", use: bots)
        router.get("events/admin/logs", use: adminLogs)
        router.get("events/intraday", use: intraday)
        router.get("api/trading/stream/:model_id", use: tradingModel)
    }

    /// The bots-page bundle now, then again whenever it changed, at most every `bundleInterval`.
    @Sendable func bots(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let view = streams.botsPage
        let service = streams.service
        let principal = try context.principal()
        try await StreamAccess.check(.bots, for: principal, service: service)
        let actor = principal.actor
        let first = try await view.snapshot(atLeast: 0, for: actor, service: service)
        let subscription = try streams.subscribe(
            Interest(topics: Self.bundleTopics, ownerId: actor.ownerFilter), after: first.eventId,
            holder: principal.holder)
        let pushed = Mutex<(eventId: Int64, at: ContinuousClock.Instant)>((first.eventId, .now))
        let interval = bundleInterval
        return SSEResponse.make(
            request: request, subscription: subscription, metrics: streams.sseMetrics,
            opening: [Self.bundleMessage(first)]
        ) { items in
            let newest = items.reduce(Int64(0)) { newest, item in
                if case .event(let shared) = item { return max(newest, shared.event.id) }
                return newest
            }
            let last = pushed.withLock { $0 }
            guard newest > last.eventId else { return items.isEmpty ? nil : SSEFrames.heartbeat }
            try await Task.sleep(until: last.at.advanced(by: interval))
            let snapshot = try await view.snapshot(atLeast: newest, for: actor, service: service)
            pushed.withLock { $0 = (snapshot.eventId, .now) }
            return Self.bundleMessage(snapshot)
        }
    }

    static func bundleMessage(_ snapshot: BotsPageView.Snapshot) -> ByteBuffer {
        SSEFrames.message(id: snapshot.eventId, data: String(buffer: snapshot.plain))
    }

    /// The admin log tail: bots' activity log lines and the server's own log lines (`source=all`, the default;
    /// `bots` or `server` for one of them), each at or above `level` if given. Without `Last-Event-ID` the latest 100
    /// of each come first. Bots' lines are the log objects with their event ids (a reconnect resumes after the last);
    /// the server's carry `"source":"server"` and a `seq` but no id, since they are this process's memory and not
    /// the event log: a reconnect does not replay the ones it missed.
    @Sendable func adminLogs(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let source = try query.string("source") ?? "all"
        guard ["all", "bots", "server"].contains(source) else {
            throw APIError.invalidParameter("source", "must be all, bots or server")
        }
        let level = try LogLevelQuery.parse(query)
        let principal = try context.principal()
        try await StreamAccess.check(.adminLogs, for: principal, service: streams.service)
        let lastEventId = try StreamRequest.lastEventId(request, query)
        let head = streams.hub.head
        // Server-only tails still subscribe: the subscription brings heartbeats and ends the stream when the
        // admin's credentials are revoked.
        let subscription = try streams.subscribe(
            Interest(topics: [.adminLogs]), after: lastEventId ?? head, holder: principal.holder)
        let withBots = source != "server"
        var opening: [ByteBuffer] = []
        if withBots, lastEventId == nil {
            let backlog = try await streams.service.reader.latestEvents(
                topic: .logs, through: head, limit: Self.adminLogBacklog)
            opening = backlog.filter { Self.passes($0, level) }.map { SSEFrames.message(id: $0.id, data: $0.data) }
        }
        var stop: (@Sendable () -> Void)?
        if source != "bots" {
            let watched = streams.serverLog.watch(
                level: level ?? .trace, backlog: lastEventId == nil ? 100 : 0,
                alive: { subscription.snapshot.ended == nil }
            ) { line in
                guard subscription.snapshot.ended == nil else { return false }
                subscription.enqueueControl(SSEFrames.message(id: nil, data: line.json))
                return true
            }
            opening += watched.lines.map { SSEFrames.message(id: nil, data: $0.json) }
            stop = watched.stop
        }
        return SSEResponse.make(
            request: request, subscription: subscription, metrics: streams.sseMetrics, opening: opening,
            render: { items in
                Self.render(items) { event in
                    withBots && Self.passes(event, level) ? SSEFrames.message(id: event.id, data: event.data) : nil
                }
            }, onEnd: stop)
    }

    /// Whether a bot's log line reaches `level`.
    static func passes(_ event: Event, _ level: Logger.Level?) -> Bool {
        guard let level else { return true }
        guard let log = try? JSONDecoder().decode(ActivityLog.self, from: Data(event.data.utf8)) else { return false }
        return LogLevelQuery.level(of: log.level) >= level
    }

    /// The latest intraday snapshot (its `signals` capped at `limit`, default 120), then each new one.
    @Sendable func intraday(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let limit = Int(try query.int64("limit") ?? 120)
        guard (1...1000).contains(limit) else { throw APIError.invalidParameter("limit", "must be between 1 and 1000") }
        let principal = try context.principal()
        try await StreamAccess.check(.intraday, for: principal, service: streams.service)
        let lastEventId = try StreamRequest.lastEventId(request, query)
        let head = streams.hub.head
        let subscription = try streams.subscribe(
            Interest(topics: [.intraday]), after: lastEventId ?? head, holder: principal.holder)
        var opening: [ByteBuffer] = []
        if lastEventId == nil {
            let latest = try await streams.service.reader.latestEvents(topic: .intraday, through: head, limit: 1)
            opening = [
                latest.first.map { Self.intradayMessage($0, limit: limit) }
                    ?? SSEFrames.message(id: nil, data: #"{"signals":[]}"#)
            ]
        }
        return SSEResponse.make(
            request: request, subscription: subscription, metrics: streams.sseMetrics, opening: opening,
            render: { items in Self.render(items) { Self.intradayMessage($0, limit: limit) } })
    }

    static func intradayMessage(_ event: Event, limit: Int) -> ByteBuffer {
        SSEFrames.message(id: event.id, data: intradayData(event, limit: limit))
    }

    /// The snapshot's JSON with its `signals` capped at `limit` (they are ordered strongest first).
    static func intradayData(_ event: Event, limit: Int) -> String {
        guard case .object(var object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8)),
            case .array(let signals)? = object["signals"], signals.count > limit
        else { return event.data }
        object["signals"] = .array(Array(signals.prefix(limit)))
        return JSONCoding.encodeToString(JSONValue.object(object))
    }

    /// One trading model's session: `connected` first, then its events as `{"type","timestamp","data"}`.
    @Sendable func tradingModel(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        guard let modelId = context.parameters.get("model_id", as: Int64.self), modelId > 0 else {
            throw APIError.notFound("no trading model with id '\(context.parameters.get("model_id") ?? "")'")
        }
        // seed 004: "verifies token and model ownership"; another user's model answers 404.
        let principal = try context.principal()
        try await StreamAccess.check(.model(modelId), for: principal, service: streams.service)
        let lastEventId = try StreamRequest.lastEventId(request, QueryParameters(request))
        let subscription = try streams.subscribe(
            Interest(topics: [.model(modelId)], ownerId: principal.actor.ownerFilter), after: lastEventId,
            holder: principal.holder)
        let connected =
            #"{"type":"connected","timestamp":"\#(streams.service.now.iso8601)","data":{"model_id":\#(modelId),"message":"Connected to trading stream"}}"#
        return SSEResponse.make(
            request: request, subscription: subscription, metrics: streams.sseMetrics,
            opening: [SSEFrames.message(id: nil, data: connected)],
            render: { items in
                Self.render(items) { event in
                    SSEFrames.message(
                        id: event.id,
                        data:
                            #"{"type":"\#(event.type.rawValue)","timestamp":"\#(event.timestamp.iso8601)","data":\#(event.data)}"#
                    )
                }
            })
    }

    /// Renders events with `message`, and heartbeats and resets as the multiplexed stream does.
    /// An event `message` renders as nil is left out.
    static func render(_ items: some Collection<Subscription.Item>, _ message: (Event) -> ByteBuffer?) -> ByteBuffer {
        var buffer = ByteBuffer()
        for item in items {
            switch item {
            case .event(let shared): if let bytes = message(shared.event) { buffer.writeImmutableBuffer(bytes) }
            default: buffer.writeImmutableBuffer(SSEFrames.render(CollectionOfOne(item)))
            }
        }
        return buffer
    }
}
