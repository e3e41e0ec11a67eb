import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TickwireHub
import TickwireModel
import TickwireServer
import TickwireStore
import TickwireTestSupport
import TickwireTransport

/// The push hub through real sockets: SSE on `/api/v1/stream` and the seed-compatible endpoints.
@Suite struct StreamTests {
    static func data(_ message: SSEMessage) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data((message.data ?? "").utf8))) ?? .null
    }

    @Test func sseHeadersPreludeAndEventsInLogOrder() async throws {
        try await TestServer.with { client, server in
            let sse = try await client.sse("/api/v1/stream?topics=bots,logs")
            defer { Task { await sse.close() } }
            #expect(sse.status == .ok)
            #expect(sse.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
            #expect(sse.headers["Cache-Control"].first == "no-cache")
            #expect(sse.headers["X-Accel-Buffering"].first == "no")
            let botId = try await client.createBot()
            // Concurrent writers: whatever order they commit in, the stream carries ascending ids with no gap.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"m\#(index)"}"#)
                    }
                }
                try await group.waitForAll()
            }
            var ids: [Int64] = []
            let first = try await sse.nextEvent()
            #expect(first.event == "bot_created")
            #expect(Self.data(first)["topic"]?.string == "bots")
            ids.append(Int64(first.id ?? "") ?? -1)
            for _ in 0..<20 {
                let message = try await sse.nextEvent()
                #expect(message.event == "log_created")
                #expect(Self.data(message)["id"]?.string == message.id)
                ids.append(Int64(message.id ?? "") ?? -1)
            }
            #expect(ids == Array(ids[0]...(ids[0] + 20)))
        }
    }

    @Test func filtersNarrowATopicToOneBotAndOneTicker() async throws {
        try await TestServer.with { client, server in
            let alpha = try await client.createBot(name: "alpha")
            let beta = try await client.createBot(name: "beta", ticker: "ETH/USDT")
            let sse = try await client.sse("/api/v1/stream?topics=logs,prices&bot_id=\(beta)&ticker=ETH/USDT")
            defer { Task { await sse.close() } }
            try await client.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(alpha),"level":"INFO","message":"a"}"#)
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"no bot"}"#)
            try await client.call(
                .post, "/api/v1/prices", json: #"{"ticker":"BTC/USDT","exchange":"binance","price":1}"#)
            try await client.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(beta),"level":"INFO","message":"b"}"#)
            try await client.call(
                .post, "/api/v1/prices", json: #"{"ticker":"ETH/USDT","exchange":"binance","price":2}"#)
            let log = try await sse.nextEvent()
            #expect(Self.data(log)["data"]?["message"]?.string == "b")
            let price = try await sse.nextEvent()
            #expect(Self.data(price)["data"]?["ticker"]?.string == "ETH/USDT")
        }
    }

    @Test func badStreamRequestsGetAStableError() async throws {
        try await TestServer.with { client, _ in
            for path in [
                "/api/v1/stream", "/api/v1/stream?topics=nope", "/api/v1/stream?topics=bots&bot_id=x",
                "/api/v1/stream?topics=bots&last_event_id=-1", "/api/v1/stream?topics=bots&snapshot=other",
            ] {
                let reply = try await client.call(.get, path)
                #expect(reply.status == .badRequest, "\(path)")
                #expect(reply.errorCode != nil, "\(path)")
            }
            let upgrade = try await client.call(.get, "/api/v1/ws/app")
            #expect(upgrade.status == .upgradeRequired)
        }
    }

    @Test func resumeReplaysWhatWasMissedWithoutGapOrDuplicate() async throws {
        try await TestServer.with { client, server in
            let botId = try await client.createBot()
            for index in 0..<5 {
                try await client.call(
                    .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"m\#(index)"}"#)
            }
            // The client saw up to event 3 (bot_created, m0, m1); header wins over the query parameter.
            let sse = try await client.sse(
                "/api/v1/stream?topics=logs&last_event_id=1", headers: [("Last-Event-ID", "3")])
            defer { Task { await sse.close() } }
            try await client.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"live"}"#)
            var messages: [String] = []
            for _ in 0..<4 {
                messages.append(Self.data(try await sse.nextEvent())["data"]?["message"]?.string ?? "?")
            }
            #expect(messages == ["m2", "m3", "m4", "live"])
        }
    }

    @Test func aPositionAheadOfTheLogGetsAReset() async throws {
        try await TestServer.with { client, _ in
            let sse = try await client.sse("/api/v1/stream?topics=bots&last_event_id=500")
            defer { Task { await sse.close() } }
            let reset = try await sse.nextEvent()
            #expect(reset.event == "reset")
            #expect(Self.data(reset)["reason"]?.string == "unknown_position")
        }
    }

    @Test func heartbeatsKeepAnIdleStreamAlive() async throws {
        try await TestServer.with(configuration: .init(heartbeatInterval: .milliseconds(200))) { client, _ in
            let sse = try await client.sse("/api/v1/stream?topics=bots")
            defer { Task { await sse.close() } }
            #expect(try await sse.next().comment == "connected")
            #expect(try await sse.next(timeout: 3).comment == "heartbeat")
        }
    }

    @Test func disconnectFreesTheSubscription() async throws {
        try await TestServer.with { client, server in
            let baseline = server.hub.subscriberCount
            let sse = try await client.sse("/api/v1/stream?topics=bots")
            _ = try await sse.next()
            #expect(server.hub.subscriberCount == baseline + 1)
            await sse.close()
            let deadline = ContinuousClock.now + .seconds(5)
            while server.hub.subscriberCount != baseline, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.hub.subscriberCount == baseline)
        }
    }

    @Test func aClientThatStopsReadingIsDroppedWithoutSlowingTheOthers() async throws {
        // 256 KiB of backlog allowed per subscriber; the events are 8 KiB each.
        let limits = HubConfiguration(historySize: 64, maxQueuedEvents: 100_000, maxQueuedBytes: 256 << 10)
        try await TestServer.with(hub: limits) { client, server in
            let port = try #require(client.port)
            let fast = try await client.sse("/api/v1/stream?topics=system")
            defer { Task { await fast.close() } }
            let stalled = try await StalledClient.connect(
                port: port, path: "/api/v1/stream?topics=system", token: server.adminToken)
            defer { Task { await stalled.close() } }
            try await eventually("both subscriptions") { server.hub.statistics.subscribersByTopic["system"] == 2 }

            // 16 MiB in all, far more than the socket buffers and the 256 KiB bound. The fast client reads every
            // event, in order, while the stalled one falls behind and is dropped.
            let payload = #"{"pad":"\#(String(repeating: "x", count: 8 << 10))"}"#
            var head = server.hub.head
            for _ in 0..<200 {
                let batch = (1...10).map { offset in
                    Event(
                        id: head + Int64(offset), timestamp: .init(milliseconds: 0),
                        draft: EventDraft(topic: .system, type: .system, data: payload))
                }
                server.hub.publish(batch)
                for event in batch { #expect(try await fast.nextEvent().id == String(event.id)) }
                head += 10
            }
            // The stalled socket's writes run on its own event loop: the drop may land a moment after the last event.
            try await eventually("the slow-consumer drop") { server.hub.statistics.slowConsumerDrops >= 1 }
            let statistics = server.hub.statistics
            #expect(statistics.slowConsumerDrops == 1)
            #expect(statistics.subscribersByTopic["system"] == 1, "the stalled subscriber is gone, the fast one stays")
            // The server closed the stalled socket: reading it again reaches the end.
            // (It may already have seen the close; reading is only needed to reach it otherwise.)
            try? await stalled.channel.setOption(.autoRead, value: true).get()
            try await eventually("the server to close the stalled socket") { !stalled.channel.isActive }
        }
    }

    @Test func requestsPipelinedBehindAStreamRequestAreAnsweredInOrder() async throws {
        // A stream request is answered outside Hummingbird's connection task (`StreamConnectionHandler`): requests
        // that arrive behind it wait and are then served, whether it was the connection's first request or not.
        try await TestServer.with { client, server in
            let port = try #require(client.port)
            let stream = "/api/v1/stream?topics=nope"  // answered 400 by the stream route
            for before in [[], ["/health"]] {
                let paths = before + [stream, "/health", stream, stream, "/health"]
                let statuses = try await within(10) {
                    try await pipelinedStatuses(port: port, paths: paths, token: server.adminToken)
                }
                #expect(statuses == paths.map { $0 == stream ? .badRequest : .ok }, "after \(before)")
            }
        }
    }

    @Test func aWebSocketUpgradeToTheStreamRouteIsRefusedAtOnce() async throws {
        // An upgrade never reaches `StreamConnectionHandler`; the connection must not wait for its decision (it
        // hung before `FirstRequestSignal` read the head for an `Upgrade` header).
        try await TestServer.with { client, server in
            let port = try #require(client.port)
            let upgrade = [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Version", "13"),
            ]
            let statuses = try await within(10) {
                try await pipelinedStatuses(
                    port: port, paths: ["/api/v1/stream?topics=bots"], token: server.adminToken, headers: upgrade)
            }
            #expect(statuses == [.badRequest])
        }
    }

    @Test func snapshotThenDeltasHasNoSeamUnderConcurrentWrites() async throws {
        try await TestServer.with { client, server in
            let botId = try await client.createBot()
            let writer = Task {
                for index in 0..<40 {
                    try await client.call(
                        .post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"w\#(index)"}"#)
                }
            }
            try await Task.sleep(for: .milliseconds(20))
            let sse = try await client.sse("/api/v1/stream?topics=logs&snapshot=bots_page")
            defer { Task { await sse.close() } }
            let snapshot = try await sse.nextEvent()
            #expect(snapshot.event == "snapshot")
            let snapshotId = try #require(Int64(snapshot.id ?? ""))
            #expect(Self.data(snapshot)["event_id"]?.string == snapshot.id)
            try await writer.value
            let head = server.hub.head
            var expected = snapshotId + 1
            while expected <= head {
                let message = try await sse.nextEvent()
                #expect(message.id == String(expected))
                expected += 1
            }
        }
    }

    // MARK: - Seed-compatible endpoints

    @Test func eventsBotsPushesTheBundleWhenItChanges() async throws {
        try await TestServer.with { client, _ in
            let sse = try await client.sse("/events/bots?token=t")
            defer { Task { await sse.close() } }
            let first = try await sse.nextEvent()
            #expect(first.event == nil)
            #expect(Self.data(first)["bots"]?.array?.count == 0)
            _ = try await client.createBot(name: "one")
            _ = try await client.createBot(name: "two")
            var bundle = Self.data(try await sse.nextEvent())
            if bundle["bots"]?.array?.count == 1 { bundle = Self.data(try await sse.nextEvent()) }
            #expect(bundle["bots"]?.array?.count == 2)
        }
    }

    @Test func eventsAdminLogsSendsBacklogThenLiveLines() async throws {
        try await TestServer.with { client, _ in
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"old"}"#)
            let sse = try await client.sse("/events/admin/logs")
            defer { Task { await sse.close() } }
            #expect(Self.data(try await sse.nextEvent())["message"]?.string == "old")
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"ERROR","message":"new"}"#)
            let live = try await sse.nextEvent()
            #expect(live.event == nil)
            #expect(Self.data(live)["message"]?.string == "new")
        }
    }

    @Test func eventsIntradaySendsTheLatestSnapshotCappedAtLimit() async throws {
        try await TestServer.with { client, _ in
            let signals = (0..<5).map { #"{"symbol":"S\#($0)","side":"BUY","confidence":0.9}"# }.joined(separator: ",")
            let reply = try await client.call(
                .post, "/api/v1/events",
                json: #"{"topic":"intraday","type":"intraday_snapshot","data":{"signals":[\#(signals)]}}"#)
            #expect(reply.status == .created)
            let sse = try await client.sse("/events/intraday?limit=3")
            defer { Task { await sse.close() } }
            #expect(Self.data(try await sse.nextEvent())["signals"]?.array?.count == 3)
            try await client.call(
                .post, "/api/v1/events", json: #"{"topic":"intraday","type":"intraday_snapshot","data":{"signals":[]}}"#
            )
            #expect(Self.data(try await sse.nextEvent())["signals"]?.array?.count == 0)
        }
    }

    @Test func tradingModelStreamSaysConnectedThenCarriesOnlyThatModel() async throws {
        try await TestServer.with { client, _ in
            let first = try #require(
                try await client.call(.post, "/api/v1/models", json: #"{"name":"m1"}"#).json["id"]?.int)
            let other = try #require(
                try await client.call(.post, "/api/v1/models", json: #"{"name":"m2"}"#).json["id"]?.int)
            let sse = try await client.sse("/api/trading/stream/\(first)")
            defer { Task { await sse.close() } }
            let connected = Self.data(try await sse.nextEvent())
            #expect(connected["type"]?.string == "connected")
            #expect(connected["data"]?["model_id"]?.int == first)
            try await client.call(
                .post, "/api/v1/events", json: #"{"topic":"models.\#(other)","type":"trade","data":{"n":8}}"#)
            try await client.call(
                .post, "/api/v1/events", json: #"{"topic":"models.\#(first)","type":"trade","data":{"n":7}}"#)
            let trade = try await sse.nextEvent()
            #expect(Self.data(trade)["type"]?.string == "trade")
            #expect(Self.data(trade)["data"]?["n"]?.int == 7)
        }
    }

    @Test func publishingRejectsTopicsThatBelongToResources() async throws {
        try await TestServer.with { client, _ in
            let reply = try await client.call(
                .post, "/api/v1/events", json: #"{"topic":"orders","type":"order_update","data":{}}"#)
            #expect(reply.status == .unprocessableContent)
            let badType = try await client.call(
                .post, "/api/v1/events", json: #"{"topic":"system","type":"Bad Type","data":{}}"#)
            #expect(badType.status == .unprocessableContent)
        }
    }
}
