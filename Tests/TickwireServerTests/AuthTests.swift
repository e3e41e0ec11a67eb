import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TickwireModel
import TickwireService

@testable import TickwireServer

/// Credentials, ownership and stream authorization, through real HTTP, SSE and WebSocket clients.
@Suite struct AuthTests {
    /// A token signed with the server's key (read from the database) but already expired, and one signed with a
    /// different key.
    static func forgedTokens(_ server: TestServer, userId: Int64) async throws -> (expired: String, wrongKey: String) {
        let key = try #require(try await server.store.setting(TokenIssuer.settingKey))
        let (session, _) = try await server.accounts.createSession(
            for: try await server.store.user(id: userId), lifetime: .seconds(3600))
        let past = await TokenIssuer(
            secret: key, clock: { Timestamp(milliseconds: WallClock.now().milliseconds - 7_200_000) })
        let expired = try await past.issue(
            .access, userId: userId, credentialId: session.id, isSession: true, lifetime: .seconds(60)
        ).token
        let other = await TokenIssuer(secret: String(repeating: "k", count: 64), clock: WallClock.now)
        let wrongKey = try await other.issue(
            .access, userId: userId, credentialId: session.id, isSession: true, lifetime: .seconds(600)
        ).token
        return (expired, wrongKey)
    }

