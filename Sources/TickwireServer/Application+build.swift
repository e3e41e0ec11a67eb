import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import TickwireHub
import TickwireService
import TickwireStore

/// Settings of the HTTP server. Defaults are what `tickwire serve` uses without flags.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest accepted request body; larger ones get 413 without being read further.
    public var maxBodySize: Int
    /// A comment line on every idle SSE stream this often, so proxies and clients see the connection alive.
    public var heartbeatInterval: Duration
    /// WebSocket protocol pings; a peer that does not answer is dropped.
    public var webSocketPingInterval: Duration
    /// `/events/bots` pushes the bundle at most this often per connection.
    public var bundleInterval: Duration
    /// Event-log retention: events older than this, and beyond the newest `retentionCount`, are pruned.
    public var retentionAge: Duration
    public var retentionCount: Int
    public var hub: HubConfiguration
    /// Serve `/api/v1/ws/echo` (for the WebSocket conformance suite).
    public var webSocketEcho: Bool
    /// Largest WebSocket frame a client may send; larger ones close the socket with 1009. Client messages are small
    /// JSON commands, so 64 KiB is plenty; the conformance run raises it to the 16 MiB its cases send.
    public var webSocketMaxFrameSize: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20,
        heartbeatInterval: Duration = .seconds(15), webSocketPingInterval: Duration = .seconds(25),
        bundleInterval: Duration = .milliseconds(250), retentionAge: Duration = .seconds(7 * 86400),
        retentionCount: Int = 1_000_000, hub: HubConfiguration = .init(), webSocketEcho: Bool = false,
        webSocketMaxFrameSize: Int = 64 << 10
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.heartbeatInterval = heartbeatInterval
        self.webSocketPingInterval = webSocketPingInterval
        self.bundleInterval = bundleInterval
        self.retentionAge = retentionAge
        self.retentionCount = retentionCount
        self.hub = hub
        self.webSocketEcho = webSocketEcho
        self.webSocketMaxFrameSize = webSocketMaxFrameSize
    }
}

/// The router with every route and middleware. Tests drive it directly; `buildApplication` serves it.
public func buildRouter(service: TradingService, hub: Hub, configuration: ServerConfiguration) throws
    -> Router<TickwireRequestContext>
{
    try buildRouter(
        streams: Streams(hub: hub, service: service, botsPage: BotsPageView()), configuration: configuration)
}

func buildRouter(streams: Streams, configuration: ServerConfiguration) throws -> Router<TickwireRequestContext> {
    let router = Router(context: TickwireRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: APIHeadersMiddleware())
    router.add(middleware: CompressionMiddleware())
    try registerRoutes(on: router, streams: streams, configuration: configuration)
    router.addMethodNotAllowedResponders()
    return router
}

/// Every documented route; `openapi.yaml` lists exactly these (a test compares the two).
func registerRoutes(
    on router: Router<TickwireRequestContext>, streams: Streams, configuration: ServerConfiguration
) throws {
    let service = streams.service
    HealthRoutes(store: service.store).register(on: router)
    SeedStreamRoutes(streams: streams, bundleInterval: configuration.bundleInterval).register(on: router)

    let api = router.group("api/v1")
    let limit = configuration.maxBodySize
    BotsPageRoute(service: service, view: streams.botsPage).register(on: api)
    BotRoutes(service: service, bodyLimit: limit).register(on: api)
    OrderRoutes(service: service, bodyLimit: limit).register(on: api)
    LogRoutes(service: service, bodyLimit: limit).register(on: api)
    PriceRoutes(service: service, bodyLimit: limit).register(on: api)
    EventRoutes(service: service, bodyLimit: limit).register(on: api)
    StreamRoutes(streams: streams).register(on: api)
    try OpenAPIRoute().register(on: api)
}

/// The Tickwire HTTP application: REST, SSE and WebSocket on one port. `runService()` serves until SIGINT or
/// SIGTERM, then ends every stream and shuts down gracefully.
///
/// The hub must be the store's publisher (`store.publishCommits(to: hub)`), created with the log's current head.
public func buildApplication(
    service: TradingService, hub: Hub, configuration: ServerConfiguration, logger: Logger
) throws -> some ApplicationProtocol {
    let streams = Streams(hub: hub, service: service, botsPage: BotsPageView())
    let router = try buildRouter(streams: streams, configuration: configuration)

    let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
    WebSocketRoutes(streams: streams, maxMessageSize: configuration.webSocketMaxFrameSize).register(
        on: webSocketRouter, echo: configuration.webSocketEcho)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            webSocketRouter: webSocketRouter,
            configuration: .init(
                ws: .init(
                    maxFrameSize: configuration.webSocketMaxFrameSize,
                    extensions: [.perMessageDeflate(minFrameSizeToCompress: 256)],
                    autoPing: .enabled(timePeriod: configuration.webSocketPingInterval),
                    validateUTF8: true))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tickwire"),
        services: [HubService(hub: hub, store: service.store, configuration: configuration, logger: logger)],
        logger: logger)
}
