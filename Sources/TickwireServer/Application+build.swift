import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import Prometheus
import ServiceLifecycle
import TickwireHub
import TickwireService
import TickwireStore
import TickwireTransport

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
    public var auth: AuthConfiguration
    /// Serve the dashboard from this folder at `/` (nil: no dashboard).
    public var publicDirectory: String?
    /// Without a `publicDirectory`, serve the dashboard built into the binary (`EmbeddedDashboard`).
    public var embeddedDashboard: Bool
    /// Refuse stream routes with 503 `streaming_disabled` (to exercise clients' polling fallback).
    public var streamingEnabled: Bool
    /// A connection must send its first request head within `firstRequestHeadTimeout`, and is closed after
    /// `idleTimeout` without a byte read or written (raised to three heartbeats and pings if those are longer).
    public var firstRequestHeadTimeout: Duration
    public var idleTimeout: Duration
    /// Largest dataset upload (an OHLCV CSV).
    public var maxDatasetSize: Int
    /// Backtest workers of this node (0: this node runs none; another node sharing the database does).
    public var backtestWorkers: Int
    /// A sweep still computing after this fails (`time limit exceeded`).
    public var backtestTimeLimit: Duration
    /// Finished backtests (and the cache they make) are kept this long.
    public var backtestRetention: Duration
    /// How often bots are checked for a silence longer than their `config.heartbeat_seconds`.
    public var livenessInterval: Duration
    /// Bots' equity history is kept this long.
    public var equityRetention: Duration
    /// Stored backtest results take at most this many bytes: the oldest go first.
    public var backtestCacheBytes: Int64
    /// A worker renews the lease of the run it computes a few times per lease; a run whose lease ends (its node died)
    /// is taken over by a worker of any node.
    public var backtestLease: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20,
        heartbeatInterval: Duration = .seconds(15), webSocketPingInterval: Duration = .seconds(25),
        bundleInterval: Duration = .milliseconds(250), retentionAge: Duration = .seconds(7 * 86400),
        retentionCount: Int = 1_000_000, hub: HubConfiguration = .init(), webSocketEcho: Bool = false,
        webSocketMaxFrameSize: Int = 64 << 10, auth: AuthConfiguration = .init(), publicDirectory: String? = nil,
        embeddedDashboard: Bool = false, streamingEnabled: Bool = true,
        firstRequestHeadTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(120), maxDatasetSize: Int = 50 << 20, backtestWorkers: Int = 0,
        backtestTimeLimit: Duration = .seconds(600), backtestRetention: Duration = .seconds(30 * 86_400),
        backtestCacheBytes: Int64 = 1 << 30, backtestLease: Duration = .seconds(30),
        equityRetention: Duration = .seconds(365 * 86_400), livenessInterval: Duration = .seconds(5)
    ) {
        self.livenessInterval = livenessInterval
        self.equityRetention = equityRetention
        self.backtestCacheBytes = backtestCacheBytes
        self.backtestLease = backtestLease
        self.backtestRetention = backtestRetention
        self.backtestTimeLimit = backtestTimeLimit
        self.maxDatasetSize = maxDatasetSize
        self.backtestWorkers = backtestWorkers
        self.firstRequestHeadTimeout = firstRequestHeadTimeout
        self.idleTimeout = idleTimeout
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
        self.auth = auth
        self.publicDirectory = publicDirectory
        self.embeddedDashboard = embeddedDashboard
        self.streamingEnabled = streamingEnabled
    }
}

/// What the routes share: the write path, accounts, the hub and the token issuer.
struct Components {
    let streams: Streams
    let auth: Auth
    let sessions: (any ModelSessionControl)?
    let agents: AgentDesk?
    let metrics: PrometheusCollectorRegistry?

    init(
        service: TradingService, hub: Hub, configuration: ServerConfiguration,
        sessions: (any ModelSessionControl)? = nil, agents: AgentDesk? = nil,
        metrics: PrometheusCollectorRegistry? = nil, serverLog: ServerLogTail = ServerLogTail()
    ) async throws {
        self.sessions = sessions
        self.agents = agents
        self.metrics = metrics
        let accounts = service.accounts(bcryptCost: configuration.auth.bcryptCost)
        let tokens = try await TokenIssuer.make(
            configuration: configuration.auth, accounts: accounts, clock: { service.now })
        streams = Streams(hub: hub, service: service, botsPage: BotsPageView(), serverLog: serverLog)
        auth = Auth(accounts: accounts, tokens: tokens, configuration: configuration.auth)
    }
}

