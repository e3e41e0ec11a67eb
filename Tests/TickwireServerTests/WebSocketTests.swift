import Foundation
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import Synchronization
import Testing
import TickwireHub
import TickwireModel
import TickwireTestSupport
import TickwireTransport

@testable import TickwireServer

/// `/api/v1/ws/app` through a real WebSocket client.
@Suite struct WebSocketTests {
    static let logger = Logger(label: "ws-test")

    static func json(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
    }

    /// Connects, sends `messages`, and collects text frames until `done` says so; returns them and the close frame.
    static func session(
        port: Int, token: String?, send messages: [String], deflate: Bool = false,
        afterFirst: (@Sendable () async throws -> Void)? = nil,
        until done: @escaping @Sendable ([JSONValue]) -> Bool
    ) async throws -> (received: [JSONValue], close: WebSocketCloseFrame?) {
        let received = Mutex<[JSONValue]>([])
        let close = try await within(10) {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/api/v1/ws/app",
                configuration: .init(
                    additionalHeaders: token.map { [.authorization: "Bearer \($0)"] } ?? [:],
                    extensions: deflate ? [.perMessageDeflate()] : []),
                logger: logger
            ) { inbound, outbound, _ in
                for message in messages { try await outbound.write(.text(message)) }
                var first = true
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    let all = received.withLock { list in
                        list.append(json(text))
                        return list
                    }
                    if first, let afterFirst {
                        first = false
                        try await afterFirst()
                    }
                    if done(all) {
                        try await outbound.close(.normalClosure, reason: "done")
                        return
                    }
                }
            }
        }
        return (received.withLock { $0 }, close)
    }

    @Test func subscribeAcknowledgesThenDeliversEventsInOrder() async throws {
        try await TestServer.with { client, _ in
            let port = try #require(client.port)
            let result = try await Self.session(
                port: port, token: client.token, send: [#"{"type":"subscribe","topics":["bots","logs"]}"#],
                afterFirst: {
                    let botId = try await client.createBot()
                    try await client.call(
                        .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"x"}"#)
                }, until: { $0.count == 3 })
            #expect(result.received[0]["type"]?.string == "subscribed")
            #expect(result.received[0]["topics"]?.array?.count == 2)
            #expect(result.received[1]["type"]?.string == "bot_created")
            #expect(result.received[2]["type"]?.string == "log_created")
            #expect(result.received[2]["data"]?["message"]?.string == "x")
        }
    }

    @Test func sinceReplaysMissedEventsWithDeflateNegotiated() async throws {
        try await TestServer.with { client, _ in
            let port = try #require(client.port)
            let botId = try await client.createBot()
            for index in 0..<3 {
                try await client.call(
                    .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"m\#(index)"}"#)
            }
            // A socket that offers per-message deflate is served by hummingbird-websocket, which negotiates it; one
            // that does not is served in the pipeline. Which stack holds the open socket shows which path ran.
            for deflate in [true, false] {
                let pipelineSockets = Mutex<Int?>(nil)
                let result = try await Self.session(
                    port: port, token: client.token, send: [#"{"type":"subscribe","topics":["logs"],"since":"2"}"#],
                    deflate: deflate,
                    afterFirst: {
                        pipelineSockets.withLock { $0 = WebSocketConnectionHandler.alive.count(onPort: port) }
                    },
                    until: { $0.count == 3 })
                #expect(result.received.map { $0["type"]?.string } == ["subscribed", "log_created", "log_created"])
                #expect(result.received.dropFirst().map { $0["id"]?.string } == ["3", "4"])
                #expect(pipelineSockets.withLock { $0 } == (deflate ? 0 : 1), "deflate: \(deflate)")
            }
        }
    }

    @Test func pingAndMalformedMessagesGetReplies() async throws {
        try await TestServer.with { client, _ in
            let result = try await Self.session(
                port: try #require(client.port), token: client.token,
                send: [
                    #"{"type":"ping"}"#, "not json", #"{"type":"dance"}"#, #"{"type":"subscribe","topics":["nope"]}"#,
                ],
                until: { $0.count == 4 })
            #expect(result.received[0]["type"]?.string == "pong")
            #expect(result.received[1]["code"]?.string == "invalid_message")
            #expect(result.received[2]["code"]?.string == "unknown_type")
            #expect(result.received[3]["code"]?.string == "unknown_topic")
        }
    }

    @Test func repeatedAbuseClosesWithPolicyViolation() async throws {
        try await TestServer.with { client, _ in
            let result = try await Self.session(
                port: try #require(client.port), token: client.token, send: Array(repeating: "garbage", count: 12),
                until: { _ in false })
            #expect(result.received.count == 9)
            #expect(result.close?.closeCode == .policyViolation)
            #expect(result.close?.reason == "too_many_errors")
        }
    }

    /// A compressed message that inflates beyond the compression library's 16 KiB default but within the frame
    /// limit is read like an uncompressed one.
    @Test func compressedMessagesMayInflateUpToTheFrameLimit() async throws {
        try await TestServer.with { client, _ in
            let padded = #"{"type":"ping","pad":""# + String(repeating: "x", count: 40_000) + #""}"#
            let result = try await Self.session(
                port: try #require(client.port), token: client.token, send: [padded], deflate: true,
                until: { $0.count == 1 })
            #expect(result.received.first?["type"]?.string == "pong")
        }
    }

    @Test func aSocketThatStopsReadingIsClosedWithoutSlowingTheOthers() async throws {
        // 256 KiB of backlog allowed per subscriber; the events are 8 KiB each.
        let limits = HubConfiguration(historySize: 64, maxQueuedEvents: 100_000, maxQueuedBytes: 256 << 10)
        try await TestServer.with(hub: limits) { client, server in
            let port = try #require(client.port)
            let token = try #require(client.token)
            let subscribe = #"{"type":"subscribe","topics":["system"]}"#
            let stalled = try await StalledClient.connectWebSocket(port: port, token: token, subscribe: subscribe)
            defer { Task { await stalled.close() } }
            try await eventually("the stalled socket's subscription") {
                server.hub.statistics.subscribersByTopic["system"] == 1
            }
            // 16 MiB in all; the fast socket reads every event, in order, while the stalled one is closed.
            let payload = #"{"pad":"\#(String(repeating: "x", count: 8 << 10))"}"#
            let received = Mutex<[String]>([])
            _ = try await within(30) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: Self.logger
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(subscribe))
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    _ = try await messages.next()  // subscribed
                    var head = server.hub.head
                    for _ in 0..<200 {
                        server.hub.publish(
                            (1...10).map { offset in
                                Event(
                                    id: head + Int64(offset), timestamp: .init(milliseconds: 0),
                                    draft: EventDraft(topic: .system, type: .system, data: payload))
                            })
                        head += 10
                        for _ in 0..<10 {
                            guard case .text(let text)? = try await messages.next() else { return }
                            received.withLock { $0.append(Self.json(text)["id"]?.string ?? "?") }
                        }
                    }
                    try await outbound.close(.normalClosure, reason: "done")
                }
            }
            let first = (received.withLock { $0.first }).flatMap { Int64($0) } ?? 0
            #expect(received.withLock { $0 } == (0..<2000).map { String(first + Int64($0)) })
            // The stalled socket's writes run on its own event loop: the drop may land a moment after the last event.
            try await eventually("the slow-consumer drop") { server.hub.statistics.slowConsumerDrops >= 1 }
            #expect(server.hub.statistics.slowConsumerDrops == 1)
            // (It may already have seen the close; reading is only needed to reach it otherwise.)
            try? await stalled.channel.setOption(.autoRead, value: true).get()
            try await eventually("the server to close the stalled socket") { !stalled.channel.isActive }
        }
    }

    @Test func oversizedFramesCloseWithMessageTooBig() async throws {
        try await TestServer.with { client, _ in
            let big = #"{"type":"ping","pad":""# + String(repeating: "x", count: 100_000) + #""}"#
            let result = try await Self.session(
                port: try #require(client.port), token: client.token, send: [big], until: { _ in false })
            #expect(result.close?.closeCode == .messageTooLarge)
        }
    }

    @Test func aPeerThatLeavesWithoutACloseFrameOrStopsAnsweringPingsIsDropped() async throws {
        var configuration = ServerConfiguration()
        configuration.webSocketPingInterval = .milliseconds(200)
        try await TestServer.with(configuration: configuration) { client, server in
            let port = try #require(client.port)
            let baseline = server.hub.subscriberCount
            let subscribe = #"{"type":"subscribe","topics":["bots"]}"#

            // Closes its TCP connection without a close frame: the server sees its input end and lets go.
            let leaving = try await StalledClient.connectWebSocket(
                port: port, token: server.adminToken, subscribe: subscribe)
            try await eventually("the subscription") { server.hub.subscriberCount == baseline + 1 }
            await leaving.close()
            try await eventually("the subscription to end") { server.hub.subscriberCount == baseline }
            // Nothing keeps the closed socket's handler, session and channel alive.
            try await eventually("the closed socket's handler to be freed") {
                WebSocketConnectionHandler.alive.count(onPort: port) == 0
            }

            // Never reads, so never answers a ping: closed once a ping goes unanswered for a whole interval.
            let silent = try await StalledClient.connectWebSocket(
                port: port, token: server.adminToken, subscribe: subscribe)
            defer { Task { await silent.close() } }
            try await eventually("the subscription") { server.hub.subscriberCount == baseline + 1 }
            try await eventually("the silent peer to be dropped") { server.hub.subscriberCount == baseline }
        }
    }

    @Test func aRefusedUpgradeAnswersTheRoutersError() async throws {
        try await TestServer.with { client, _ in
            let handshake: [(String, String)] = [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
            ]
            let port = try #require(client.port)
            let forged = try await SSETestClient.connect(
                port: port, path: "/api/v1/ws/app", headers: handshake + [("Authorization", "Bearer forged")])
            await forged.close()
            #expect(forged.status == .unauthorized)
            let accepted = try await SSETestClient.connect(
                port: port, path: "/api/v1/ws/app",
                headers: handshake + [("Authorization", "Bearer \(client.token ?? "")")])
            await accepted.close()
            #expect(accepted.status == .switchingProtocols)
        }
    }
}
