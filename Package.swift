// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "tickwire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tickwire", targets: ["tickwire"]),
        // For bots and tools in Swift: typed REST calls and a resuming event stream.
        .library(name: "TickwireClient", targets: ["TickwireClient"]),
        // Load generators and speed comparisons; not part of what an operator runs.
        .executable(name: "tickwire-bench", targets: ["tickwire-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Webhook deliveries (already built for the tests, through HummingbirdTesting).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Domain types and the event envelope: pure, no I/O.
        .target(name: "TickwireModel"),
        // Indicators, performance statistics, strategies and the backtester: pure computation, no I/O.
        .target(name: "TickwireResearch", dependencies: ["TickwireModel"]),
        // The Store protocol and its SQLite (embedded default) and PostgreSQL implementations.
        .target(
            name: "TickwireStore",
            dependencies: [
                "TickwireModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Topics, subscriptions and fan-out of committed events; knows nothing about HTTP.
        .target(
            name: "TickwireHub",
            dependencies: [
                "TickwireModel",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The wire: SSE and WebSocket framing, the NIO handlers that serve streams and sockets without a task each,
        // and the connection setup that routes a connection's first request to them. Knows the hub's seam
        // (`ChannelSink`), not the server's routes: their paths are passed in.
        .target(
            name: "TickwireTransport",
            dependencies: [
                "TickwireHub", "TickwireModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The one write path: a command changes the store (event appended in the same transaction), then the hub publishes.
        // Accounts (bcrypt passwords, hashed API keys and sessions) live here too: the CLI uses them without a server.
        .target(
            name: "TickwireService",
            dependencies: [
                "TickwireModel", "TickwireResearch", "TickwireStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The client of bots and tools: REST and the event stream over AsyncHTTPClient; shares the model's types.
        .target(
            name: "TickwireClient",
            dependencies: [
                "TickwireModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // The paper-trading engine: market feeds, strategies, paper broker, bots, agents, intraday cycle.
        .target(
            name: "TickwireEngine",
            dependencies: [
                "TickwireModel", "TickwireResearch", "TickwireService", "TickwireStore", "TickwireHub",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Hummingbird routes, middleware, the OpenAPI document.
        .target(
            name: "TickwireServer",
            dependencies: [
                "TickwireModel", "TickwireStore", "TickwireHub", "TickwireService", "TickwireTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.yaml")],
            plugins: ["EmbedDashboard"]
        ),
        .executableTarget(
            name: "tickwire",
            dependencies: [
                "TickwireServer", "TickwireStore", "TickwireHub", "TickwireModel", "TickwireEngine", "TickwireResearch",
                "TickwireClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "tickwire-bench",
            dependencies: [
                "TickwireEngine", "TickwireHub", "TickwireModel", "TickwireResearch", "TickwireService",
                "TickwireStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Builds `Public/` into TickwireServer, so a binary started anywhere serves the dashboard.
        .executableTarget(name: "embed-dashboard"),
        .plugin(name: "EmbedDashboard", capability: .buildTool(), dependencies: ["embed-dashboard"]),
        // What the test targets share: waiting on a condition with one deadline rule.
        .target(name: "TickwireTestSupport", path: "Tests/TickwireTestSupport"),
        .testTarget(name: "TickwireModelTests", dependencies: ["TickwireModel", "TickwireTestSupport"]),
        .testTarget(
            name: "TickwireTransportTests",
            dependencies: [
                "TickwireTransport", "TickwireHub", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "TickwireResearchTests", dependencies: ["TickwireResearch", "TickwireModel"]),
        .testTarget(
            name: "TickwireEngineTests",
            dependencies: [
                "TickwireTestSupport",
                "TickwireEngine", "TickwireResearch", "TickwireModel", "TickwireStore", "TickwireService",
                "TickwireHub",
            ]
        ),
        .testTarget(
            name: "TickwireStoreTests",
            dependencies: [
                "TickwireTestSupport", "TickwireModel", "TickwireStore", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "TickwireHubTests",
            dependencies: [
                "TickwireHub", "TickwireModel", "TickwireStore", .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TickwireServerTests",
            dependencies: [
                "TickwireResearch", "TickwireClient",
                "TickwireTestSupport",
                "TickwireServer", "TickwireModel", "TickwireStore", "TickwireHub", "TickwireEngine",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
    ]
)
