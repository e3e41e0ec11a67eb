import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireServer
import TickwireService

@testable import TickwireStore

/// Two Tickwire nodes (two applications, each with its own store connection pool and hub) on one PostgreSQL
/// database, talking to real SSE and WebSocket clients.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TICKWIRE_TEST_POSTGRES_URL"] != nil))
struct TwoNodeTests {
    struct Node {
        let client: AuthedClient
        let store: PostgresStore
    }

    /// Runs `body` with two live nodes on a fresh database; an admin API key works on both.
    /// With `engines`, each node runs an `EngineLeader`, as `tickwire serve` does.
    static func withTwoNodes(engines: Bool = false, _ body: @Sendable (Node, Node) async throws -> Void) async throws {
        let admin = try #require(ProcessInfo.processInfo.environment["TICKWIRE_TEST_POSTGRES_URL"])
        let name = "tw_nodes_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createScratchDatabase(name, adminURL: admin)
        var logger = Logger(label: "two-nodes")
        logger.logLevel = .warning
        let storeA = try await PostgresStore.connect(url: url, poolSize: 8, logger: logger)
        let storeB = try await PostgresStore.connect(url: url, poolSize: 8, logger: logger)
        let appA = try await node(storeA, logger: logger, engine: engines)
        let appB = try await node(storeB, logger: logger, engine: engines)
        let accounts = AccountService(store: storeA, bcryptCost: 4)
        let user = try await accounts.createUser(NewUser(username: "admin", password: "long enough pw", role: .admin))
        let (_, key) = try await accounts.createAPIKey(for: user.id, NewAPIKey(name: "nodes"))
        defer {
            storeA.close()
            storeB.close()
            Task { try? await PostgresStore.runMaintenance("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", url: admin) }
        }
        try await appA.test(.live) { clientA in
            try await appB.test(.live) { clientB in
                try await body(
                    Node(client: AuthedClient(base: clientA, token: key), store: storeA),
                    Node(client: AuthedClient(base: clientB, token: key), store: storeB))
            }
        }
    }

    /// One node: its own hub fed by its store, serving on a free port.
    static func node(_ store: PostgresStore, logger: Logger, engine: Bool) async throws -> some ApplicationProtocol {
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: hub)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.auth.bcryptCost = 4
        let service = TradingService(store: store)
        let makeEngine = { @Sendable in
            try Engine(
                service: service, hub: hub, configuration: EngineConfiguration(tickInterval: .milliseconds(50)),
                logger: logger)
        }
        let leader =
            engine
            ? EngineLeader(
                lease: store, first: try makeEngine(), retry: .milliseconds(100), logger: logger,
                makeEngine: makeEngine) : nil
        return try await buildApplication(
            service: service, hub: hub, configuration: configuration, logger: logger,
            services: leader.map { [$0] } ?? [], sessions: leader)
    }

    @Test func theEngineRunsOnOneNodeAndSessionsAreStartedThere() async throws {
        try await Self.withTwoNodes(engines: true) { a, b in
            let created = try await a.client.call(
                .post, "/api/v1/models", json: #"{"name":"one engine","config":{"decision_interval_ms":20}}"#)
            let model = try #require(created.json["id"]?.int)
            // Until one node has taken the lease both answer 503; then the leader starts the session and the other
            // node refuses it.
            var statuses: [Int] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let onA = try await a.client.call(.post, "/api/v1/models/\(model)/start")
                let onB = try await b.client.call(.post, "/api/v1/models/\(model)/start")
                statuses = [onA.status.code, onB.status.code].sorted()
                if statuses.contains(201) {
                    let refused = onA.status == .created ? onB : onA
                    #expect(refused.json["error"]?["code"]?.string == "engine_elsewhere")
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(statuses == [201, 503], "one node starts the session, the other says the engine runs elsewhere")
        }
    }

    @Test func aWriteOnOneNodeReachesStreamsOnTheOtherInOrder() async throws {
        try await Self.withTwoNodes { a, b in
            let stream = try await b.client.sse("/api/v1/stream?topics=bots,logs")
            defer { Task { await stream.close() } }
            let botId = try await a.client.createBot(name: "from-a")
            for index in 0..<20 {
                let node = index.isMultiple(of: 2) ? a : b
                try await node.client.call(
                    .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"l\#(index)"}"#)
            }
            var ids: [Int64] = []
            var types: [String] = []
            while ids.count < 21 {
                let message = try await stream.nextEvent()
                ids.append(Int64(message.id ?? "") ?? -1)
                types.append(message.event ?? "?")
            }
            #expect(types.first == "bot_created")
            #expect(ids == Array(1...21), "every event once, in log order, whichever node wrote it")
        }
    }

    @Test func aClientResumesOnTheOtherNodeWithoutLossOrDuplicates() async throws {
        try await Self.withTwoNodes { a, b in
            let botId = try await a.client.createBot(name: "resume")
            let first = try await a.client.sse("/api/v1/stream?topics=logs")
            for index in 0..<5 {
                try await a.client.call(
                    .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"m\#(index)"}"#)
            }
            var seen: [String] = []
            for _ in 0..<3 { seen.append(try await first.nextEvent().id ?? "") }
            await first.close()
            // Node A is left behind; the client reconnects to node B with the last id it saw.
            for index in 5..<8 {
                try await a.client.call(
                    .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"m\#(index)"}"#)
            }
            let second = try await b.client.sse(
                "/api/v1/stream?topics=logs", headers: [("Last-Event-ID", seen.last ?? "0")])
            defer { Task { await second.close() } }
            while seen.count < 8 { seen.append(try await second.nextEvent().id ?? "") }
            #expect(seen == (2...9).map(String.init), "logs are events 2-9 (1 is the bot)")
        }
    }

    @Test func aWebSocketOnOneNodeGetsTheOtherNodesWrites() async throws {
        try await Self.withTwoNodes { a, b in
            let port = try #require(b.client.port)
            let result = try await WebSocketTests.session(
                port: port, token: b.client.token, send: [#"{"type":"subscribe","topics":["bots"]}"#],
                afterFirst: { _ = try await a.client.createBot(name: "over-ws") }, until: { $0.count == 2 })
            #expect(result.received[0]["type"]?.string == "subscribed")
            #expect(result.received[1]["type"]?.string == "bot_created")
            #expect(result.received[1]["data"]?["name"]?.string == "over-ws")
        }
    }
}
