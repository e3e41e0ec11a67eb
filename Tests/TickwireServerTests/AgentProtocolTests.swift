import Foundation
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import Synchronization
import Testing
import TickwireEngine
import TickwireModel

/// `/api/v1/ws/agent` end to end: an external agent serves its user's model over a real socket while the engine
/// runs, and the model's stream tells every step (answers, a late answer, a malformed one, a disconnect and the
/// next agent), as its portfolio trades.
@Suite struct AgentProtocolTests {
    static let logger = Logger(label: "agent-test")

    static func json(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
    }

    /// An agent: serves `models`, then answers the `k`-th decision request with `answer(k, request)` (nil: no answer)
    /// and leaves after `leaveAfter` requests (closing without answering the last). Returns every message it got.
    static func agent(
        port: Int, token: String, serve models: [[Int64]], leaveAfter: Int,
        answer: @escaping @Sendable (Int, JSONValue) -> String?
    ) async throws -> [JSONValue] {
        let received = Mutex<[JSONValue]>([])
        _ = try await within(30) {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/api/v1/ws/agent",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: logger
            ) { inbound, outbound, _ in
                for ids in models {
                    try await outbound.write(.text(#"{"type":"serve","models":\#(ids)}"#))
                }
                var requests = 0
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    let value = json(text)
                    received.withLock { $0.append(value) }
                    guard value["type"]?.string == "decision_request" else { continue }
                    requests += 1
                    if requests == leaveAfter {
                        try await outbound.close(.normalClosure, reason: "leaving")
                        return
                    }
                    if let reply = answer(requests, value) { try await outbound.write(.text(reply)) }
                }
            }
        }
        return received.withLock { $0 }
    }

    static func decision(_ request: JSONValue, _ action: String, reason: String = "test") -> String {
        #"{"type":"decision","request_id":"\#(request["request_id"]?.string ?? "")","action":"\#(action)","reason":"\#(reason)"}"#
    }

    @Test func anExternalAgentDecidesForItsModelAcrossLateMalformedAndLostAnswers() async throws {
        try await TestServer.with(
            engine: EngineConfiguration(tickInterval: .milliseconds(20), minimumDecisionInterval: .milliseconds(1))
        ) { client, server in
            let port = try #require(client.port)
            let (_, aliceKey) = try await server.makeUser("alice")
            let (_, bobKey) = try await server.makeUser("bob")
            let alice = client.using(aliceKey)
            let model = try #require(
                try await alice.call(
                    .post, "/api/v1/models",
                    json:
                        #"{"name":"llm","policy":"external","config":{"max_decisions":6,"decision_interval_ms":1,"deadline_ms":800,"quantity":1}}"#
                ).json["id"]?.int)
            let bobs = try #require(
                try await client.using(bobKey).call(
                    .post, "/api/v1/models", json: #"{"name":"other","policy":"external"}"#
                ).json["id"]?.int)
            #expect(
                try await alice.call(.post, "/api/v1/models", json: #"{"name":"x","policy":"oracle"}"#).errorCode
                    == "validation_failed")

            let stream = try await alice.sse("/api/trading/stream/\(model)")
            defer { Task { await stream.close() } }
            var events: [JSONValue] = []
            func read(until done: (JSONValue) -> Bool) async throws {
                while true {
                    let event = ModelSessionRouteTests.data(try await stream.nextEvent(timeout: 10))
                    events.append(event)
                    if done(event) { return }
                }
            }
            #expect(try await alice.call(.post, "/api/v1/models/\(model)/start").status == .created)
            try await read { $0["data"]?["paused"] == .bool(true) }

            // The first agent: bob's model is refused, then buy, no answer, a malformed answer, and it leaves.
            let first = Task {
                try await Self.agent(port: port, token: aliceKey, serve: [[bobs], [model]], leaveAfter: 4) {
                    k, request in
                    switch k {
                    case 1: return Self.decision(request, "buy", reason: "momentum looks good")
                    case 3: return Self.decision(request, "jump")
                    default: return nil
                    }
                }
            }
            try await read { $0["data"]?["paused"] == .bool(true) }
            let firstMessages = try await first.value
            #expect(firstMessages.first?["type"]?.string == "error")
            #expect(firstMessages.first?["code"]?.string == "not_found")
            #expect(firstMessages.contains { $0["type"]?.string == "serving" })
            #expect(firstMessages.contains { $0["code"]?.string == "invalid_decision" })
            let request = try #require(firstMessages.first { $0["type"]?.string == "decision_request" })
            #expect(request["model_id"]?.int == model)
            #expect(request["indicators"]?["sma_20"] != nil)
            #expect(request["cash"]?.number == 100_000)

            // The next agent: sell, then hold until the session ends.
            let second = Task {
                try await Self.agent(port: port, token: aliceKey, serve: [[model]], leaveAfter: 100) { k, request in
                    Self.decision(request, k == 1 ? "sell" : "hold")
                }
            }
            defer { second.cancel() }
            try await read { $0["type"]?.string == "complete" }

