import Hummingbird
import Logging
import TickwireService
import TickwireStore

/// Settings of the HTTP server. Defaults are what `tickwire serve` uses without flags.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest accepted request body; larger ones get 413 without being read further.
    public var maxBodySize: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
    }
}

/// The router with every route and middleware. Tests drive it directly; `buildApplication` serves it.
public func buildRouter(service: TradingService, configuration: ServerConfiguration) throws
    -> Router<TickwireRequestContext>
{
    let router = Router(context: TickwireRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: APIHeadersMiddleware())
    router.add(middleware: CompressionMiddleware())
    try registerRoutes(on: router, service: service, configuration: configuration)
    router.addMethodNotAllowedResponders()
    return router
}

/// Every documented route; `openapi.yaml` lists exactly these (a test compares the two).
func registerRoutes(
    on router: Router<TickwireRequestContext>, service: TradingService, configuration: ServerConfiguration
) throws {
    HealthRoutes(store: service.store).register(on: router)

    let api = router.group("api/v1")
    let limit = configuration.maxBodySize
    BotsPageRoute(service: service).register(on: api)
    BotRoutes(service: service, bodyLimit: limit).register(on: api)
    OrderRoutes(service: service, bodyLimit: limit).register(on: api)
    LogRoutes(service: service, bodyLimit: limit).register(on: api)
    PriceRoutes(service: service, bodyLimit: limit).register(on: api)
    try OpenAPIRoute().register(on: api)
}

/// The Tickwire HTTP application. `runService()` on it serves until SIGINT or SIGTERM, then shuts down gracefully.
public func buildApplication(
    service: TradingService, configuration: ServerConfiguration, logger: Logger
) throws -> some ApplicationProtocol {
    let router = try buildRouter(service: service, configuration: configuration)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tickwire"),
        logger: logger)
}
