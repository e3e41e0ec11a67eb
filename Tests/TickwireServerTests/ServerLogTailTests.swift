import Foundation
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TickwireModel
import TickwireTestSupport

@testable import TickwireServer

/// The server's own log lines for the admin tail: the ring as a value, the handler that feeds it, and the two routes.
@Suite struct ServerLogTailTests {
    static let time = Timestamp(secondsSince1970: 1_700_000_000)

    @Test func keepsTheNewestLinesNumberedInOrder() {
        let tail = ServerLogTail(capacity: 3)
        for index in 1...5 { tail.append(level: .info, label: "t", message: "line \(index)", at: Self.time) }
        #expect(tail.recent().map(\.message) == ["line 3", "line 4", "line 5"])
        #expect(tail.recent().map(\.seq) == [3, 4, 5])
        #expect(tail.recent(limit: 1).map(\.message) == ["line 5"])
    }

    @Test func filtersByLevelAndWatchesWithoutGapsOrRepeats() {
        let tail = ServerLogTail()
        tail.append(level: .debug, label: "t", message: "quiet", at: Self.time)
        tail.append(level: .error, label: "t", message: "loud", at: Self.time)
        let seen = Mutex<[String]>([])
        let watched = tail.watch(level: .warning, backlog: 10) { line in
            seen.withLock { $0.append(line.message) }
            return true
        }
        #expect(watched.lines.map(\.message) == ["loud"])
        tail.append(level: .info, label: "t", message: "below", at: Self.time)
        tail.append(level: .critical, label: "t", message: "after", at: Self.time)
        #expect(seen.withLock { $0 } == ["after"])
        watched.stop()
        tail.append(level: .critical, label: "t", message: "unwatched", at: Self.time)
        #expect(seen.withLock { $0 } == ["after"])
        #expect(tail.watcherCount == 0)
    }

    @Test func aWatcherThatWantsNoMoreIsDropped() {
        let tail = ServerLogTail()
        _ = tail.watch(level: .trace, backlog: 0) { _ in false }
        #expect(tail.watcherCount == 1)
        tail.append(level: .info, label: "t", message: "one", at: Self.time)
        #expect(tail.watcherCount == 0)
        // One whose connection ended while nothing was logged goes when the next registers.
        let ended = Mutex(false)
        _ = tail.watch(level: .trace, backlog: 0, alive: { !ended.withLock { $0 } }) { _ in true }
        ended.withLock { $0 = true }
        _ = tail.watch(level: .trace, backlog: 0) { _ in true }
        #expect(tail.watcherCount == 1)
    }

