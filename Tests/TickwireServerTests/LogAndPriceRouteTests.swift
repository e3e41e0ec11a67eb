import HummingbirdTesting
import Testing
import TickwireModel

@Suite struct LogRouteTests {
    @Test func singleAndBatchAppendThenFilteredListing() async throws {
        try await TestServer.with { client, server in
            let bot = try await client.createBot()
            let single = try await client.call(
                .post, "/api/v1/logs", json: #"{"bot_id":\#(bot),"level":"INFO","message":"started"}"#)
            #expect(single.status == .created)
            #expect(single.json["message"]?.string == "started")
            let batch = try await client.call(
                .post, "/api/v1/logs",
                json: #"""
                    [{"bot_id":\#(bot),"level":"ERROR","message":"boom","timestamp":"2025-01-24T12:00:00Z"},
                     {"level":"WARNING","message":"system-wide"}]
                    """#)
            #expect(batch.status == .created)
            #expect(batch.json["data"]?.array?.count == 2)
            #expect(batch.json["data"]?[0]?["timestamp"]?.string == "2025-01-24T12:00:00.000Z")

            #expect(try await client.call(.get, "/api/v1/logs").json["data"]?.array?.count == 3)
            #expect(try await client.call(.get, "/api/v1/logs?bot_id=\(bot)").json["data"]?.array?.count == 2)
            #expect(
                try await client.call(.get, "/api/v1/logs?level=ERROR").json["data"]?[0]?["message"]?.string == "boom")
            let since = try await client.call(.get, "/api/v1/logs?since=2025-06-01T00:00:00Z").json["data"]?.array
            #expect(since?.count == 2)
            let first = try await client.call(.get, "/api/v1/logs?limit=2").json
            #expect(first["data"]?.array?.count == 2)
            let cursor = try #require(first["next_cursor"]?.string)
            let second = try await client.call(.get, "/api/v1/logs?limit=2&cursor=\(cursor)").json
            #expect(second["data"]?[0]?["message"]?.string == "started")
            #expect(second["next_cursor"]?.isNull == true)
            #expect(server.publisher.published.filter { $0.type == .logCreated }.count == 3)
        }
    }

    @Test func badLogsAreRefusedWhole() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            let cases: [(String, Int)] = [
                (#"{"level":"TRACE","message":"x"}"#, 400),
                (#"{"level":"INFO"}"#, 400),
                (#"{"level":"INFO","message":""}"#, 422),
                (#"{"level":"INFO","message":"x","timestamp":"yesterday"}"#, 400),
                (#"{"level":"INFO","message":"x","timestamp":"2025-01-24T12:00:00"}"#, 400),
                (#"{"bot_id":424242,"level":"INFO","message":"x"}"#, 404),
                (
                    #"[{"bot_id":\#(bot),"level":"INFO","message":"ok"},{"bot_id":424242,"level":"INFO","message":"x"}]"#,
                    404
                ),
                (#"[{"bot_id":\#(bot),"level":"INFO","message":"ok"},{"level":"INFO","message":"x","extra":1}]"#, 400),
                ("[]", 400),
                ("42", 400),
            ]
            for (body, status) in cases {
                let reply = try await client.call(.post, "/api/v1/logs", json: body)
                #expect(reply.status.code == status, "\(body) -> \(reply.text)")
            }
            let tooMany =
                "[" + Array(repeating: #"{"level":"INFO","message":"x"}"#, count: 1001).joined(separator: ",") + "]"
            #expect(try await client.call(.post, "/api/v1/logs", json: tooMany).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/logs").json["data"]?.array?.count == 0)
            #expect(try await client.call(.get, "/api/v1/logs?since=last-week").errorCode == "invalid_parameter")
            #expect(try await client.call(.get, "/api/v1/logs?level=info").errorCode == "invalid_parameter")
        }
    }
}

@Suite struct PriceRouteTests {
    @Test func recordLatestAndHistory() async throws {
        try await TestServer.with { client, _ in
            #expect(
                try await client.call(.post, "/api/v1/prices", json: #"{"ticker":"ETH","exchange":"x","price":10}"#)
                    .status == .created)
            let batch = try await client.call(
                .post, "/api/v1/prices",
                json: #"[{"ticker":"ETH","exchange":"x","price":11},{"ticker":"BTC","exchange":"x","price":50000}]"#)
            #expect(batch.json["data"]?.array?.count == 2)
            let latest = try await client.call(.get, "/api/v1/prices").json["data"]?.array ?? []
            #expect(latest.map { $0["ticker"]?.string } == ["BTC", "ETH"])
            #expect(latest.last?["price"]?.number == 11)
            #expect(try await client.call(.get, "/api/v1/prices?ticker=ETH&exchange=x").json["data"]?.array?.count == 1)
            let history = try await client.call(.get, "/api/v1/prices/history?ticker=ETH&limit=1").json
            #expect(history["data"]?[0]?["price"]?.number == 11)
            let cursor = try #require(history["next_cursor"]?.string)
            let older = try await client.call(.get, "/api/v1/prices/history?ticker=ETH&limit=1&cursor=\(cursor)").json
            #expect(older["data"]?[0]?["price"]?.number == 10)
            #expect(try await client.call(.get, "/api/v1/prices/history").errorCode == "invalid_parameter")
        }
    }

    @Test func badPricesAreRefused() async throws {
        try await TestServer.with { client, _ in
            let unprocessable = [
                #"{"ticker":"ETH","exchange":"x","price":0}"#, #"{"ticker":"ETH","exchange":"x","price":-1}"#,
                #"{"ticker":"","exchange":"x","price":1}"#,
            ]
            for body in unprocessable {
                let reply = try await client.call(.post, "/api/v1/prices", json: body)
                #expect(reply.status == .unprocessableContent, "\(body)")
            }
            for body in [#"{"ticker":"ETH","price":1}"#, #"{"ticker":"ETH","exchange":"x","price":"1"}"#, "[1,2]"] {
                let reply = try await client.call(.post, "/api/v1/prices", json: body)
                #expect(reply.status == .badRequest, "\(body)")
            }
            let stored = try await client.call(.get, "/api/v1/prices")
            #expect(stored.json["data"]?.array?.count == 0)
        }
    }
}