func buildRouter(_ components: Components, configuration: ServerConfiguration) throws -> Router<TickwireRequestContext>
{
    let router = Router(context: TickwireRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    if components.metrics != nil {
        // Requests by route pattern, method and status, with their duration (Hummingbird's own middleware).
        router.add(middleware: MetricsMiddleware())
    }
    router.add(middleware: APIHeadersMiddleware())
    router.add(middleware: PathGuardMiddleware())
    if !configuration.auth.corsAllowedOrigins.isEmpty {
        router.add(middleware: CORSMiddleware(allowedOrigins: Set(configuration.auth.corsAllowedOrigins)))
    }
    router.add(middleware: CompressionMiddleware())
    // After the routes (a path no route knows is looked up here); `no-cache` keeps the dashboard fresh while its ETag
    // still saves the transfer.
    let revalidate = CacheControl([(MediaType(type: .any), [.noCache])])
    if let folder = configuration.publicDirectory {
        router.add(middleware: FileMiddleware(folder, cacheControl: revalidate, searchForIndexHtml: true))
    } else if configuration.embeddedDashboard {
        router.add(
            middleware: FileMiddleware(
                fileProvider: EmbeddedDashboard(), cacheControl: revalidate, searchForIndexHtml: true))
    }
    router.add(middleware: Authenticator(auth: components.auth))
    try registerRoutes(on: router, components, configuration: configuration)
    router.addMethodNotAllowedResponders()
    return router
}

/// Every documented route; `openapi.yaml` lists exactly these (a test compares the two).
///
/// Public: health, readiness, the OpenAPI document, login, refresh, logout. Everything else needs credentials;
/// stream routes also take stream tokens.
func registerRoutes(
    on router: Router<TickwireRequestContext>, _ components: Components, configuration: ServerConfiguration
) throws {
    let streams = components.streams
    let auth = components.auth
    let service = streams.service
    let limit = configuration.maxBodySize
    HealthRoutes(service: service, hub: streams.hub, agents: components.agents).register(on: router)
    let seedStreams = router.group().add(middleware: RequireAuthentication(auth: auth, allowStreamTokens: true))
    if !configuration.streamingEnabled { seedStreams.add(middleware: StreamingOffMiddleware()) }
    SeedStreamRoutes(streams: streams, bundleInterval: configuration.bundleInterval).register(on: seedStreams)
    if let registry = components.metrics {
        let operators = router.group().add(middleware: RequireAuthentication(auth: auth, allowStreamTokens: false))
        MetricsRoute(registry: registry, service: service).register(on: operators)
    }

    let api = router.group("api/v1")
    try OpenAPIRoute().register(on: api)
    EventRoutes.registerUpgradeHint(on: api)
    let secured = api.group().add(middleware: RequireAuthentication(auth: auth, allowStreamTokens: false))
    AuthRoutes(auth: auth, service: service, bodyLimit: limit).register(public: api, secured: secured)
    UserRoutes(accounts: auth.accounts, cache: auth.cache, bodyLimit: limit).register(on: secured)
    KeyRoutes(accounts: auth.accounts, cache: auth.cache, bodyLimit: limit).register(on: secured)
    BotsPageRoute(service: service, view: streams.botsPage).register(on: secured)
    BotRoutes(service: service, bodyLimit: limit).register(on: secured)
    OrderRoutes(service: service, bodyLimit: limit).register(on: secured)
    TradeRoutes(service: service).register(on: secured)
    LogRoutes(service: service, bodyLimit: limit).register(on: secured)
    let marketData = api.group().add(
        middleware: RequireAuthentication(auth: auth, allowStreamTokens: false, writeScopes: [.write, .prices]))
    PriceRoutes(service: service, bodyLimit: limit).register(on: marketData)
    ModelRoutes(service: service, sessions: components.sessions, bodyLimit: limit).register(on: secured)
    WebhookRoutes(service: service, bodyLimit: limit).register(on: secured)
    let research = ResearchRoutes(service: service, bodyLimit: limit, datasetLimit: configuration.maxDatasetSize)
    research.register(on: secured)
    research.registerSeedListings(
        on: router.group().add(middleware: RequireAuthentication(auth: auth, allowStreamTokens: false)))
    EventRoutes(service: service, bodyLimit: limit).register(on: secured)
    RecentEventRoutes(streams: streams).register(on: secured)
    AdminRoutes(hub: streams.hub, serverLog: streams.serverLog).register(on: secured)
    let apiStreams = router.group().add(middleware: RequireAuthentication(auth: auth, allowStreamTokens: true))
    if !configuration.streamingEnabled { apiStreams.add(middleware: StreamingOffMiddleware()) }
    StreamRoutes(streams: streams).register(on: apiStreams)
}

/// The Tickwire HTTP application: REST, SSE and WebSocket on one port. `runService()` serves until SIGINT or
/// SIGTERM, then ends every stream and shuts down gracefully.
///
/// The hub must be the store's publisher (`store.publishCommits(to: hub)`), created with the log's current head.
///
/// `services` run beside the server and shut down with it (the paper-trading engine); `sessions` runs
/// trading-model sessions for `/api/v1/models/{id}/start|stop` (without it those answer 503). `metrics` is the
/// registry swift-metrics was bootstrapped with; `/metrics` serves it (without it there is no `/metrics`). `agents` is
/// the engine's desk for external agents: with it, `/api/v1/ws/agent` serves them. `serverLog` is the tail the
/// process's log handler feeds (`TailingLogHandler`): the admin log tail offers its lines.
public func buildApplication(
    service: TradingService, hub: Hub, configuration: ServerConfiguration, logger: Logger,
    services: [any Service] = [], sessions: (any ModelSessionControl)? = nil, agents: AgentDesk? = nil,
    metrics: PrometheusCollectorRegistry? = nil, serverLog: ServerLogTail = ServerLogTail()
) async throws -> some ApplicationProtocol {
    let components = try await Components(
        service: service, hub: hub, configuration: configuration, sessions: sessions, agents: agents,
        metrics: metrics, serverLog: serverLog)
    let router = try buildRouter(components, configuration: configuration)
    let streamConnectionHandler = StreamConnectionHandler.factory(
        router: router, streamPath: StreamPaths.stream, logger: logger)

    let webSocketRouter = Router(context: TickwireWebSocketContext.self)
    webSocketRouter.add(middleware: ErrorMiddleware())
    webSocketRouter.add(middleware: Authenticator(auth: components.auth))
    if !configuration.streamingEnabled { webSocketRouter.add(middleware: StreamingOffMiddleware()) }
    let webSocketRoutes = WebSocketRoutes(
        streams: components.streams, auth: components.auth, agents: components.agents,
        maxMessageSize: configuration.webSocketMaxFrameSize)
    webSocketRoutes.register(on: webSocketRouter, echo: configuration.webSocketEcho)
    return Application(
        router: router,
        server: .streaming(
            StreamingConnections(
                streamPath: StreamPaths.stream,
                webSockets: webSocketRoutes.endpoints(
                    router: webSocketRouter, echo: configuration.webSocketEcho,
                    pingInterval: configuration.webSocketPingInterval),
                timeouts: ConnectionTimeouts(
                    firstRequestHead: configuration.firstRequestHeadTimeout,
                    idle: max(
                        configuration.idleTimeout, configuration.heartbeatInterval * 3,
                        configuration.webSocketPingInterval * 3)),
                refuseMalformed: APIError.refusal),
            configuration: .init(
                http1: .init(additionalChannelHandlers: [streamConnectionHandler()]),
                ws: .init(
                    maxFrameSize: configuration.webSocketMaxFrameSize,
                    // A compressed message may inflate to the same size an uncompressed frame may have (the library's
                    // default stops at 16 KiB, below our own frame limit).
                    extensions: [
                        .perMessageDeflate(
                            maxDecompressedFrameSize: configuration.webSocketMaxFrameSize, minFrameSizeToCompress: 256)
                    ],
                    autoPing: .enabled(timePeriod: configuration.webSocketPingInterval),
                    validateUTF8: true))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tickwire"),
        services: [
            HubService(hub: hub, service: service, configuration: configuration, logger: logger),
            CredentialWatcher(hub: hub, cache: components.auth.cache, log: service.reader, logger: logger),
            WebhookDispatcher(service: service, hub: hub, logger: logger),
        ]
            + (configuration.backtestWorkers > 0
                ? [
                    BacktestWorkers(
                        service: service, hub: hub, count: configuration.backtestWorkers,
                        timeLimit: configuration.backtestTimeLimit, lease: configuration.backtestLease,
                        logger: logger)
                ]
                : [])
            + services,
        logger: logger)
}