    @Test func theHandlerKeepsWhatTheLoggerLetsThroughWithItsMetadata() throws {
        let tail = ServerLogTail()
        var logger = Logger(label: "tickwire.test") { label in
            TailingLogHandler(label: label, tail: tail, inner: Discard())
        }
        logger.logLevel = .notice
        logger[metadataKey: "node"] = "a"
        logger.info("dropped by the logger's level")
        logger.warning("kept", metadata: ["bot_id": "7"])
        let line = try #require(tail.recent().first)
        #expect(tail.recent().count == 1)
        #expect(line.level == .warning && line.label == "tickwire.test" && line.message == "kept")
        #expect(line.metadata == ["node": "a", "bot_id": "7"])
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(line.json.utf8))
        #expect(json["source"]?.string == "server" && json["level"]?.string == "WARNING")
        #expect(json["metadata"]?["bot_id"]?.string == "7")
    }

    @Test func theAdminTailOffersServerLinesByLevelBesideBotsLines() async throws {
        try await TestServer.with { client, server in
            server.logger.warning("before the tail opened")
            server.logger.error("an error before")
            let serverOnly = try await client.sse("/events/admin/logs?source=server&level=error")
            defer { Task { await serverOnly.close() } }
            let backlog = StreamTests.data(try await serverOnly.nextEvent())
            #expect(backlog["source"]?.string == "server" && backlog["message"]?.string == "an error before")
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"ERROR","message":"a bot's error"}"#)
            server.logger.warning("below the tail's level")
            server.logger.critical("live", metadata: ["why": "test"])
            let live = try await serverOnly.nextEvent()
            #expect(live.id == nil && live.event == nil)
            #expect(StreamTests.data(live)["message"]?.string == "live")
            #expect(StreamTests.data(live)["metadata"]?["why"]?.string == "test")

            let both = try await client.sse("/events/admin/logs?level=error")
            defer { Task { await both.close() } }
            var messages: [String] = []
            for _ in 0..<3 { messages.append(StreamTests.data(try await both.nextEvent())["message"]?.string ?? "") }
            #expect(messages == ["a bot's error", "an error before", "live"])
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"a bot's info"}"#)
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"ERROR","message":"a bot's second error"}"#)
            let next = try await both.nextEvent()
            #expect(next.id != nil && StreamTests.data(next)["message"]?.string == "a bot's second error")

            let page = try await client.call(.get, "/api/v1/admin/server-logs?level=warning&limit=2")
            #expect(
                page.json["data"]?.array?.compactMap { $0["message"]?.string } == ["below the tail's level", "live"])
            let user = try await server.makeUser("watcher")
            #expect(try await client.using(user.token).call(.get, "/api/v1/admin/server-logs").status == .forbidden)
            #expect(
                try await client.using(user.token).call(.get, "/events/admin/logs?source=server").status == .forbidden)
            #expect(try await client.call(.get, "/events/admin/logs?level=loud").errorCode == "invalid_parameter")
            #expect(try await client.call(.get, "/events/admin/logs?source=disk").errorCode == "invalid_parameter")
        }
    }
    @Test func theMultiplexedStreamCarriesServerLinesForAdminLogs() async throws {
        try await TestServer.with { client, server in
            let sse = try await client.sse("/api/v1/stream?topics=admin.logs")
            defer { Task { await sse.close() } }
            server.logger.error("on the stream")
            let line = try await sse.nextEvent()
            #expect(line.event == "server_log" && line.id == nil)
            #expect(StreamTests.data(line)["topic"]?.string == "admin.logs")
            #expect(StreamTests.data(line)["data"]?["message"]?.string == "on the stream")
            try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"a bot's line"}"#)
            let event = try await sse.nextEvent()
            #expect(event.event == "log_created" && event.id != nil)
        }
    }

    @Test func aWebSocketGetsServerLinesOnlyWhileSubscribedToAdminLogs() async throws {
        try await TestServer.with { client, server in
            let port = try #require(client.port)
            let token = try #require(client.token)
            let received = Mutex<[JSONValue]>([])
            _ = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                    logger: WebSocketTests.logger
                ) { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    func next() async throws -> JSONValue {
                        guard case .text(let text)? = try await messages.next() else { throw TestFailure("closed") }
                        let message = WebSocketTests.json(text)
                        received.withLock { $0.append(message) }
                        return message
                    }
                    try await outbound.write(.text(#"{"type":"subscribe","topics":["logs"]}"#))
                    _ = try await next()
                    server.logger.error("before admin.logs")
                    try await outbound.write(.text(#"{"type":"subscribe","topics":["admin.logs"]}"#))
                    _ = try await next()
                    server.logger.error("after admin.logs")
                    try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"a bot's line"}"#)
                    _ = try await next()
                    _ = try await next()
                    try await outbound.write(.text(#"{"type":"unsubscribe","topics":["admin.logs"]}"#))
                    _ = try await next()
                    server.logger.error("after unsubscribing")
                    try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"the last"}"#)
                    _ = try await next()
                    try await outbound.close(.normalClosure, reason: "done")
                }
            }
            let messages = received.withLock { $0 }
            #expect(
                messages.map { $0["type"]?.string ?? "" } == [
                    "subscribed", "subscribed", "server_log", "log_created", "unsubscribed", "log_created",
                ])
            #expect(messages[2]["data"]?["message"]?.string == "after admin.logs")
            #expect(messages[5]["data"]?["message"]?.string == "the last")
        }
    }
}

/// A handler that writes nowhere but keeps its level and metadata (swift-log's no-op handler keeps neither).
private struct Discard: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {}
}