            let trades = events.filter { $0["type"]?.string == "trade" }.compactMap { $0["data"] }
            // The request the first agent left without answering is usually lost with it (no decision), but on a
            // loaded machine its deadline may pass before the disconnect is seen: then it is one more late hold.
            let actions = trades.map { $0["action"]?.string ?? "" }
            let sell = try #require(actions.firstIndex(of: "sell"))
            #expect(actions.count == 6)
            #expect(actions.first == "buy")
            #expect(actions.filter { $0 != "hold" } == ["buy", "sell"])
            #expect((3...4).contains(sell), "\(actions)")
            #expect(trades[0]["message"]?.string == "momentum looks good")
            #expect(trades[0]["fill"]?["quantity"]?.number == 1)
            #expect(trades[0]["position"]?.number == 1)
            #expect(trades[1]["message"]?.string?.hasPrefix("No answer within 800 ms") == true)
            #expect(trades[sell]["position"]?.number == 0)
            let statuses = events.filter { $0["type"]?.string == "status" }.compactMap {
                $0["data"]?["message"]?.string
            }
            #expect(statuses.contains("The agent did not answer within 800 ms: holding"))
            #expect(statuses.filter { $0 == "Agent connected: resuming" }.count == 2)
            let errors = events.filter { $0["type"]?.string == "error" }
            #expect(errors.count == 1)
            #expect(errors.first?["data"]?["fatal"] == .bool(false))
            #expect(errors.first?["data"]?["message"]?.string?.contains("jump") == true)
            let complete = try #require(events.last)
            #expect(complete["data"]?["statistics"]?["trades"]?.int == 1)

            // The portfolio reads as a bot's.
            let portfolio = try await alice.call(.get, "/api/v1/models/\(model)/portfolio")
            #expect(portfolio.json["pnl"]?["trade_count"]?.int == 1)
            #expect(portfolio.json["pnl"]?["position_quantity"]?.number == 0)
            let modelTrades = try await alice.call(.get, "/api/v1/models/\(model)/trades")
            #expect(modelTrades.json["data"]?.array?.count == 1)
            #expect(
                (try await alice.call(.get, "/api/v1/models/\(model)/equity").json["points"]?.array?.count ?? 0) >= 2)
            #expect(try await alice.call(.get, "/api/v1/models/\(model)/stats?interval=1m").status == .ok)
            #expect(try await client.using(bobKey).call(.get, "/api/v1/models/\(model)/trades").status == .notFound)
            #expect(try await alice.call(.get, "/api/v1/models/\(bobs)/stats").status == .notFound)
        }
    }

    /// Requests for many models at once reach a compressed agent socket whole: its writes go one at a time (two at
    /// once corrupted the deflate stream).
    @Test func manyModelsRequestsArriveIntactOnACompressedSocket() async throws {
        try await TestServer.with(
            engine: EngineConfiguration(tickInterval: .milliseconds(10), minimumDecisionInterval: .milliseconds(1))
        ) { client, _ in
            let port = try #require(client.port)
            let token = try #require(client.token)
            var models: [Int64] = []
            for index in 0..<8 {
                let id = try #require(
                    try await client.call(
                        .post, "/api/v1/models",
                        json:
                            #"{"name":"m\#(index)","policy":"external","config":{"decision_interval_ms":1,"max_decisions":10000}}"#
                    ).json["id"]?.int)
                models.append(Int64(id))
                #expect(try await client.call(.post, "/api/v1/models/\(id)/start").status == .created)
            }
            let received = Mutex<[String]>([])
            let serve = #"{"type":"serve","models":\#(models)}"#
            _ = try await within(30) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/agent",
                    configuration: .init(
                        additionalHeaders: [.authorization: "Bearer \(token)"], extensions: [.perMessageDeflate()]),
                    logger: Self.logger
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(serve))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        let count = received.withLock { list in
                            list.append(text)
                            return list.count
                        }
                        let value = Self.json(text)
                        if value["type"]?.string == "decision_request" {
                            try await outbound.write(.text(Self.decision(value, "hold")))
                        }
                        if count >= 200 {
                            try await outbound.close(.normalClosure, reason: "done")
                            return
                        }
                    }
                }
            }
            let texts = received.withLock { $0 }
            #expect(texts.count == 200)
            #expect(texts.allSatisfy { Self.json($0) != .null }, "every message is whole JSON")
            #expect(Set(texts.compactMap { Self.json($0)["model_id"]?.int }).count == 8)
        }
    }

    @Test func anAgentSocketNeedsAKeyAndRefusesNonsense() async throws {
        try await TestServer.with(
            engine: EngineConfiguration(tickInterval: .milliseconds(50), minimumDecisionInterval: .milliseconds(1))
        ) { client, _ in
            let port = try #require(client.port)
            #expect(try await client.call(.get, "/api/v1/ws/agent").status == .upgradeRequired)
            let token = try #require(client.token)
            await #expect(throws: (any Error).self, "no key, no upgrade") {
                _ = try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/agent", logger: Self.logger
                ) { _, _, _ in }
            }
            let close = Mutex<[JSONValue]>([])
            _ = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/agent",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: Self.logger
                ) { inbound, outbound, _ in
                    for text in ["nope", #"{"type":"decision","request_id":"r1","action":"buy"}"#]
                        + Array(
                            repeating: #"{"type":"serve"}"#, count: 8)
                    {
                        try await outbound.write(.text(text))
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { close.withLock { $0.append(Self.json(text)) } }
                    }
                }
            }
            let codes = close.withLock { $0.compactMap { $0["code"]?.string } }
            #expect(codes.first == "invalid_message")
            #expect(codes.dropFirst().first == "not_serving")
            #expect(codes.count == 10, "the tenth bad message closes the socket")
        }
    }
}
