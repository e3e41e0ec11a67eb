import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Synchronization
import Testing
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireService
import TickwireTestSupport
import TickwireTransport

@testable import TickwireServer
@testable import TickwireStore

/// Collects what the write path publishes, to check that every committed change is handed on, in order.
final class RecordingPublisher: EventPublisher {
    private let events = Mutex<[Event]>([])
    func publish(_ events: [Event]) { self.events.withLock { $0 += events } }
    var published: [Event] { events.withLock { $0 } }
}

/// Hands each committed batch to several publishers (the hub and a recorder).
struct Fanout: EventPublisher {
    let targets: [any EventPublisher]
    func publish(_ events: [Event]) { for target in targets { target.publish(events) } }
}

/// A live Tickwire server on an ephemeral port over a fresh SQLite file, with an admin (`admin`) whose API key the
/// client sends on every call unless told otherwise.
struct TestServer {
    static let password = "correct horse battery"

    let store: any Store
    let publisher: RecordingPublisher
    let hub: Hub
    let accounts: AccountService
    let adminToken: String
    /// What the server's logger wrote (at warning and above), as the admin log tail offers it.
    let serverLog: ServerLogTail
    let logger: Logger

    /// A user with their own API key, for ownership tests.
    func makeUser(_ username: String, role: Role = .user) async throws -> (user: User, token: String) {
        let user = try await accounts.createUser(NewUser(username: username, password: Self.password, role: role))
        let (_, token) = try await accounts.createAPIKey(for: user.id, NewAPIKey(name: "test"))
        return (user, token)
    }

    /// - Parameter engine: run the paper-trading engine too (model sessions, bots on `paper`).
    static func with(
        maxBodySize: Int = 1 << 20, configuration: ServerConfiguration = .init(), engine: EngineConfiguration? = nil,
        metrics: PrometheusCollectorRegistry? = nil, hub hubConfiguration: HubConfiguration = .init(),
        logs: LogRecorder? = nil, equityInterval: Duration = .seconds(60),
        /// Runs on the store before the server starts, with the admin: a state a previous process left behind.
        before: (@Sendable (any Store, User) async throws -> Void)? = nil,
        _ body: @Sendable (AuthedClient, TestServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickwire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // TICKWIRE_TEST_SERVER_POSTGRES_URL runs every server test on a fresh PostgreSQL database instead.
        let store: any Store
        var scratch: (name: String, admin: String)?
        if let admin = ProcessInfo.processInfo.environment["TICKWIRE_TEST_SERVER_POSTGRES_URL"] {
            let name = "tw_server_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            store = try await PostgresStore.connect(
                url: try await PostgresStore.createScratchDatabase(name, adminURL: admin), poolSize: 8,
                equityInterval: equityInterval)
            scratch = (name, admin)
        } else {
            store = try SQLiteStore(
                path: directory.appendingPathComponent("test.db").path, equityInterval: equityInterval)
        }
        let publisher = RecordingPublisher()
        let hub = Hub(head: try await store.lastEventId(), configuration: hubConfiguration)
        store.publishCommits(to: Fanout(targets: [hub, publisher]))
        let service = TradingService(store: store, engineRules: engine?.rules)
        let serverLog = ServerLogTail()
        var logger = Logger(label: "tickwire-test") { label in
            TailingLogHandler(
                label: label, tail: serverLog,
                inner: logs.map { $0.handler() as any LogHandler } ?? StreamLogHandler.standardError(label: label))
        }
        logger.logLevel = .warning
        var configuration = configuration
        configuration.port = 0
        configuration.maxBodySize = maxBodySize
        configuration.auth.bcryptCost = 4
        let accounts = AccountService(store: store, bcryptCost: 4)
        let admin = try await accounts.createUser(NewUser(username: "admin", password: password, role: .admin))
        let (_, adminToken) = try await accounts.createAPIKey(for: admin.id, NewAPIKey(name: "tests"))
        try await before?(store, admin)
        let agents = AgentDesk()
        // As `tickwire serve` runs it: behind the engine lease (on PostgreSQL, taken within a moment of starting).
        let engineLogger = logger
        let running = try engine.map { configuration in
            let makeEngine = { @Sendable in
                try Engine(
                    service: service, hub: hub, configuration: configuration, logger: engineLogger, agents: agents)
            }
            return EngineLeader(
                lease: store, first: try makeEngine(), retry: .milliseconds(100), logger: engineLogger,
                makeEngine: makeEngine)
        }
        let app = try await buildApplication(
            service: service, hub: hub, configuration: configuration, logger: logger,
            services: running.map { [$0] } ?? [],
            sessions: engine.map { ModelSessions(service: service, configuration: $0) },
            agents: engine == nil ? nil : agents, metrics: metrics, serverLog: serverLog)
        let server = TestServer(
            store: store, publisher: publisher, hub: hub, accounts: accounts, adminToken: adminToken,
            serverLog: serverLog, logger: logger)
        defer {
            if let scratch {
                (store as? PostgresStore)?.close()
                Task {
                    try? await PostgresStore.runMaintenance(
                        "DROP DATABASE IF EXISTS \(scratch.name) WITH (FORCE)", url: scratch.admin)
                }
            }
        }
        let port = Mutex<Int?>(nil)
        try await app.test(.live) { client in
            port.withLock { $0 = client.port }
            // The server's own subscriptions (credential watcher, webhook dispatcher) are taken as its services
            // start: a test that counts subscribers starts from them.
            try await eventually("the server's own subscriptions") { hub.subscriberCount >= 2 }
            if engine != nil {
                try await eventually("this node to hold the engine lease") {
                    try await service.engineLeaseHolder() == .thisNode
                }
            }
            try await body(AuthedClient(base: client, token: adminToken), server)
        }
        // Every WebSocket the server served is gone with it: nothing holds a closed socket's handler, or the
        // request context of its upgrade (either stack).
        if let port = port.withLock({ $0 }) {
            try await eventually("the server's WebSocket handlers and upgrade contexts to be freed") {
                WebSocketConnectionHandler.alive.count(onPort: port) == 0
                    && UpgradeDecision.alive.count(onPort: port) == 0
            }
        }
    }
}

