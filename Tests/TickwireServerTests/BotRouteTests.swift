import HummingbirdTesting
import Testing
import TickwireModel
import TickwireServer

@Suite struct BotRouteTests {
    @Test func createReadListUpdateToggleDelete() async throws {
        try await TestServer.with { client, server in
            let created = try await client.call(
                .post, "/api/v1/bots",
                json: #"{"name":"alpha","ticker":"BTC/USDT","exchange":"binance","strategy":"sma","config":{"fast":5}}"#
            )
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.int)
            #expect(created.headers[.location] == "/api/v1/bots/\(id)")
            #expect(created.json["status"]?.string == "STOPPED")
            #expect(created.json["config"]?["fast"]?.number == 5)
            #expect(created.json["created_at"]?.string?.hasSuffix("Z") == true)
            #expect(created.json["created_at"]?.string?.count == 24)

            _ = try await client.createBot(name: "beta", ticker: "ETH/USDT", exchange: "kraken")
            #expect(try await client.call(.get, "/api/v1/bots/\(id)").json["name"]?.string == "alpha")
            #expect(try await client.call(.get, "/api/v1/bots").json["data"]?.array?.count == 2)
            #expect(
                try await client.call(.get, "/api/v1/bots?exchange=kraken").json["data"]?[0]?["name"]?.string == "beta")
            #expect(try await client.call(.get, "/api/v1/bots?ticker=BTC/USDT").json["data"]?.array?.count == 1)
            #expect(try await client.call(.get, "/api/v1/bots?status=ACTIVE").json["data"]?.array?.count == 0)

