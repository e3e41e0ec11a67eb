import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireResearch
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
        /// With `engines`: whether this node runs the engine now.
        let leader: EngineLeader?
    }

    /// Runs `body` with two live nodes on a fresh database; an admin API key works on both.
    /// With `engines`, each node runs an `EngineLeader`, as `tickwire serve` does.
    /// With `backtestWorkers`, each node runs that many backtest workers, with one-second leases.
    static func withTwoNodes(
        engines: Bool = false, backtestWorkers: (a: Int, b: Int) = (0, 0),
        /// Runs on the database before the nodes serve, with the admin: what a node that died left behind.
        before: (@Sendable (PostgresStore, User) async throws -> Void)? = nil,
        _ body: @Sendable (Node, Node) async throws -> Void
    ) async throws {
        let admin = try #require(ProcessInfo.processInfo.environment["TICKWIRE_TEST_POSTGRES_URL"])
        let name = "tw_nodes_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createScratchDatabase(name, adminURL: admin)
        var logger = Logger(label: "two-nodes")
        logger.logLevel = .warning
        let storeA = try await PostgresStore.connect(url: url, poolSize: 8, logger: logger)
        let storeB = try await PostgresStore.connect(url: url, poolSize: 8, logger: logger)
        let (appA, leaderA) = try await node(
            storeA, logger: logger, engine: engines, backtestWorkers: backtestWorkers.a)
        let (appB, leaderB) = try await node(
            storeB, logger: logger, engine: engines, backtestWorkers: backtestWorkers.b)
        let accounts = AccountService(store: storeA, bcryptCost: 4)
        let user = try await accounts.createUser(NewUser(username: "admin", password: "long enough pw", role: .admin))
        let (_, key) = try await accounts.createAPIKey(for: user.id, NewAPIKey(name: "nodes"))
        try await before?(storeA, user)
        defer {
            storeA.close()
            storeB.close()
            Task { try? await PostgresStore.runMaintenance("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", url: admin) }
        }
        try await appA.test(.live) { clientA in
            try await appB.test(.live) { clientB in
                try await body(
                    Node(client: AuthedClient(base: clientA, token: key), store: storeA, leader: leaderA),
                    Node(client: AuthedClient(base: clientB, token: key), store: storeB, leader: leaderB))
            }
        }
    }

    /// One node: its own hub fed by its store, serving on a free port.
    static func node(
        _ store: PostgresStore, logger: Logger, engine: Bool, backtestWorkers: Int
    ) async throws -> (some ApplicationProtocol, EngineLeader?) {
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: hub)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.auth.bcryptCost = 4
        configuration.backtestWorkers = backtestWorkers
        configuration.backtestLease = .seconds(1)
        let service = TradingService(store: store)
        let engineConfiguration = EngineConfiguration(
            tickInterval: .milliseconds(50), minimumDecisionInterval: .milliseconds(1))
        let agents = AgentDesk()
        let makeEngine = { @Sendable in
            try Engine(service: service, hub: hub, configuration: engineConfiguration, logger: logger, agents: agents)
        }
        let leader =
            engine
            ? EngineLeader(
                lease: store, first: try makeEngine(), retry: .milliseconds(100), logger: logger,
                makeEngine: makeEngine) : nil
        let app = try await buildApplication(
            service: service, hub: hub, configuration: configuration, logger: logger,
            services: leader.map { [$0] } ?? [],
            sessions: engine ? ModelSessions(service: service, configuration: engineConfiguration) : nil,
            agents: engine ? agents : nil)
        return (app, leader)
    }

    /// Waits (at most 10 s) until one node runs the engine; returns it and the other.
    static func leaderAndStandby(_ a: Node, _ b: Node) async throws -> (leader: Node, standby: Node) {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if a.leader?.engine != nil { return (a, b) }
            if b.leader?.engine != nil { return (b, a) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no node took the engine lease within 10 s")
    }

    /// Ends the session that holds the engine lease, as a lost database connection would.
    static func dropEngineLease(_ store: PostgresStore) async throws {
        try await store.client.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = \(Int64(PostgresStore.engineLockKey >> 32))
              AND objid = \(Int64(PostgresStore.engineLockKey & 0xFFFF_FFFF))
            """)
    }

    /// A trading model with `config`, created through `node`, and a stream of its events on `watcher`.
    static func model(
        _ name: String, config: String, on node: Node, watchedOn watcher: Node
    ) async throws -> (id: Int64, stream: SSETestClient) {
        let created = try await node.client.call(
            .post, "/api/v1/models", json: #"{"name":"\#(name)","config":\#(config)}"#)
        let model = try #require(created.json["id"]?.int)
        return (model, try await watcher.client.sse("/api/v1/stream?topics=models.\(model)"))
    }

    /// The node without the engine takes the start and the stop; the agent runs on the other, and its events reach
    /// the standby's stream. Nothing of the agent follows `complete`.
    @Test func sessionsStartAndStopOnEitherNodeAndRunWhereTheEngineRuns() async throws {
        try await Self.withTwoNodes(engines: true) { a, b in
            let (leader, standby) = try await Self.leaderAndStandby(a, b)
            let (model, stream) = try await Self.model(
                "anywhere", config: #"{"decision_interval_ms":10,"max_decisions":10000}"#, on: standby,
                watchedOn: standby)
            defer { Task { await stream.close() } }
            let started = try await standby.client.call(.post, "/api/v1/models/\(model)/start")
            #expect(started.status == .created)
            let session = try #require(started.json["id"]?.int)
            #expect(try await leader.client.call(.post, "/api/v1/models/\(model)/start").status == .conflict)
            var types: [String] = []
            while !types.contains("trade") { types.append(try await stream.nextEvent().event ?? "?") }
            #expect(types.prefix(2) == ["status", "status"])
            #expect(await leader.leader?.engine?.runsSession(Int64(session)) == true)
            #expect(standby.leader?.engine == nil)

            let stopped = try await standby.client.call(.post, "/api/v1/models/\(model)/stop")
            #expect(stopped.status == .ok)
            #expect(stopped.json["status"]?.string == "stopped")
            while types.last != "complete" { types.append(try await stream.nextEvent().event ?? "?") }
            try await Task.sleep(for: .milliseconds(100))  // an agent that kept going would have written by now
            let last = try await leader.store.latestEvents(topic: .model(model), through: .max, limit: 1)
            #expect(last.first?.type == .complete, "nothing of the agent after its session's last event")
            // The leader hears of the stop through NOTIFY (or its agent's next write is refused): soon, not at once.
            let deadline = ContinuousClock.now + .seconds(10)
            while await leader.leader?.engine?.runsSession(Int64(session)) == true, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await leader.leader?.engine?.runsSession(Int64(session)) == false, "the leader's agent stops")
        }
    }

    /// An external agent is served only by the node that runs the engine: the other refuses its upgrade with 503
    /// `engine_elsewhere`, and `/ready` on each says where the engine is.
    @Test func agentsAreServedWhereTheEngineRuns() async throws {
        try await Self.withTwoNodes(engines: true) { a, b in
            let (leader, standby) = try await Self.leaderAndStandby(a, b)
            let handshake: [(String, String)] = [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                ("Authorization", "Bearer \(leader.client.token ?? "")"),
            ]
            let refused = try await SSETestClient.connect(
                port: try #require(standby.client.port), path: "/api/v1/ws/agent", headers: handshake)
            await refused.close()
            #expect(refused.status == .serviceUnavailable)
            let accepted = try await SSETestClient.connect(
                port: try #require(leader.client.port), path: "/api/v1/ws/agent", headers: handshake)
            await accepted.close()
            #expect(accepted.status == .switchingProtocols)
            #expect(
                try await leader.client.call(.get, "/ready").json["checks"]?["engine"]?["lease"]?.string == "this_node")
            #expect(
                try await standby.client.call(.get, "/ready").json["checks"]?["engine"]?["lease"]?.string
                    == "other_node")
        }
    }

    /// When the engine leaves a node, the agents connected there are closed with 1013 `engine_moved`, so that they
    /// connect again and reach the node that runs it now.
    @Test func agentsAreDismissedWhenTheEngineLeavesTheirNode() async throws {
        try await Self.withTwoNodes(engines: true) { a, b in
            let (leader, _) = try await Self.leaderAndStandby(a, b)
            let created = try await leader.client.call(
                .post, "/api/v1/models", json: #"{"name":"outside","policy":"external"}"#)
            let model = try #require(created.json["id"]?.int)
            let port = try #require(leader.client.port)
            let token = try #require(leader.client.token)
            let close = try await within(20) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/agent",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                    logger: Logger(label: "agent")
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"serve","models":[\#(model)]}"#))
                    var serving = false
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message, !serving, text.contains("serving") else { continue }
                        serving = true
                        try await Self.dropEngineLease(leader.store)
                    }
                }
            }
            #expect(close?.closeCode == .unknown(1013))
            #expect(close?.reason == "engine_moved")
        }
    }

    /// The lease's connection is killed mid-session: whichever node runs the engine next resumes the session, and
    /// every decision is written once, in order (the old term's writes are fenced).
    @Test func aSessionSurvivesTheEngineMovingNodes() async throws {
        try await Self.withTwoNodes(engines: true) { a, b in
            let (leader, _) = try await Self.leaderAndStandby(a, b)
            let (model, stream) = try await Self.model(
                "mover", config: #"{"decision_interval_ms":20,"max_decisions":40}"#, on: a, watchedOn: b)
            defer { Task { await stream.close() } }
            #expect(try await a.client.call(.post, "/api/v1/models/\(model)/start").status == .created)
            var events: [SSEMessage] = []
            while events.filter({ $0.event == "trade" }).count < 3 { events.append(try await stream.nextEvent()) }
            try await Self.dropEngineLease(leader.store)
            while events.last?.event != "complete" { events.append(try await stream.nextEvent()) }
            #expect(events.contains { ($0.data ?? "").contains("Resuming trading session after") })
            let decisions = events.filter { $0.event == "trade" }.compactMap { event in
                ModelSessionRouteTests.data(event)["data"]?["decision"]?.int
            }
            #expect(decisions == Array(1...40), "every decision once, in order, across the move")
            let ids = events.compactMap { Int64($0.id ?? "") }
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
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

    @Test func backtestsSubmittedToANodeWithoutWorkersRunOnTheOther() async throws {
        try await Self.withTwoNodes(backtestWorkers: (0, 1)) { a, b in
            let dataset = try #require(try await BacktestRouteTests.upload(a.client).json["id"]?.int)
            var ids: [Int64] = []
            for fast in [5, 6, 7] {
                let reply = try await a.client.call(
                    .post, "/api/v1/backtests",
                    json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":\#(fast),"slow":30}}"#)
                #expect(reply.status == .accepted)
                ids.append(Int64(try #require(reply.json["id"]?.int)))
            }
            for id in ids {
                let job = try await BacktestRouteTests.finished(a.client, id)
                #expect(job["status"]?.string == "completed", "run \(id), computed by node B, read on node A")
            }
        }
    }

    @Test func aRunOfANodeThatDiedIsTakenOverWhenItsLeaseEnds() async throws {
        let left = Mutex<(id: Int64, leaseEnd: Timestamp)?>(nil)
        try await Self.withTwoNodes(
            backtestWorkers: (0, 1),
            before: { store, admin in
                // A node claimed this run and died: nothing renews its lease, which ends in 3 s.
                let dataset = try await BacktestRouteTests.storeDataset(store, owner: admin)
                let job = try await store.submitBacktest(
                    BacktestRequest(datasetId: dataset.id, strategy: "sma"), ownerId: admin.id, cacheKey: "left",
                    limits: (.max, .max), at: Timestamp(milliseconds: 0))
                let leaseEnd = Timestamp(secondsSince1970: Date().timeIntervalSince1970 + 3)
                _ = try await store.claimBacktest(at: Timestamp(milliseconds: 1), leaseUntil: leaseEnd)
                left.withLock { $0 = (job.value.id, leaseEnd) }
            }
        ) { a, b in
            let (id, leaseEnd) = try #require(left.withLock { $0 })
            let job = try await BacktestRouteTests.finished(b.client, id)
            #expect(job["status"]?.string == "completed")
            let finished = try #require(job["finished_at"]?.string.flatMap(Timestamp.init(iso8601:)))
            #expect(finished >= leaseEnd, "taken over only once the lease ended")
        }
    }
}