/// The test client, sending `Authorization: Bearer token` unless the call passes its own header or `token: nil`.
struct AuthedClient: Sendable {
    let base: any TestClientProtocol
    let token: String?

    var port: Int? { base.port }

    /// The same server, as someone else (nil: anonymous).
    func using(_ token: String?) -> AuthedClient { AuthedClient(base: base, token: token) }

    var authorization: HTTPFields { token.map { [.authorization: "Bearer \($0)"] } ?? [:] }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        if headers[.authorization] == nil, headers[.cookie] == nil, let token {
            headers[.authorization] = "Bearer \(token)"
        }
        return try await base.call(method, uri, json: json, headers: headers)
    }

    /// An SSE connection to `path` with this client's credentials.
    func sse(_ path: String, headers: [(String, String)] = []) async throws -> SSETestClient {
        let port = try #require(base.port)
        var headers = headers
        if let token, !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            headers.append(("Authorization", "Bearer \(token)"))
        }
        return try await SSETestClient.connect(port: port, path: path, headers: headers)
    }

    func createBot(name: String = "alpha", ticker: String = "BTC/USDT", exchange: String = "binance") async throws
        -> Int64
    {
        let reply = try await call(
            .post, "/api/v1/bots",
            json: #"{"name":"\#(name)","ticker":"\#(ticker)","exchange":"\#(exchange)","strategy":"sma"}"#)
        guard reply.status == .created, let id = reply.json["id"]?.int else {
            throw TestFailure("bot creation failed: \(reply.status) \(reply.text)")
        }
        return id
    }
}

struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
    var text: String { String(buffer: body) }
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
    }
    var errorCode: String? { json["error"]?["code"]?.string }
}

extension TestClientProtocol {
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        {
            Reply(status: $0.status, headers: $0.headers, body: $0.body)
        }
    }

}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
    var int: Int64? { number.map { Int64($0) } }
    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
    var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
    var isNull: Bool { self == .null }
}
