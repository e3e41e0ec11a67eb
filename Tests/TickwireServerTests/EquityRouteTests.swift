import Foundation
import HummingbirdTesting
import Testing
import TickwireModel
import TickwireTestSupport

/// `/api/v1/bots/{id}/equity` over HTTP: a point on every fill, at most one per interval while prices move an open
/// position, the same series after a restart of the page (it is stored), and ownership.
@Suite struct EquityRouteTests {
    static func points(_ client: AuthedClient, _ bot: Int64, _ query: String = "") async throws -> [JSONValue] {
        try await client.call(.get, "/api/v1/bots/\(bot)/equity\(query)").json["points"]?.array ?? []
    }

    static func price(_ client: AuthedClient, _ value: Double) async throws {
        let reply = try await client.call(
            .post, "/api/v1/prices", json: #"{"ticker":"BTC/USDT","exchange":"binance","price":\#(value)}"#)
        #expect(reply.status == .created || reply.status == .ok, "\(reply.text)")
    }

    @Test func everyFillIsAPointAndPriceMovesAddAtMostOnePerInterval() async throws {
        try await TestServer.with { client, server in
            let bot = try await client.createBot()
            #expect(try await Self.points(client, bot).isEmpty)
            let sse = try await client.sse("/api/v1/stream?topics=pnl")
            defer { Task { await sse.close() } }
            try await TradeRouteTests.trade(client, bot: bot, "buy", 1, at: 100, fee: 1)
            try await Self.price(client, 110)
            try await Self.price(client, 120)
            var series = try await Self.points(client, bot)
            #expect(series.count == 1, "the fill; the price moves fall in the same 60 s interval")
            #expect(series.first?["equity"]?.number == 99_999, "100,000 - 1 of fees")
            #expect(series.first?["position_quantity"]?.number == 1)
            // Each point is pushed as it is added (not each price move).
            var pushed: JSONValue?
            while pushed == nil {
                let event = try await sse.nextEvent(timeout: 5)
                if event.event == "equity_update" {
                    pushed = try JSONDecoder().decode(JSONValue.self, from: Data((event.data ?? "").utf8))
                }
            }
            #expect(pushed?["data"]?["equity"]?.number == 99_999)
            #expect(pushed?["data"]?["bot_id"]?.int == bot)
            try await TradeRouteTests.trade(client, bot: bot, "sell", 1, at: 130)
            series = try await Self.points(client, bot)
            #expect(series.count == 2)
            #expect(series.last?["equity"]?.number == 100_029)
            #expect(series.last?["pnl"]?.number == 29)

            // The research core's statistics over the live history: one trade of +29 on 100,000.
            let stats = try await client.call(.get, "/api/v1/bots/\(bot)/stats?interval=1m").json
            #expect(stats["trade_count"]?.number == 1)
            #expect(stats["equity_final"]?.number == 100_029)
            #expect(stats["win_rate_pct"]?.number == 100)
            #expect(try await client.call(.get, "/api/v1/bots/\(bot)/stats?interval=7m").status == .badRequest)

            let (_, token) = try await server.makeUser("mallory")
            #expect(try await client.using(token).call(.get, "/api/v1/bots/\(bot)/equity").status == .notFound)
            #expect(try await client.using(token).call(.get, "/api/v1/bots/\(bot)/stats").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/bots/\(bot)/equity?points=2").status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/bots/\(bot)/equity?from=yesterday").status == .badRequest)
        }
    }

    @Test func anOpenPositionIsRecordedOncePerIntervalAsPricesMove() async throws {
        // Three seconds: long enough that the two price writes fall inside one interval on a loaded machine.
        try await TestServer.with(equityInterval: .seconds(3)) { client, _ in
            let bot = try await client.createBot()
            try await TradeRouteTests.trade(client, bot: bot, "buy", 2, at: 100)
            try await Task.sleep(for: .milliseconds(3_100))
            try await Self.price(client, 105)
            try await Self.price(client, 106)
            let series = try await Self.points(client, bot)
            #expect(series.count == 2, "the fill, then the first move past the interval")
            #expect(series.last?["equity"]?.number == 100_010)
            let later = try #require(series.last?["timestamp"]?.string)
            let window = try await Self.points(
                client, bot, "?from=\(later.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            #expect(window.count == 1, "from is inclusive")
        }
    }
}
