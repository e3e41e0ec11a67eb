import Testing
import TickwireModel

@testable import TickwireStore

@Suite struct WritePathTests {
    @Test(arguments: Backend.all) func everyCommandAppendsItsEventsInOrder(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let created = try await store.createBot(
                NewBot(name: "a", ticker: "ETH", exchange: "x", strategy: "rsi", config: ["period": .number(14)]),
                at: t0)
            #expect(created.events.map(\.type) == [.botCreated])
            let order = try await store.createOrder(
                botId: created.value.id, NewOrder(side: .buy, type: .market, quantity: 2), ownerId: nil, at: at(1))
            #expect(order.events.map(\.type) == [.orderUpdate])
            let fill = try await store.updateOrder(
                id: order.value.id, OrderPatch(fill: FillRequest(quantity: 2, price: 10, fee: 0.5)), at: at(2))
            #expect(fill.events.map(\.type) == [.orderUpdate, .orderFilled, .tradeOpened, .pnlUpdate, .equityUpdate])
            let price = try await store.recordPrices([NewPrice(ticker: "ETH", exchange: "x", price: 12)], at: at(3))
            #expect(price.events.map(\.type) == [.priceUpdate, .pnlUpdate])
            #expect(price.events.map(\.topic) == [.prices, .pnl])
            let logs = try await store.appendLogs(
                [NewLog(botId: created.value.id, level: .info, message: "m")], at: at(4))
            #expect(logs.events.map(\.type) == [.logCreated])

            let published = created.events + order.events + fill.events + price.events + logs.events
            let stored = try await store.events(after: 0, limit: 100)
            #expect(stored == published)
            #expect(stored.map(\.id) == Array(1...Int64(stored.count)))
            #expect(try await store.lastEventId() == Int64(stored.count))
            #expect(try await store.events(after: 5, limit: 2).map(\.id) == [6, 7])

            let pnl = try await store.pnl(botId: created.value.id)
            #expect(pnl.positionQuantity == 2)
            #expect(pnl.lastPrice == 12)
            #expect(pnl.unrealizedPnl == 4)
            #expect(pnl.totalPnl == 3.5)
            #expect(stored.last(where: { $0.type == .pnlUpdate })?.data.contains("\"total_pnl\":3.5") == true)
        }
    }

    @Test(arguments: Backend.all) func aSellAgainstALongRealizesItsProfitAndTheRestStaysOpen(_ backend: Backend)
        async throws
    {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store, ticker: "ETH", exchange: "x")
            func fill(_ side: OrderSide, _ quantity: Double, at price: Double, fee: Double, _ second: Int64)
                async throws -> [Event]
            {
                let order = try await store.createOrder(
                    botId: bot.id, NewOrder(side: side, type: .market, quantity: quantity), ownerId: nil,
                    at: at(second))
                return try await store.updateOrder(
                    id: order.value.id, OrderPatch(fill: FillRequest(quantity: quantity, price: price, fee: fee)),
                    at: at(second)
                ).events
            }
            _ = try await fill(.buy, 5, at: 100, fee: 1, 1)
            let sold = try await fill(.sell, 3, at: 130, fee: 1, 2)
            let pnl = try await store.pnl(botId: bot.id)
            #expect(pnl.positionQuantity == 2)
            #expect(pnl.avgEntryPrice == 100)
            #expect(pnl.realizedPnl == 90, "3 × (130 - 100)")
            #expect(pnl.fees == 2)
            // The fill's own pnl event says the same, before any price is recorded.
            let event = try #require(sold.last(where: { $0.type == .pnlUpdate }))
            #expect(event.type == .pnlUpdate)
            #expect(event.data.contains("\"realized_pnl\":90"))
            // A price then moves only the unrealized part.
            let priced = try await store.recordPrices([NewPrice(ticker: "ETH", exchange: "x", price: 120)], at: at(3))
            #expect(priced.events.last?.data.contains("\"unrealized_pnl\":40") == true, "2 × (120 - 100)")
            let after = try await store.pnl(botId: bot.id)
            #expect(after.realizedPnl == 90)
            #expect(after.totalPnl == 90 + 40 - 2)
            // Selling through zero flips to a short opened at the fill's price.
            _ = try await fill(.sell, 4, at: 110, fee: 0, 4)
            let flipped = try await store.pnl(botId: bot.id)
            #expect(flipped.positionQuantity == -2)
            #expect(flipped.avgEntryPrice == 110)
            #expect(flipped.realizedPnl == 110, "90 + 2 × (110 - 100)")
        }
    }

    @Test(arguments: Backend.all) func aFailedBatchWritesNothing(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            let before = try await store.lastEventId()
            await #expect(throws: StoreError.notFound(entity: "bot", id: "999")) {
                try await store.appendLogs(
                    [
                        NewLog(botId: bot.id, level: .info, message: "ok"),
                        NewLog(botId: 999, level: .info, message: "x"),
                    ],
                    at: t0)
            }
            #expect(try await store.logs(LogFilter(), page: PageRequest()).items.isEmpty)
            #expect(try await store.lastEventId() == before)
        }
    }

    @Test(arguments: Backend.all) func aConflictingOrderChangeWritesNothing(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            let order = try await store.createOrder(
                botId: bot.id, NewOrder(side: .sell, type: .market, quantity: 1), ownerId: nil, at: t0)
            _ = try await store.updateOrder(id: order.value.id, OrderPatch(status: .canceled), at: at(1))
            let before = try await store.lastEventId()
            await #expect(throws: StoreError.self) {
                try await store.updateOrder(
                    id: order.value.id, OrderPatch(fill: FillRequest(quantity: 1, price: 5)), at: at(2))
            }
            #expect(try await store.order(id: order.value.id).status == .canceled)
            #expect(try await store.lastEventId() == before)
            #expect(try await store.pnl(botId: bot.id).positionQuantity == 0, "no fill was recorded")
        }
    }

    @Test(arguments: Backend.all) func changingTickerWithAnOpenPositionIsRefused(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            let order = try await store.createOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 1), ownerId: nil, at: t0)
            _ = try await store.updateOrder(
                id: order.value.id, OrderPatch(fill: FillRequest(quantity: 1, price: 5)), at: t0)
            await #expect(throws: StoreError.self) {
                try await store.updateBot(id: bot.id, BotPatch(ticker: "ETH/USDT"), at: at(1))
            }
            let renamed = try await store.updateBot(id: bot.id, BotPatch(name: "beta"), at: at(1))
            #expect(renamed.value.name == "beta")
            #expect(renamed.value.ticker == "BTC/USDT")
        }
    }

    @Test(arguments: Backend.all) func deletingABotRemovesItsOrdersLogsAndPosition(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            let keep = try await makeBot(store, name: "keep")
            let order = try await store.createOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 1), ownerId: nil, at: t0)
            _ = try await store.updateOrder(
                id: order.value.id, OrderPatch(fill: FillRequest(quantity: 1, price: 5)), at: t0)
            _ = try await store.appendLogs([NewLog(botId: bot.id, level: .info, message: "x")], at: t0)
            _ = try await store.appendLogs([NewLog(botId: keep.id, level: .info, message: "y")], at: t0)
            let deleted = try await store.deleteBot(id: bot.id, at: at(1))
            #expect(deleted.events.map(\.type) == [.botDeleted])
            #expect(deleted.events[0].data == "{\"id\":\(bot.id)}")
            await #expect(throws: StoreError.notFound(entity: "bot", id: String(bot.id))) {
                try await store.bot(id: bot.id)
            }
            #expect(try await store.orders(OrderFilter(), page: PageRequest()).items.isEmpty)
            #expect(try await store.logs(LogFilter(), page: PageRequest()).items.map(\.botId) == [keep.id])
            await #expect(throws: StoreError.self) { try await store.deleteBot(id: bot.id, at: at(2)) }
        }
    }

    @Test(arguments: Backend.all) func dataAndEventPositionsSurviveAReopen(_ backend: Backend) async throws {
        let database = try await TestDatabase.make(backend)
        let store = try await database.open()
        _ = try await makeBot(store)
        _ = try await makeBot(store, name: "b")
        (store as? PostgresStore)?.close()
        let reopened = try await database.open()
        #expect(try await reopened.bots(BotFilter()).map(\.name) == ["alpha", "b"])
        #expect(try await reopened.lastEventId() == 2)
        let third = try await reopened.createBot(NewBot(name: "c", ticker: "T", exchange: "E", strategy: "s"), at: t0)
        #expect(third.events.map(\.id) == [3])
        await database.remove([reopened])
    }

    @Test(arguments: Backend.all) func latestPriceKeepsTheNewestTimestamp(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            _ = try await store.recordPrices(
                [
                    NewPrice(ticker: "X", exchange: "e", price: 2, timestamp: at(10)),
                    NewPrice(ticker: "X", exchange: "e", price: 1, timestamp: at(5)),
                ], at: at(11))
            #expect(try await store.latestPrices(PriceFilter(ticker: "X")).map(\.price) == [2])
            let history = try await store.priceHistory(ticker: "X", exchange: nil, page: PageRequest(limit: 1))
            #expect(history.items.map(\.price) == [1])
            #expect(history.nextCursor != nil)
        }
    }
}
