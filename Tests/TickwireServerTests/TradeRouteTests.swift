import HummingbirdTesting
import Testing
import TickwireModel

/// `/api/v1/fills` and `/api/v1/trades` over HTTP: fills as recorded, the round trips they make, filters,
/// pagination and ownership.
@Suite struct TradeRouteTests {
    /// Places a market order for `bot` and fills it whole at `price`.
    static func trade(
        _ client: AuthedClient, bot: Int64, _ side: String, _ quantity: Double, at price: Double, fee: Double = 0
    ) async throws {
        let placed = try await client.call(
            .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"\#(side)","type":"market","quantity":\#(quantity)}"#)
        let id = try #require(placed.json["id"]?.int, "\(placed.status) \(placed.text)")
        let filled = try await client.call(
            .patch, "/api/v1/orders/\(id)",
            json: #"{"status":"FILLED","fill":{"quantity":\#(quantity),"price":\#(price),"fee":\#(fee)}}"#)
        #expect(filled.status == .ok, "\(filled.text)")
    }

    @Test func fillsBecomeRoundTripTradesNewestFirst() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot(name: "trader", ticker: "ETH/USDT")
            let other = try await client.createBot(name: "holder", ticker: "SOL/USDT")
            // Bot 1: a long closed with a profit, then a long still open. Bot 2: one open long.
            try await Self.trade(client, bot: bot, "buy", 2, at: 100, fee: 0.2)
            try await Self.trade(client, bot: bot, "sell", 2, at: 110, fee: 0.22)
            try await Self.trade(client, bot: bot, "buy", 1, at: 105)
            try await Self.trade(client, bot: other, "buy", 3, at: 20)

            let fills = try await client.call(.get, "/api/v1/fills?bot_id=\(bot)").json["data"]?.array ?? []
            #expect(fills.map { $0["price"]?.number } == [105, 110, 100], "newest first")
            #expect(fills.last?["fee"]?.number == 0.2)

            let all = try await client.call(.get, "/api/v1/trades").json["data"]?.array ?? []
            #expect(all.count == 3)
            #expect(all.map { $0["ticker"]?.string } == ["SOL/USDT", "ETH/USDT", "ETH/USDT"])
            let closed = try #require(all.last)
            #expect(closed["is_open"] == .bool(false))
            #expect(closed["direction"]?.string == "long")
            #expect(closed["entry_price"]?.number == 100)
            #expect(closed["exit_price"]?.number == 110)
            #expect(abs((closed["pnl"]?.number ?? 0) - 19.58) < 1e-9, "2 × 10 - 0.42 of fees")
            #expect(closed["closed_at"] != nil)

            let open = try await client.call(.get, "/api/v1/trades?open=true&bot_id=\(bot)").json["data"]?.array
            #expect(open?.count == 1)
            #expect(open?.first?["open_quantity"]?.number == 1)
            #expect(open?.first?["closed_at"] == nil)
            let byTicker = try await client.call(.get, "/api/v1/trades?ticker=SOL/USDT").json["data"]?.array
            #expect(byTicker?.count == 1)

            // Two at a time: the cursor leads to the last one.
            let first = try await client.call(.get, "/api/v1/trades?limit=2").json
            #expect(first["data"]?.array?.count == 2)
            let cursor = try #require(first["next_cursor"]?.string)
            let second = try await client.call(.get, "/api/v1/trades?limit=2&cursor=\(cursor)").json
            #expect(second["data"]?.array?.map { $0["id"] } == [all.last?["id"]])
            #expect(second["next_cursor"] == .null)
        }
    }

    @Test func anotherUsersTradesAndFillsAreNotSeen() async throws {
        try await TestServer.with { client, server in
            let bot = try await client.createBot()
            try await Self.trade(client, bot: bot, "buy", 1, at: 100)
            let (_, token) = try await server.makeUser("mallory")
            let mallory = client.using(token)
            #expect(try await mallory.call(.get, "/api/v1/trades?bot_id=\(bot)").status == .notFound)
            #expect(try await mallory.call(.get, "/api/v1/fills?bot_id=\(bot)").status == .notFound)
            #expect(try await mallory.call(.get, "/api/v1/trades").json["data"]?.array?.isEmpty == true)
            #expect(try await mallory.call(.get, "/api/v1/fills").json["data"]?.array?.isEmpty == true)
            #expect(try await mallory.call(.get, "/api/v1/trades?open=maybe").status == .badRequest)
        }
    }

    @Test func profitByPeriodInstrumentAndInTotal() async throws {
        try await TestServer.with { client, _ in
            let one = try await client.createBot(name: "one", ticker: "ETH/USDT")
            let two = try await client.createBot(name: "two", ticker: "SOL/USDT")
            try await Self.trade(client, bot: one, "buy", 2, at: 100, fee: 0.5)
            try await Self.trade(client, bot: one, "sell", 2, at: 110, fee: 0.5)
            try await Self.trade(client, bot: two, "buy", 1, at: 50)
            try await Self.trade(client, bot: two, "sell", 1, at: 45)
            try await Self.trade(client, bot: two, "buy", 1, at: 40)

            let summary = try await client.call(.get, "/api/v1/profit?group=month&tz=Europe/Berlin").json
            #expect(summary["time_zone"]?.string == "Europe/Berlin")
            #expect(summary["periods"]?.array?.count == 1)
            #expect(summary["periods"]?.array?.first?["profit"]?.number == 14, "19 - 5")
            #expect(summary["totals"]?["trade_count"]?.number == 2)
            #expect(summary["totals"]?["win_rate_pct"]?.number == 50)
            #expect(summary["totals"]?["open_trade_count"]?.number == 1)
            #expect(summary["totals"]?["starting_cash"]?.number == 200_000)
            #expect(abs((summary["totals"]?["profit_pct"]?.number ?? 0) - 0.007) < 1e-12)
            #expect(summary["instruments"]?.array?.map { $0["ticker"]?.string } == ["ETH/USDT", "SOL/USDT"])
            let onlyTwo = try await client.call(.get, "/api/v1/profit?bot_id=\(two)").json
            #expect(onlyTwo["totals"]?["profit"]?.number == -5)
            #expect(onlyTwo["totals"]?["starting_cash"]?.number == 100_000)

            let unknown = try await client.call(.get, "/api/v1/profit?tz=Mars/Olympus")
            #expect(unknown.status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/profit?group=year").status == .badRequest)
        }
    }
}
