import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireTestSupport

@testable import TickwireServer
@testable import TickwireStore

/// The findings of the adversarial review (issue 21), each through the public interface.
/// One test at a time: each runs a server with its own database pool, and the other suites already fill the test
/// cluster's connections when they all run at once on PostgreSQL.
@Suite(.serialized) struct HostileInputRouteTests {
    static let engine = EngineConfiguration(tickInterval: .milliseconds(20))

    @Test func botAndModelConfigsTheEngineCannotRunAreRefusedAndTheServerStaysUp() async throws {
        try await TestServer.with(engine: Self.engine) { client, server in
            let (_, key) = try await server.makeUser("mallory")
            let user = client.using(key)
            let bot = try await user.call(
                .post, "/api/v1/bots",
                json:
                    #"{"name":"x","ticker":"BTC/USDT","exchange":"paper","strategy":"sma","config":{"fast":1e19},"status":"ACTIVE"}"#
            )
            #expect(bot.status == .unprocessableContent)
            #expect(bot.text.contains("config.fast"))
            let model = try await user.call(
                .post, "/api/v1/models", json: #"{"name":"m","config":{"max_decisions":1e19}}"#)
            #expect(model.status == .unprocessableContent)
            #expect(
                try await user.call(.post, "/api/v1/models", json: #"{"name":"m","config":{"decision_interval_ms":1}}"#)
                    .status == .unprocessableContent)
            // A bot on another exchange is an external process's: its config is its own business.
            let external = try await user.call(
                .post, "/api/v1/bots",
                json: #"{"name":"x","ticker":"BTC/USDT","exchange":"binance","strategy":"mine","config":{"fast":1e19}}"#
            )
            #expect(external.status == .created)
            // A valid bot patched into an invalid config is refused too.
            let id = try #require(
                try await user.call(
                    .post, "/api/v1/bots",
                    json: #"{"name":"y","ticker":"BTC/USDT","exchange":"paper","strategy":"sma","status":"ACTIVE"}"#
                ).json["id"]?.int)
            #expect(
                try await user.call(.patch, "/api/v1/bots/\(id)", json: #"{"config":{"slow":-3}}"#).status
                    == .unprocessableContent)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    /// A bot stored with a config the engine cannot run (as if written before validation existed, or by another
    /// version): the engine marks it ERROR with a log line saying why and carries on, on either database.
    @Test func aStoredBotTheEngineCannotRunGoesToErrorAndTheServerStaysUp() async throws {
        try await TestServer.with(engine: Self.engine) { client, server in
            let bad = try await server.store.createBot(
                NewBot(
                    name: "poisoned", ticker: "BTC/USDT", exchange: "paper", strategy: "sma",
                    config: ["fast": .number(1e19)], status: .active), at: .init(milliseconds: 0)
            ).value
            try await eventually("the bot to be marked ERROR") {
                server.publisher.published.contains {
                    $0.botId == bad.id && $0.type == .botUpdated && $0.data.contains("\"ERROR\"")
                }
            }
            // The log line is the engine's next write, after the status.
            try await eventually("the log line saying why") {
                server.publisher.published.contains {
                    $0.botId == bad.id && $0.topic == .logs && $0.data.contains("config.fast")
                }
            }
            let logs = try await client.call(.get, "/api/v1/logs?bot_id=\(bad.id)").json["data"]?.array ?? []
            #expect(logs.contains { $0["message"]?.string?.contains("config.fast") == true })
            // It cannot be switched back on until its config is one the engine can run.
            #expect(try await client.call(.post, "/api/v1/bots/\(bad.id)/toggle").status == .unprocessableContent)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test func aDemotedAdminsStreamsEndWithinASecond() async throws {
        try await TestServer.with { client, server in
            let (user, key) = try await server.makeUser("dana", role: .admin)
            let stream = try await client.using(key).sse("/api/v1/stream?topics=admin.logs")
            defer { Task { await stream.close() } }
            _ = try await stream.next()
            let seed = try await client.using(key).sse("/events/admin/logs")
            defer { Task { await seed.close() } }
            _ = try await seed.next()
            #expect(try await client.call(.patch, "/api/v1/users/\(user.id)", json: #"{"role":"user"}"#).status == .ok)
            for sse in [stream, seed] {
                let closed = try await sse.nextEvent(timeout: 3)
                #expect(closed.event == "close")
                #expect(closed.data?.contains("role_changed") == true)
            }
            // The same credentials still work, with the rights the user has now.
            let again = try await client.using(key).call(.get, "/api/v1/stream?topics=admin.logs")
            #expect(again.status == .forbidden || again.status == .notFound)
            #expect(try await client.using(key).call(.get, "/api/v1/bots").status == .ok)
        }
    }

    @Test func onlyAdminsAndPriceKeysRecordPricesAndOnlyNearNow() async throws {
        try await TestServer.with { client, server in
            let (user, key) = try await server.makeUser("erin")
            let body = #"{"ticker":"BTC/USDT","exchange":"binance","price":0.01,"timestamp":"9999-12-31T23:59:59Z"}"#
            let refused = try await client.using(key).call(.post, "/api/v1/prices", json: body)
            #expect(refused.status == .forbidden)
            // A far-future timestamp is recorded at the server's clock, so the next real price replaces it.
            let farFuture = try await client.call(.post, "/api/v1/prices", json: body)
            #expect(farFuture.status == .created)
            #expect(farFuture.json["timestamp"]?.string?.hasPrefix("9999") == false)
            try await Task.sleep(for: .milliseconds(5))
            _ = try await client.call(
                .post, "/api/v1/prices", json: #"{"ticker":"BTC/USDT","exchange":"binance","price":100}"#)
            #expect(try await client.call(.get, "/api/v1/prices").json["data"]?[0]?["price"]?.number == 100)
            let (_, feed) = try await server.accounts.createAPIKey(
                for: user.id, NewAPIKey(name: "feed", scopes: [.prices]))
            let recorded = try await client.using(feed).call(
                .post, "/api/v1/prices", json: #"{"ticker":"BTC/USDT","exchange":"binance","price":100}"#)
            #expect(recorded.status == .created)
            // The prices scope writes prices and nothing else.
            #expect(try await client.using(feed).call(.post, "/api/v1/bots", json: "{}").status == .forbidden)
        }
    }

    @Test func concurrentWrongPasswordsAreCountedBeforeTheyAreChecked() async throws {
        try await TestServer.with { client, _ in
            let anonymous = client.using(nil)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<18 {
                    group.addTask {
                        try await anonymous.call(
                            .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong-password"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 13)
        }
    }

    @Test func disablingAndChangingThePasswordInOnePatchEndsTheOldSessions() async throws {
        try await TestServer.with { client, server in
            _ = try await server.makeUser("fred")
            let login = try await client.using(nil).call(
                .post, "/api/v1/auth/login", json: #"{"username":"fred","password":"\#(TestServer.password)"}"#)
            let refresh = try #require(login.json["refresh_token"]?.string)
            let id = try #require(login.json["user"]?["id"]?.int)
            let patch = #"{"disabled":true,"password":"another password"}"#
            #expect(try await client.call(.patch, "/api/v1/users/\(id)", json: patch).status == .ok)
            #expect(try await client.call(.patch, "/api/v1/users/\(id)", json: #"{"disabled":false}"#).status == .ok)
            let refreshed = try await client.using(nil).call(
                .post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(refresh)"}"#)
            #expect(refreshed.status == .unauthorized)
        }
    }

    @Test func aCookieChangeFromAnotherOriginIsRefused() async throws {
        try await TestServer.with { client, _ in
            let login = try await client.using(nil).call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            let port = try #require(client.port)
            let bot = try await client.createBot()
            let foreign = try await client.using(nil).call(
                .post, "/api/v1/bots/\(bot)/toggle", headers: [.cookie: cookie, .origin: "http://127.0.0.1:1"])
            #expect(foreign.status == .forbidden)
            #expect(foreign.errorCode == "cross_origin")
            let crossSite = try await client.using(nil).call(
                .post, "/api/v1/bots/\(bot)/toggle",
                headers: [.cookie: cookie, CrossOrigin.secFetchSite: "same-site"])
            #expect(crossSite.status == .forbidden)
            let own = try await within(5) {
                try await rawExchange(
                    port: port,
                    "POST /api/v1/bots/\(bot)/toggle HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                        + "Origin: http://127.0.0.1:\(port)\r\nCookie: \(cookie)\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n")
            }
            #expect(own.hasPrefix("HTTP/1.1 200"))
            let noOrigin = try await client.using(nil).call(
                .post, "/api/v1/bots/\(bot)/toggle", headers: [.cookie: cookie])
            #expect(noOrigin.status == .ok, "not a browser: nothing to forge")
        }
    }

    @Test func limitsCountCodePointsAndTickersHaveAPlainAlphabet() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            let message = "e" + String(repeating: "\u{301}", count: 10_000)  // one character, 10,001 code points
            let log = try await client.call(
                .post, "/api/v1/logs", json: #"{"bot_id":\#(bot),"level":"INFO","message":"\#(message)"}"#)
            #expect(log.status == .unprocessableContent)
            let combining = "e" + String(repeating: "\u{301}", count: 100)  // one character
            let price = try await client.call(
                .post, "/api/v1/prices", json: #"{"ticker":"\#(combining)","exchange":"x","price":1}"#)
            #expect(price.status == .unprocessableContent)
            #expect(
                try await client.call(.post, "/api/v1/prices", json: #"{"ticker":"BRK.B","exchange":"x","price":1}"#)
                    .status == .created)
        }
    }

    @Test func signedInUsersAreRateLimitedToo() async throws {
        var configuration = ServerConfiguration()
        configuration.auth.requestsPerSecond = 0.1
        configuration.auth.requestBurst = 3
        try await TestServer.with(configuration: configuration) { client, _ in
            let login = try await client.using(nil).call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            let access = try #require(login.json["access_token"]?.string)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.using(access).call(.get, "/api/v1/bots").status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
        }
    }

    @Test func silentAndIdleConnectionsAreClosed() async throws {
        var configuration = ServerConfiguration()
        // Generous against a loaded machine (tests run in parallel): a request must not be cut before it is read.
        configuration.firstRequestHeadTimeout = .seconds(1)
        configuration.idleTimeout = .seconds(2)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.webSocketPingInterval = .milliseconds(200)
        try await TestServer.with(configuration: configuration) { client, server in
            let port = try #require(client.port)
            // Sends nothing, half a WebSocket head, or half of any other head: closed by the head deadline.
            for opening in ["", "GET /api/v1/ws/app HTTP/1.1\r\n", "GET /health HTTP/1.1\r\nHost: x\r\n"] {
                let silent = try await within(10) { try await rawExchange(port: port, opening) }
                #expect(silent.isEmpty)
            }
            // One request answered, then silence on the kept-alive connection: closed by the idle guard.
            let answered = try await within(10) {
                try await rawExchange(port: port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            }
            #expect(answered.hasPrefix("HTTP/1.1 200"))
            // A stream writes heartbeats: it outlives the idle timeout.
            let stream = try await client.sse("/api/v1/stream?topics=bots")
            defer { Task { await stream.close() } }
            try await Task.sleep(for: .milliseconds(2500))
            // (The test client's own kept-alive connection has been closed as idle meanwhile: write to the store.)
            _ = try await server.store.createBot(
                NewBot(name: "late", ticker: "BTC/USDT", exchange: "binance", strategy: "sma"),
                at: .init(milliseconds: 0))
            #expect(try await stream.nextEvent(timeout: 5).event == "bot_created")
        }
    }

    @Test func controlCharactersInPathsAreRefused() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "<html></html>".write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration()
        configuration.publicDirectory = folder.path
        try await TestServer.with(configuration: configuration) { client, _ in
            let poisoned = try await client.call(.get, "/index.html%00.png")
            #expect(poisoned.status == .notFound)
            #expect(poisoned.errorCode == "not_found")
            #expect(poisoned.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try await client.call(.get, "/index.html").status == .ok)
        }
    }

    @Test func databaseURLsArePrintedWithoutTheirPassword() {
        #expect(
            PostgresStore.redacted(url: "postgres://tw:s3cret@db:5432/tickwire") == "postgres://tw:***@db:5432/tickwire"
        )
        #expect(PostgresStore.redacted(url: "postgresql://a:b:c@h/d?x=@") == "postgresql://a:***@h/d?x=@")
        #expect(PostgresStore.redacted(url: "postgres://tw@db/tickwire") == "postgres://tw@db/tickwire")
        #expect(PostgresStore.redacted(url: "./tickwire.db") == "./tickwire.db")
    }

    /// A client that sends pings and never reads the pongs: the server stops reading it once its answers back up,
    /// so what the client can push in is bounded by the sockets' buffers, not by the server's memory.
    @Test func aPingFloodThatNeverReadsIsNotReadEither() async throws {
        try await TestServer.with { client, server in
            let port = try #require(client.port)
            let flooder = try await StalledClient.connectWebSocket(
                port: port, token: server.adminToken, subscribe: #"{"type":"ping"}"#)
            defer { Task { await flooder.close() } }
            let mask: [UInt8] = [1, 2, 3, 4]
            var chunk = ByteBuffer()
            for _ in 0..<8_000 {
                chunk.writeBytes([0x89, 0x80 | 125] + mask)
                chunk.writeBytes([UInt8](repeating: 0x55, count: 125))
            }
            var written = 0
            let cap = 48 << 20
            while written < cap {
                let done = Flag()
                flooder.channel.writeAndFlush(chunk).whenComplete { _ in done.set() }
                let deadline = ContinuousClock.now + .seconds(3)
                while !done.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                if !done.isSet { break }  // the server stopped reading
                written += chunk.readableBytes
            }
            #expect(written < 24 << 20, "the server kept reading: \(written) bytes of pings taken")
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    /// The watcher that closes revoked credentials' streams, dropped by the hub as a slow consumer (a burst of
    /// `auth` events larger than a subscriber's queue), subscribes again: a later revocation still closes streams.
    @Test func theRevocationWatcherSurvivesBeingDroppedAsASlowConsumer() async throws {
        try await TestServer.with(hub: HubConfiguration(historySize: 4096, maxQueuedEvents: 8)) { client, server in
            let (user, key) = try await server.makeUser("gina")
            let burst = (0..<64).map { _ in
                EventDraft.credentialsRevoked(Revocation(userId: 999_999, target: .user))
            }
            _ = try await server.store.appendEvents(burst, at: .init(milliseconds: 0))
            try await eventually("the watcher to be dropped") { server.hub.statistics.slowConsumerDrops >= 1 }
            let keyId = String(key.split(separator: "_")[1])
            let stream = try await client.using(key).sse("/api/v1/stream?topics=bots")
            defer { Task { await stream.close() } }
            _ = try await stream.next()
            #expect(try await client.call(.delete, "/api/v1/keys/\(keyId)").status == .ok)
            let closed = try await stream.nextEvent(timeout: 3)
            #expect(closed.event == "close")
            _ = user
        }
    }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
