import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireServer
import TickwireService
import TickwireStore

/// `tickwire serve`: the HTTP server on an embedded SQLite file. Flags win over `TICKWIRE_*` environment variables,
/// which win over the defaults.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Tickwire server.")

    @Option(help: "Address to listen on (env TICKWIRE_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env TICKWIRE_PORT, default 8080).")
    var port: Int?

    @Option(
        help:
            "SQLite file path, or postgres://user:password@host:port/database (env TICKWIRE_DATABASE or DATABASE_URL, default ./tickwire.db)."
    )
    var database: String?

    @Option(help: "Connections to PostgreSQL this node may open (default 16; SQLite ignores it).")
    var poolSize: Int = 16

    @Option(help: "Largest request body in bytes (env TICKWIRE_MAX_BODY_SIZE, default 1048576).")
    var maxBodySize: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env TICKWIRE_LOG_LEVEL, default info).")
    var logLevel: String?

    @Option(help: "Seconds a stream token (for ?token= on stream URLs) lasts, 1 to 600 (default 300).")
    var streamTokenSeconds = 300

    @Option(help: "Log lines as text or json, one object a line (env TICKWIRE_LOG_FORMAT, default text).")
    var logFormat: String?

    @Option(help: "Seconds between SSE heartbeat comments on idle streams (default 15).")
    var heartbeat: Int?

    @Flag(help: "Serve the WebSocket echo endpoint /api/v1/ws/echo and accept 16 MiB frames (conformance tests only).")
    var webSocketEcho = false

    @Flag(help: "Create the demo accounts, bots and trading models (see README) if they do not exist.")
    var demo = false

    @Flag(help: "Do not run the paper-trading engine (no synthetic market, no built-in bots).")
    var noEngine = false

    @Option(help: "Seed of the synthetic market (the same seed replays the same prices; default 1).")
    var marketSeed: UInt64 = 1

    @Option(help: "Milliseconds between market ticks (default 1000).")
    var tickInterval: Int = 1000

    @Option(
        help:
            "Synthetic instruments as TICKER:START_PRICE:VOLATILITY, comma-separated (volatility annualized, e.g. BTC/USDT:65000:0.6). Default: six crypto and stock tickers."
    )
    var instruments: String?

    @Option(
        help:
            "Replay recorded bars instead of the synthetic market: TICKER=FILE.csv (date,open,high,low,close,volume); repeat for several."
    )
    var replay: [String] = []

    @Option(
        help:
            "Origin allowed to call the API from a browser (CORS); repeat for several (env TICKWIRE_CORS_ORIGINS, comma-separated). Default: CORS off."
    )
    var corsOrigin: [String] = []

    @Flag(help: "Mark the session cookie Secure (when serving behind TLS).")
    var secureCookies = false

    @Option(help: "Requests per second allowed per API key (env TICKWIRE_API_KEY_RATE, default 200; burst twice that).")
    var apiKeyRate: Double?

    @Option(
        help:
            "Folder of the dashboard served at / (env TICKWIRE_PUBLIC; default ./Public, else beside the executable or in its share/tickwire, else the copy built into the binary)."
    )
    var publicDirectory: String?

    @Flag(help: "Answer every stream route with 503 streaming_disabled (dashboards then poll the REST API).")
    var noStreaming = false

    @Option(help: "Backtest workers on this node (default: the number of cores; 0: run none here).")
    var backtestWorkers = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Largest dataset upload in bytes (default 52428800).")
    var maxDatasetSize = 50 << 20

    @Option(help: "Seconds a sweep may compute before it fails (default 600).")
    var backtestTimeLimit = 600

    @Option(help: "Days finished backtests and their cached results are kept (default 30).")
    var backtestRetentionDays = 30

    @Option(help: "Seconds between equity points of a bot while its open position moves with prices (default 60).")
    var equityIntervalSeconds = 60

    @Option(help: "Days bots' equity history is kept (default 365).")
    var equityRetentionDays = 365

    @Option(help: "Megabytes the stored backtest results may take; the oldest go first (default 1024).")
    var backtestCacheMb = 1024

    @Option(help: "Seconds before another node takes over a run whose node stopped renewing it (default 30).")
    var backtestLeaseSeconds = 30

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings = try Settings(
            host: host ?? environment["TICKWIRE_HOST"] ?? "127.0.0.1",
            port: port ?? environment["TICKWIRE_PORT"].map(parseInt("TICKWIRE_PORT")) ?? 8080,
            database: database ?? environment["TICKWIRE_DATABASE"] ?? environment["DATABASE_URL"] ?? "./tickwire.db",
            maxBodySize: maxBodySize ?? environment["TICKWIRE_MAX_BODY_SIZE"].map(parseInt("TICKWIRE_MAX_BODY_SIZE"))
                ?? 1 << 20,
            logLevel: logLevel ?? environment["TICKWIRE_LOG_LEVEL"] ?? "info")

        guard (1...600).contains(streamTokenSeconds) else {
            throw ValidationError("--stream-token-seconds must be 1 to 600")
        }
        let format = logFormat ?? environment["TICKWIRE_LOG_FORMAT"] ?? "text"
        guard ["text", "json"].contains(format) else {
            throw ValidationError("--log-format must be text or json, got '\(format)'")
        }
        // Every line also goes to the admin log tail.
        let serverLog = ServerLogTail()
        LoggingSystem.bootstrap { label in
            TailingLogHandler(
                label: label, tail: serverLog,
                inner: format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardOutput(label: label))
        }
        var logger = Logger(label: "tickwire")
        logger.logLevel = settings.logLevel
        // Before anything creates a metric: the hub's and transports' counters then land in this registry.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        let store = try await StoreLocation.open(
            settings.database, poolSize: poolSize, logLevel: settings.logLevel,
            equityInterval: .seconds(max(1, min(equityIntervalSeconds, 86_400))))
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: hub)
        var engineConfiguration: EngineConfiguration?
        if !noEngine {
            guard tickInterval >= 10 else { throw ValidationError("--tick-interval must be at least 10 ms") }
            engineConfiguration = EngineConfiguration(
                instruments: try parseInstruments(), tickInterval: .milliseconds(tickInterval),
                priceInterval: .milliseconds(max(tickInterval, 250)), seed: marketSeed, replay: try replayFeeds())
        }
        let service = TradingService(store: store, engineRules: engineConfiguration?.rules)
        let rate =
            try apiKeyRate ?? environment["TICKWIRE_API_KEY_RATE"].map(parseDouble("TICKWIRE_API_KEY_RATE")) ?? 200
        guard rate > 0, rate.isFinite else { throw ValidationError("--api-key-rate must be a positive number") }
        let origins =
            corsOrigin.isEmpty
            ? (environment["TICKWIRE_CORS_ORIGINS"] ?? "").split(separator: ",").map {
                String(String($0).trimmingWhitespace)
            }
            .filter { !$0.isEmpty }
            : corsOrigin
        let dashboard = try dashboardFolder(environment)
        var engine: EngineLeader?
        var sessions: ModelSessions?
        var agents: AgentDesk?
        if let configuration = engineConfiguration {
            let engineLogger = logger
            let desk = AgentDesk()
            agents = desk
            let makeEngine = { @Sendable in
                try Engine(service: service, hub: hub, configuration: configuration, logger: engineLogger, agents: desk)
            }
            // On PostgreSQL, one node of the cluster runs the engine at a time (`EngineLeader`).
            engine = EngineLeader(lease: store, first: try makeEngine(), logger: logger, makeEngine: makeEngine)
            sessions = ModelSessions(service: service, configuration: configuration)
        }
        // After every flag has been checked: a refused command line creates nothing.
        try await createAccounts(AccountService(store: store), environment: environment)
        if demo {
            try await DemoData.seed(service: service, accounts: AccountService(store: store), sessions: sessions)
        }
        let app = try await buildApplication(
            service: service, hub: hub,
            configuration: ServerConfiguration(
                host: settings.host, port: settings.port, maxBodySize: settings.maxBodySize,
                heartbeatInterval: .seconds(heartbeat ?? 15), webSocketEcho: webSocketEcho,
                webSocketMaxFrameSize: webSocketEcho ? 16 << 20 : 64 << 10,
                auth: AuthConfiguration(
                    streamTokenLifetime: .seconds(streamTokenSeconds),
                    signingKey: environment["TICKWIRE_JWT_SECRET"], secureCookies: secureCookies,
                    requestsPerSecond: rate, requestBurst: rate * 2, corsAllowedOrigins: origins),
                publicDirectory: dashboard, embeddedDashboard: true, streamingEnabled: !noStreaming,
                maxDatasetSize: max(1, maxDatasetSize), backtestWorkers: max(0, min(backtestWorkers, 64)),
                backtestTimeLimit: .seconds(max(1, min(backtestTimeLimit, 86_400))),
                backtestRetention: .seconds(86_400 * max(1, min(backtestRetentionDays, 36_500))),
                backtestCacheBytes: Int64(max(1, min(backtestCacheMb, 1 << 30))) << 20,
                backtestLease: .seconds(max(3, min(backtestLeaseSeconds, 3_600))),
                equityRetention: .seconds(86_400 * max(1, min(equityRetentionDays, 36_500)))),
            logger: logger, services: engine.map { [$0] } ?? [], sessions: sessions, agents: agents, metrics: metrics,
            serverLog: serverLog)
        logger.notice(
            "Tickwire listening",
            metadata: [
                "url": "http://\(settings.host):\(settings.port)",
                "database": "\(StoreLocation.redacted(settings.database))",
                "dashboard": "\(dashboard ?? "built in")",
            ])
        try await app.runService()
    }

    /// The dashboard's folder: the one named (it must exist), else one `DashboardLocation` finds, else none (the copy
    /// built into the binary is served).
    private func dashboardFolder(_ environment: [String: String]) throws -> String? {
        var isFolder: ObjCBool = false
        if let named = publicDirectory ?? environment["TICKWIRE_PUBLIC"] {
            guard FileManager.default.fileExists(atPath: named, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--public-directory: no folder at '\(named)'")
            }
            return named
        }
        return DashboardLocation.find()
    }

    /// The first start of an empty database creates `admin`, with `TICKWIRE_ADMIN_PASSWORD` or a generated password
    /// printed once here. `--demo` adds the demo accounts.
    private func createAccounts(_ accounts: AccountService, environment: [String: String]) async throws {
        if let (_, generated) = try await accounts.bootstrapAdmin(password: environment["TICKWIRE_ADMIN_PASSWORD"]) {
            if let generated {
                print("Created the user 'admin' with the one-time password: \(generated)")
                print("Sign in and change it: PATCH /api/v1/users/1 {\"password\": \"...\"}")
            } else {
                print("Created the user 'admin' with the password from TICKWIRE_ADMIN_PASSWORD")
            }
        }
        guard demo else { return }
        for account in DemoAccounts.all where try await accounts.user(named: account.username) == nil {
            _ = try await accounts.createUser(account)
            print("Demo account: \(account.username) / \(account.password) (\(account.role?.rawValue ?? "user"))")
        }
    }

    private func parseInstruments() throws -> [SyntheticFeed.Instrument] {
        guard let instruments else { return EngineConfiguration.defaultInstruments }
        return try instruments.split(separator: ",").map { entry in
            let parts = entry.split(separator: ":").map { String(String($0).trimmingWhitespace) }
            guard parts.count == 3, !parts[0].isEmpty, let price = Double(parts[1]), price > 0, price.isFinite,
                let volatility = Double(parts[2]), (0...10).contains(volatility)
            else {
                throw ValidationError(
                    "--instruments: '\(entry)' is not TICKER:START_PRICE:VOLATILITY (price > 0, volatility 0-10)")
            }
            return SyntheticFeed.Instrument(ticker: parts[0], startPrice: price, volatility: volatility)
        }
    }

    private func replayFeeds() throws -> [CSVReplayFeed] {
        try replay.map { argument in
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--replay takes TICKER=FILE, got '\(argument)'")
            }
            let text = try String(contentsOfFile: parts[1], encoding: .utf8)
            do {
                return try CSVReplayFeed(ticker: parts[0], csv: text)
            } catch let error as TickwireModel.ValidationError {
                throw ValidationError("\(parts[1]): \(error.message)")
            }
        }
    }

    private func parseDouble(_ name: String) -> (String) throws -> Double {
        { text in
            guard let value = Double(text), value > 0, value.isFinite else {
                throw ValidationError("\(name) must be a positive number, got '\(text)'")
            }
            return value
        }
    }

    private func parseInt(_ name: String) -> (String) throws -> Int {
        { text in
            guard let value = Int(text) else { throw ValidationError("\(name) must be an integer, got '\(text)'") }
            return value
        }
    }
}

private struct Settings {
    var host: String
    var port: Int
    var database: String
    var maxBodySize: Int
    var logLevel: Logger.Level

    init(host: String, port: Int, database: String, maxBodySize: Int, logLevel: String) throws {
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
        guard maxBodySize > 0 else { throw ValidationError("max body size must be positive") }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        self.host = host
        self.port = port
        self.database = database
        self.maxBodySize = maxBodySize
        self.logLevel = level
    }
}