    @Test func everyProtectedRouteRefusesMissingMalformedExpiredAndForgedCredentials() async throws {
        try await TestServer.with { client, server in
            let (expired, wrongKey) = try await Self.forgedTokens(server, userId: 1)
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/api/v1/bots"), (.post, "/api/v1/bots"), (.get, "/api/v1/bots/1"), (.patch, "/api/v1/bots/1"),
                (.delete, "/api/v1/bots/1"), (.post, "/api/v1/bots/1/toggle"), (.post, "/api/v1/bots/1/orders"),
                (.get, "/api/v1/bots/1/pnl"), (.get, "/api/v1/bots/page"), (.get, "/api/v1/orders"),
                (.get, "/api/v1/orders/1"), (.patch, "/api/v1/orders/1"), (.get, "/api/v1/logs"),
                (.post, "/api/v1/logs"), (.get, "/api/v1/prices"), (.post, "/api/v1/prices"),
                (.get, "/api/v1/prices/history?ticker=X"), (.post, "/api/v1/events"), (.get, "/api/v1/users"),
                (.post, "/api/v1/users"), (.patch, "/api/v1/users/1"), (.get, "/api/v1/keys"), (.post, "/api/v1/keys"),
                (.delete, "/api/v1/keys/x"), (.get, "/api/v1/models"), (.post, "/api/v1/models"),
                (.get, "/api/v1/models/1"), (.get, "/api/v1/auth/me"), (.post, "/api/v1/auth/stream-token"),
                (.get, "/api/v1/stream?topics=bots"), (.get, "/events/bots"), (.get, "/events/admin/logs"),
                (.get, "/events/intraday"), (.get, "/api/trading/stream/1"),
            ]
            let cases: [(HTTPFields, String)] = [
                ([:], "unauthenticated"),
                ([.authorization: "Bearer not-a-token"], "invalid_token"),
                (
                    [.authorization: "Bearer twk_0123456789abcdef_" + String(repeating: "0", count: 64)],
                    "invalid_credentials"
                ),
                ([.authorization: "Bearer \(expired)"], "token_expired"),
                ([.authorization: "Bearer \(wrongKey)"], "invalid_token"),
                (
                    [.cookie: "tickwire_session=tws_0123456789abcdef_" + String(repeating: "0", count: 64)],
                    "session_expired"
                ),
            ]
            let anonymous = client.using(nil)
            for (method, path) in routes {
                for (headers, code) in cases {
                    let reply = try await anonymous.call(
                        method, path, json: method == .get ? nil : "{}", headers: headers)
                    #expect(reply.status == .unauthorized, "\(method) \(path) with \(headers)")
                    #expect(reply.errorCode == code, "\(method) \(path): \(reply.text)")
                    #expect(reply.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            // Public routes stay public, even with a stale cookie.
            #expect(try await anonymous.call(.get, "/health").status == .ok)
            #expect(try await anonymous.call(.get, "/api/v1/openapi.yaml").status == .ok)
        }
    }

    @Test func loginSetsAStrictCookieAndReturnsTokensThatWork() async throws {
        try await TestServer.with { client, server in
            let anonymous = client.using(nil)
            let login = try await anonymous.call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            #expect(login.status == .ok)
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.contains("tickwire_session=tws_"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            let access = try #require(login.json["access_token"]?.string)
            let refresh = try #require(login.json["refresh_token"]?.string)
            #expect(login.json["token_type"]?.string == "Bearer")
            #expect(login.json["expires_in"]?.int == 900)

            let sessionValue = String(cookie.split(separator: ";")[0])
            let viaCookie = try await anonymous.call(.get, "/api/v1/auth/me", headers: [.cookie: sessionValue])
            #expect(viaCookie.json["credential"]?.string == "session")
            let viaToken = try await client.using(access).call(.get, "/api/v1/auth/me")
            #expect(viaToken.json["credential"]?.string == "access_token")
            #expect(viaToken.json["user"]?["username"]?.string == "admin")

            let refreshed = try await anonymous.call(
                .post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(refresh)"}"#)
            #expect(refreshed.status == .ok)
            let newAccess = try #require(refreshed.json["access_token"]?.string)

            // Logging out ends the session: its cookie, its refresh token and every access token derived from it.
            #expect(try await client.using(newAccess).call(.post, "/api/v1/auth/logout").status == .noContent)
            #expect(try await client.using(access).call(.get, "/api/v1/auth/me").errorCode == "session_expired")
            #expect(
                try await anonymous.call(.get, "/api/v1/auth/me", headers: [.cookie: sessionValue]).status
                    == .unauthorized)
            #expect(
                try await anonymous.call(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(refresh)"}"#)
                    .status
                    == .unauthorized)
            _ = server
        }
    }

    @Test func loginAttemptsAreRateLimitedPerAccount() async throws {
        try await TestServer.with { client, _ in
            let anonymous = client.using(nil)
            for _ in 0..<5 {
                let wrong = try await anonymous.call(
                    .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong-password"}"#)
                #expect(wrong.status == .unauthorized)
                #expect(wrong.errorCode == "invalid_credentials")
            }
            // Blocked now, even with the right password.
            let blocked = try await anonymous.call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "too_many_attempts")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test func usersSeeAndChangeOnlyTheirOwnData() async throws {
        try await TestServer.with { client, server in
            let (_, aliceKey) = try await server.makeUser("alice")
            let (_, bobKey) = try await server.makeUser("bob")
            let alice = client.using(aliceKey)
            let bob = client.using(bobKey)
            let aliceBot = try await alice.createBot(name: "a")
            let bobBot = try await bob.createBot(name: "b")
            let order = try await alice.call(
                .post, "/api/v1/bots/\(aliceBot)/orders", json: #"{"side":"buy","type":"market","quantity":1}"#)
            let orderId = try #require(order.json["id"]?.int)
            try await alice.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(aliceBot),"level":"INFO","message":"a"}"#)

            // Lists hold only one's own; another user's ids answer 404, like ids that do not exist.
            #expect(try await bob.call(.get, "/api/v1/bots").json["data"]?.array?.map { $0["id"]?.int } == [bobBot])
            #expect(try await bob.call(.get, "/api/v1/orders").json["data"]?.array?.count == 0)
            #expect(try await bob.call(.get, "/api/v1/logs").json["data"]?.array?.count == 0)
            #expect(try await bob.call(.get, "/api/v1/bots/page").json["bots"]?.array?.count == 1)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/api/v1/bots/\(aliceBot)", nil),
                (.patch, "/api/v1/bots/\(aliceBot)", #"{"name":"mine"}"#),
                (.delete, "/api/v1/bots/\(aliceBot)", nil),
                (.post, "/api/v1/bots/\(aliceBot)/toggle", nil),
                (.post, "/api/v1/bots/\(aliceBot)/orders", #"{"side":"buy","type":"market","quantity":1}"#),
                (.get, "/api/v1/bots/\(aliceBot)/pnl", nil),
                (.get, "/api/v1/orders/\(orderId)", nil),
                (.patch, "/api/v1/orders/\(orderId)", #"{"status":"CANCELED"}"#),
                (.post, "/api/v1/logs", #"{"bot_id":\#(aliceBot),"level":"INFO","message":"x"}"#),
            ] as [(HTTPRequest.Method, String, String?)] {
                let reply = try await bob.call(method, path, json: body)
                #expect(reply.status == .notFound, "\(method) \(path): \(reply.status)")
            }
            #expect(try await alice.call(.get, "/api/v1/bots/\(aliceBot)").json["name"]?.string == "a")
            // Admins see everything; users cannot reach admin routes or publish system events.
            #expect(try await client.call(.get, "/api/v1/bots").json["data"]?.array?.count == 2)
            #expect(try await bob.call(.get, "/api/v1/users").status == .forbidden)
            #expect(
                try await bob.call(.post, "/api/v1/events", json: #"{"topic":"system","type":"x","data":{}}"#).status
                    == .forbidden)
        }
    }

    @Test func streamsCarryOnlyTheSubscribersOwnEvents() async throws {
        try await TestServer.with { client, server in
            let (_, aliceKey) = try await server.makeUser("alice")
            let (_, bobKey) = try await server.makeUser("bob")
            let alice = client.using(aliceKey)
            let bob = client.using(bobKey)
            let sse = try await bob.sse("/api/v1/stream?topics=bots,logs")
            defer { Task { await sse.close() } }
            _ = try await sse.next()
            _ = try await alice.createBot(name: "alice-bot")
            let bobBot = try await bob.createBot(name: "bob-bot")
            let event = try await sse.nextEvent()
            #expect(event.event == "bot_created")
            #expect(event.data?.contains("bob-bot") == true)
            #expect(event.data?.contains("\"id\":\(bobBot)") == true)

            // WebSocket: same filtering.
            let received = Mutex<[String]>([])
            let port = try #require(client.port)
            _ = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(bobKey)"]),
                    logger: Logger(label: "ws")
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"subscribe","topics":["bots"]}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        received.withLock { $0.append(text) }
                        if text.contains("subscribed") {
                            _ = try await alice.createBot(name: "alice-2")
                            _ = try await bob.createBot(name: "bob-2")
                        }
                        if text.contains("bot_created") {
                            try await outbound.close(.normalClosure, reason: "done")
                            return
                        }
                    }
                }
            }
            let texts = received.withLock { $0 }
            #expect(texts.count == 2)
            #expect(texts.last?.contains("bob-2") == true)

            // Seed endpoints: a user's bots bundle holds only their bots; admin streams refuse users; another
            // user's model is not found.
            let bundle = try await bob.sse("/events/bots")
            defer { Task { await bundle.close() } }
            let first = try await bundle.nextEvent()
            #expect(first.data?.contains("bob-bot") == true)
            #expect(first.data?.contains("alice-bot") == false)
            #expect(try await bob.call(.get, "/events/admin/logs").status == .forbidden)
            #expect(try await bob.call(.get, "/api/v1/stream?topics=admin.logs").status == .forbidden)
            let model = try #require(
                try await alice.call(.post, "/api/v1/models", json: #"{"name":"m"}"#).json["id"]?.int)
            #expect(try await bob.call(.get, "/api/trading/stream/\(model)").status == .notFound)
            #expect(try await bob.call(.get, "/api/v1/stream?topics=models.\(model)").status == .notFound)
        }
    }

    @Test func streamTokensAreShortLivedAndBoundToTheirTopics() async throws {
        var configuration = ServerConfiguration()
        configuration.auth.streamTokenLifetime = .seconds(2)
        try await TestServer.with(configuration: configuration) { client, server in
            // A fresh token for each check, so that none expires on a loaded machine before it is used.
            @Sendable func freshToken() async throws -> String {
                let issued = try await client.call(.post, "/api/v1/auth/stream-token", json: #"{"topics":["logs"]}"#)
                #expect(issued.status == .created)
                return try #require(issued.json["access_token"]?.string)
            }
            let anonymous = client.using(nil)
            // Bound to its topics, and good for nothing but streams.
            #expect(
                try await anonymous.call(.get, "/api/v1/stream?topics=bots&token=\(try await freshToken())").errorCode
                    == "topic_not_allowed")
            #expect(
                try await anonymous.call(.get, "/api/v1/bots?token=\(try await freshToken())").errorCode
                    == "insufficient_scope")
            #expect(
                try await client.using(try await freshToken()).call(.get, "/api/v1/bots").errorCode
                    == "insufficient_scope")
            // A long-lived credential in a URL is refused.
            #expect(
                try await anonymous.call(.get, "/api/v1/stream?topics=logs&token=\(server.adminToken)").errorCode
                    == "token_not_allowed_in_url")

            // A token of its own for the stream, so that the 2 s lifetime starts now (the calls above may be slow on a
            // loaded machine).
            let botId = try await client.createBot()
            let streamToken = try #require(
                try await client.call(.post, "/api/v1/auth/stream-token", json: #"{"topics":["logs"]}"#).json[
                    "access_token"]?.string)
            let sse = try await anonymous.sse("/api/v1/stream?topics=logs&token=\(streamToken)")
            _ = try await sse.next()
            try await client.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"one"}"#)
            let one = try await sse.nextEvent()
            #expect(one.event == "log_created")
            // The token expires: the stream ends with auth_expired...
            let closed = try await sse.nextEvent(timeout: 6)
            #expect(closed.event == "close")
            #expect(closed.data?.contains("auth_expired") == true)
            await sse.close()
            // ...and a fresh token resumes from the last id without loss.
            try await client.call(.post, "/api/v1/logs", json: #"{"bot_id":\#(botId),"level":"INFO","message":"two"}"#)
            let fresh = try #require(
                try await client.call(.post, "/api/v1/auth/stream-token", json: #"{"topics":["logs"]}"#).json[
                    "access_token"]?.string)
            let resumed = try await anonymous.sse(
                "/api/v1/stream?topics=logs&token=\(fresh)", headers: [("Last-Event-ID", one.id ?? "0")])
            defer { Task { await resumed.close() } }
            _ = try await resumed.next()
            let two = try await resumed.nextEvent()
            #expect(two.data?.contains("two") == true)
        }
    }

    @Test func revokingAKeyOrDisablingAUserClosesTheirStreams() async throws {
        try await TestServer.with { client, server in
            let (user, key) = try await server.makeUser("carol")
            let keyId = String(key.split(separator: "_")[1])
            let sse = try await client.using(key).sse("/api/v1/stream?topics=bots")
            _ = try await sse.next()
            #expect(try await client.call(.delete, "/api/v1/keys/\(keyId)").status == .ok)
            let closed = try await sse.nextEvent(timeout: 3)
            #expect(closed.event == "close")
            #expect(closed.data?.contains("revoked") == true)
            await sse.close()
            #expect(try await client.using(key).call(.get, "/api/v1/bots").errorCode == "invalid_credentials")

            // Disabling the user closes WebSocket streams too, with 1008 and the reason.
            let (_, second) = try await server.accounts.createAPIKey(for: user.id, NewAPIKey(name: "second"))
            let port = try #require(client.port)
            let close = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app", configuration: .init(), logger: Logger(label: "ws")
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"auth","token":"\#(second)"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        if text.contains("authenticated") {
                            try await outbound.write(.text(#"{"type":"subscribe","topics":["bots"]}"#))
                        }
                        if text.contains("subscribed") {
                            try await client.call(.patch, "/api/v1/users/\(user.id)", json: #"{"disabled":true}"#)
                        }
                    }
                }
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "revoked")
        }
    }

    @Test func webSocketWithoutCredentialsMustAuthenticateFirst() async throws {
        try await TestServer.with { client, _ in
            let port = try #require(client.port)
            let close = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app", configuration: .init(), logger: Logger(label: "ws")
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"subscribe","topics":["bots"]}"#))
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "auth_required")
        }
    }

    @Test func readOnlyKeysCannotWriteAndKeysAreRateLimited() async throws {
        var configuration = ServerConfiguration()
        // A token every 10 s: the four calls below cannot earn one back however slow the machine is.
        configuration.auth.requestsPerSecond = 0.1
        configuration.auth.requestBurst = 3
        try await TestServer.with(configuration: configuration) { client, server in
            let user = try await server.accounts.createUser(NewUser(username: "reader", password: TestServer.password))
            let (_, key) = try await server.accounts.createAPIKey(for: user.id, NewAPIKey(name: "ro", scopes: [.read]))
            let reader = client.using(key)
            #expect(try await reader.call(.get, "/api/v1/bots").status == .ok)
            let write = try await reader.call(
                .post, "/api/v1/bots", json: #"{"name":"x","ticker":"X","exchange":"e","strategy":"s"}"#)
            #expect(write.status == .forbidden)
            #expect(write.errorCode == "insufficient_scope")
            _ = try await reader.call(.get, "/api/v1/bots")
            let limited = try await reader.call(.get, "/api/v1/bots")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect((1...10).contains(limited.headers[.retryAfter].flatMap { Int($0) } ?? 0))
        }
    }

    @Test func secretsAreStoredOnlyAsHashes() async throws {
        try await TestServer.with { client, server in
            let created = try await client.call(.post, "/api/v1/keys", json: #"{"name":"bot"}"#)
            // API keys are created from a session, not by another key.
            #expect(created.status == .forbidden)
            let login = try await client.using(nil).call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            let access = try #require(login.json["access_token"]?.string)
            let key = try await client.using(access).call(
                .post, "/api/v1/keys", json: #"{"name":"bot","scopes":["read"]}"#)
            #expect(key.status == .created)
            let token = try #require(key.json["token"]?.string)
            let id = try #require(key.json["id"]?.string)
            let stored = try #require(try await server.store.apiKeyCredentials(id: id))
            #expect(!stored.secretHash.isEmpty)
            #expect(!token.contains(stored.secretHash))
            #expect(stored.secretHash == Secret.sha256(String(token.split(separator: "_")[2])))
            let credentials = try #require(try await server.store.userCredentials(username: "admin"))
            #expect(credentials.passwordHash.hasPrefix("$2"))
            #expect(!credentials.passwordHash.contains(TestServer.password))
            #expect(try await client.using(token).call(.get, "/api/v1/auth/me").json["credential"]?.string == "api_key")
        }
    }

    @Test func aCookieWebSocketFromAForeignOriginIsRefused() async throws {
        // The Swift client always sends `Origin: ws://127.0.0.1`; allow it, and refuse any other.
        var configuration = ServerConfiguration()
        configuration.auth.corsAllowedOrigins = ["ws://127.0.0.1"]
        try await TestServer.with(configuration: configuration) { client, _ in
            let login = try await client.using(nil).call(
                .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(TestServer.password)"}"#)
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            let port = try #require(client.port)
            let received = Mutex<[String]>([])
            _ = try await within(10) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/ws/app",
                    configuration: .init(additionalHeaders: [.cookie: cookie]),
                    logger: Logger(label: "ws")
                ) { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { received.withLock { $0.append(text) } }
                        try await outbound.close(.normalClosure, reason: "done")
                    }
                }
            }
            #expect(received.withLock { $0 } == [#"{"type":"pong"}"#])

            // Fresh connections (the upgrade is only parsed on one): the same handshake is switched from an allowed
            // origin and refused with the router's 403 from a page of another site.
            func handshake(origin: String) async throws -> UInt {
                let connection = try await SSETestClient.connect(
                    port: port, path: "/api/v1/ws/app",
                    headers: [
                        ("Cookie", cookie), ("Origin", origin), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                    ])
                await connection.close()
                return connection.status?.code ?? 0
            }
            #expect(try await handshake(origin: "ws://127.0.0.1") == 101)
            #expect(try await handshake(origin: "http://evil.example") == 403)

        }
    }
}
