import HummingbirdTesting
import Testing
import TickwireModel

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
