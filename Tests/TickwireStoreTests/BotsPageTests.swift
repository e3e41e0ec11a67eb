import Testing
import TickwireModel

@testable import TickwireStore

@Suite struct BotsPageTests {
    @Test(arguments: Backend.all) func bundleCarriesEachBotsStateAndItsEventPosition(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let a = try await makeBot(store)
            _ = try await makeBot(store, name: "idle", ticker: "ETH")
            for i in 0..<12 {
                _ = try await store.createOrder(
                    botId: a.id, NewOrder(side: .buy, type: .market, quantity: 1), ownerId: nil, at: at(Int64(i)))
            }
            let order = try await store.orders(OrderFilter(botId: a.id), page: PageRequest(limit: 1)).items[0]
            _ = try await store.updateOrder(
                id: order.id, OrderPatch(fill: FillRequest(quantity: 1, price: 100)), at: at(20))
            _ = try await store.recordPrices(
                [NewPrice(ticker: "BTC/USDT", exchange: "binance", price: 110)], at: at(21))
            _ = try await store.appendLogs([NewLog(botId: a.id, level: .info, message: "bought")], at: at(22))

            let page = try await store.botsPage(ownerId: nil, at: at(30))
            let last = try await store.lastEventId()
            #expect(page.eventId == last)
            #expect(page.bots.map(\.bot.name) == ["alpha", "idle"])
            let entry = page.bots[0]
            #expect(entry.recentOrders.count == BotsPage.ordersPerBot)
            #expect(entry.recentOrders.first?.id == order.id)
            #expect(entry.recentLogs.map(\.message) == ["bought"])
            #expect(entry.pnl.lastPrice == 110)
            #expect(entry.pnl.unrealizedPnl == 10)
            #expect(page.bots[1].recentOrders.isEmpty)
            #expect(page.bots[1].pnl.positionQuantity == 0)
        }
    }

    /// Trade counts, win rate, drawdown and the sparkline come with each bot, kept as fills and prices arrive.
    @Test(arguments: Backend.all) func bundleCarriesHeadlineFigures(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            func trade(_ side: OrderSide, _ price: Double, at time: Int64) async throws {
                let order = try await store.createOrder(
                    botId: bot.id, NewOrder(side: side, type: .market, quantity: 10), ownerId: nil, at: at(time))
                _ = try await store.updateOrder(
                    id: order.value.id, OrderPatch(fill: FillRequest(quantity: 10, price: price)), at: at(time))
            }
            func price(_ price: Double, at time: Int64) async throws {
                _ = try await store.recordPrices(
                    [NewPrice(ticker: "BTC/USDT", exchange: "binance", price: price)], at: at(time))
            }
            try await price(100, at: 0)
            try await trade(.buy, 100, at: 1)  // equity 100,000
            try await price(150, at: 100)  // 100,500: the peak
            try await price(80, at: 200)  // 99,800: 0.6965 % below it
            try await trade(.sell, 90, at: 300)  // a losing trade, 99,900
            try await trade(.buy, 90, at: 400)  // marked at the last price, 80: 99,800
            try await trade(.sell, 95, at: 500)  // a winning one, 99,950

            let entry = try await store.botsPage(ownerId: nil, at: at(600)).bots[0]
            #expect(entry.pnl.tradeCount == 2)
            #expect(entry.pnl.winRatePct == 50)
            #expect(abs(entry.pnl.returnPct - -0.05) < 1e-9)
            #expect(abs(entry.pnl.maxDrawdownPct - 100 * (1 - 99_800 / 100_500.0)) < 1e-9)
            #expect(entry.sparkline == [100_000, 100_500, 99_800, 99_900, 99_800, 99_950])
            let pnl = try await store.pnl(botId: bot.id)
            #expect(pnl.tradeCount == 2)
        }
    }

    @Test(arguments: Backend.all) func aSessionTakesAgentEventsOnlyWhileItRuns(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let owner = try await store.createUser(username: "ann", passwordHash: "-", role: .user, at: t0)
            let model = try await store.createModel(NewTradingModel(name: "m"), ownerId: owner.id, at: t0)
            let started = try await store.startModelSession(modelId: model.id, at: at(1))
            #expect(started.events.map(\.topic) == [.model(model.id), .engine])
            #expect(started.events.map(\.type) == [.status, .sessionStarted])
            let session = started.value
            let trade = EventDraft.modelSession(model.id, .trade, ["decision": .number(1)])
            let appended = try await store.appendSessionEvents(sessionId: session.id, decisions: 1, [trade], at: at(2))
            #expect(appended.value.map(\.ownerId) == [owner.id])
            #expect(try await store.modelSessions(modelId: model.id).first?.decisions == 1)

            let finished = try await store.finishModelSession(
                id: session.id, status: .stopped, decisions: 1, summary: "stopped", statistics: [:], at: at(3))
            #expect(finished.events.map(\.type) == [.complete, .sessionEnded])
            let before = try await store.lastEventId()
            await #expect(throws: StoreError.conflict("model session \(session.id) has ended")) {
                try await store.appendSessionEvents(sessionId: session.id, decisions: 2, [trade], at: at(4))
            }
            #expect(try await store.lastEventId() == before)
            #expect(try await store.modelSessions(modelId: model.id).first?.decisions == 1)
        }
    }

    @Test(arguments: Backend.all) func aBatchOfLogsKeepsItsOrder(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let a = try await makeBot(store)
            let b = try await makeBot(store, name: "other", ticker: "ETH")
            let batch = (0..<2500).map { index in
                NewLog(botId: [a.id, b.id, nil][index % 3], level: .info, message: "line \(index)")
            }
            let appended = try await store.appendLogs(batch, at: t0)
            #expect(appended.value.map(\.message) == batch.map(\.message))
            #expect(appended.value.map(\.botId) == batch.map(\.botId))
            #expect(appended.value.map(\.id) == appended.value.map(\.id).sorted())
            #expect(Set(appended.value.map(\.id)).count == batch.count)
            #expect(appended.events.map(\.botId) == batch.map(\.botId))
            let stored = try await store.logs(LogFilter(), page: PageRequest(limit: 1)).items
            #expect(stored.first?.message == "line 2499")
        }
    }

    /// Retention removes a prefix of the log, by count or by age, whichever reaches further, and nothing else.
    @Test(arguments: Backend.all) func retentionRemovesTheOldestEventsOnly(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            for second in 1...12 {
                _ = try await store.appendLogs(
                    [NewLog(botId: nil, level: .info, message: "m\(second)")], at: at(Int64(second)))
            }
            #expect(try await store.pruneEvents(keepingLast: 8, olderThan: at(0)) == 4, "by count: 12 - 8")
            #expect(try await store.oldestEventId() == 5)
            #expect(try await store.pruneEvents(keepingLast: 100, olderThan: at(7)) == 2, "by age: seconds 5 and 6")
            #expect(try await store.events(after: 0, limit: 100).map(\.id) == Array(7...12))
            #expect(try await store.pruneEvents(keepingLast: 100, olderThan: at(0)) == 0)
            #expect(try await store.lastEventId() == 12, "the head stays where it was")
        }
    }
}