            let patched = try await client.call(.patch, "/api/v1/bots/\(id)", json: #"{"name":"alpha-2","config":{}}"#)
            #expect(patched.status == .ok)
            #expect(patched.json["name"]?.string == "alpha-2")
            #expect(patched.json["ticker"]?.string == "BTC/USDT")

            let toggled = try await client.call(.post, "/api/v1/bots/\(id)/toggle")
            #expect(toggled.json["status"]?.string == "ACTIVE")
            #expect(try await client.call(.get, "/api/v1/bots?status=ACTIVE").json["data"]?.array?.count == 1)
            #expect(try await client.call(.post, "/api/v1/bots/\(id)/toggle").json["status"]?.string == "STOPPED")

            let deleted = try await client.call(.delete, "/api/v1/bots/\(id)")
            #expect(deleted.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/bots/\(id)").status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/bots/\(id)").status == .notFound)

            let types = server.publisher.published.map(\.type.rawValue)
            #expect(
                types == ["bot_created", "bot_created", "bot_updated", "bot_updated", "bot_updated", "bot_deleted"])
            #expect(server.publisher.published.map(\.id) == Array(1...6))
        }
    }

    @Test func createValidation() async throws {
        try await TestServer.with { client, server in
            let cases: [(String, Int, String)] = [
                (#"{"name":"a","ticker":"T","exchange":"E"}"#, 400, "invalid_request"),  // missing strategy
                (#"{"name":"a","ticker":"T","exchange":"E","strategy":"s","colour":"red"}"#, 400, "invalid_request"),
                (#"{"name":5,"ticker":"T","exchange":"E","strategy":"s"}"#, 400, "invalid_request"),
                (
                    #"{"name":"a","ticker":"T","exchange":"E","strategy":"s","status":"RUNNING"}"#, 400,
                    "invalid_request"
                ),
                (#"{"name":"a","ticker":"T","exchange":"E","strategy":"s","config":[1]}"#, 400, "invalid_request"),
                (#"{"name":"  ","ticker":"T","exchange":"E","strategy":"s"}"#, 422, "validation_failed"),
                (#"{"name":"a","ticker":"","exchange":"E","strategy":"s"}"#, 422, "validation_failed"),
                (#"["not","an","object"]"#, 400, "invalid_request"),
                (#"{"name":"a""#, 400, "invalid_json"),
                ("", 400, "invalid_json"),
            ]
            for (body, status, code) in cases {
                let reply = try await client.call(.post, "/api/v1/bots", json: body)
                #expect(reply.status.code == status, "\(body) -> \(reply.status) \(reply.text)")
                #expect(reply.errorCode == code, "\(body) -> \(reply.text)")
                #expect(reply.json["error"]?["message"]?.string?.isEmpty == false)
            }
            let unknownField = try await client.call(
                .post, "/api/v1/bots", json: #"{"name":"a","ticker":"T","exchange":"E","strategy":"s","colour":"red"}"#)
            #expect(unknownField.json["error"]?["message"]?.string == "unknown field 'colour'")
            let badEnum = try await client.call(
                .post, "/api/v1/bots",
                json: #"{"name":"a","ticker":"T","exchange":"E","strategy":"s","status":"RUNNING"}"#)
            #expect(
                badEnum.json["error"]?["message"]?.string
                    == "field 'status' must be one of ACTIVE, STOP_ENTRIES, PAUSED, STOPPED, ERROR, got 'RUNNING'")
            let form = try await client.call(
                .post, "/api/v1/bots", json: "name=a", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType)
            #expect(try await client.call(.get, "/api/v1/bots").json["data"]?.array?.count == 0)
            #expect(server.publisher.published.isEmpty)
        }
    }

    @Test func patchValidationAndUnknownIds() async throws {
        try await TestServer.with { client, _ in
            let id = try await client.createBot()
            #expect(try await client.call(.patch, "/api/v1/bots/\(id)", json: #"{"nmae":"x"}"#).status == .badRequest)
            #expect(
                try await client.call(.patch, "/api/v1/bots/\(id)", json: #"{"name":""}"#).status
                    == .unprocessableContent)
            #expect(try await client.call(.patch, "/api/v1/bots/999", json: #"{"name":"x"}"#).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/bots/abc").errorCode == "not_found")
            #expect(try await client.call(.get, "/api/v1/bots/-1").status == .notFound)
            #expect(try await client.call(.post, "/api/v1/bots/999/toggle").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/bots/999/pnl").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/bots?status=running").errorCode == "invalid_parameter")
            #expect(try await client.call(.get, "/api/v1/bots?ticker=").errorCode == "invalid_parameter")
        }
    }

    @Test func statusesAreSetIdempotentlyAndAForceExitClosesThePosition() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            for status in ["STOP_ENTRIES", "STOP_ENTRIES", "PAUSED", "ACTIVE"] {
                let changed = try await client.call(.patch, "/api/v1/bots/\(bot)", json: #"{"status":"\#(status)"}"#)
                #expect(changed.status == .ok)
                #expect(changed.json["status"]?.string == status)
            }
            #expect(
                try await client.call(.patch, "/api/v1/bots/\(bot)", json: #"{"status":"SLEEPING"}"#).status
                    == .badRequest)
            // Long 2 with a resting sell: the exit cancels the sell and sells the 2 at market.
            let buy = try #require(
                try await client.call(
                    .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"buy","type":"market","quantity":2}"#
                ).json["id"]?.int)
            _ = try await client.call(
                .patch, "/api/v1/orders/\(buy)", json: #"{"status":"FILLED","fill":{"quantity":2,"price":10}}"#)
            let resting = try #require(
                try await client.call(
                    .post, "/api/v1/bots/\(bot)/orders",
                    json: #"{"side":"sell","type":"limit","quantity":1,"price":99}"#
                ).json["id"]?.int)
            #expect(try await client.call(.post, "/api/v1/bots/\(bot)/exit?quantity=-1").status == .badRequest)
            #expect(try await client.call(.post, "/api/v1/bots/\(bot)/exit?quantity=nan").status == .badRequest)
            let exit = try await client.call(.post, "/api/v1/bots/\(bot)/exit?quantity=5")
            #expect(exit.status == .ok)
            #expect(exit.json["canceled_order_ids"] == .array([.number(Double(resting))]))
            #expect(exit.json["order"]?["side"]?.string == "sell")
            #expect(exit.json["order"]?["quantity"]?.number == 2, "never more than the position")
            let placed = try #require(exit.json["order"]?["id"]?.int)
            _ = try await client.call(
                .patch, "/api/v1/orders/\(placed)", json: #"{"status":"CANCELED"}"#)
            let part = try await client.call(.post, "/api/v1/bots/\(bot)/exit?quantity=0.5")
            #expect(part.json["order"]?["quantity"]?.number == 0.5)
            #expect(
                try await client.call(.get, "/api/v1/orders/\(resting)").json["status"]?.string == "CANCELED")
        }
    }

    @Test func aSilentExternalBotIsFlaggedStaleAndItsNextReportUnflagsIt() async throws {
        var configuration = ServerConfiguration()
        configuration.livenessInterval = .milliseconds(100)
        try await TestServer.with(configuration: configuration) { client, server in
            let created = try await client.call(
                .post, "/api/v1/bots",
                json:
                    #"{"name":"ext","ticker":"BTC/USDT","exchange":"binance","strategy":"x","status":"ACTIVE","config":{"heartbeat_seconds":1}}"#
            )
            let bot = try #require(created.json["id"]?.int)
            let sse = try await client.sse("/api/v1/stream?topics=bots")
            defer { Task { await sse.close() } }
            let beat = try await client.call(.post, "/api/v1/bots/\(bot)/heartbeat")
            #expect(beat.status == .ok)
            #expect(beat.json["stale"] == .bool(false))
            #expect(beat.json["interval_seconds"]?.number == 1)
            var types: [String] = []
            while !types.contains("bot_stale") {
                let event = try await sse.nextEvent(timeout: 5)
                if let type = event.event, type.hasPrefix("bot_") { types.append(type) }
            }
            #expect(types.first == "bot_seen")
            let listed = try await client.call(.get, "/api/v1/liveness").json["data"]?.array
            #expect(listed?.first?["stale"] == .bool(true))
            // A log line written for the bot counts as a report.
            _ = try await client.call(
                .post, "/api/v1/logs", json: #"{"bot_id":\#(bot),"level":"INFO","message":"still here"}"#)
            while !types.contains("bot_alive") {
                let event = try await sse.nextEvent(timeout: 5)
                if let type = event.event, type.hasPrefix("bot_") { types.append(type) }
            }
            let (_, token) = try await server.makeUser("mallory")
            #expect(try await client.using(token).call(.post, "/api/v1/bots/\(bot)/heartbeat").status == .notFound)
            #expect(try await client.using(token).call(.get, "/api/v1/liveness").json["data"]?.array?.isEmpty == true)
        }
    }
}
