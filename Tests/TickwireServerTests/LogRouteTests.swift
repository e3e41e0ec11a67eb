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
