import Testing
import TickwireModel

@testable import TickwireStore

@Suite struct PaginationTests {
    @Test(arguments: Backend.all) func pagesStayCorrectWhileRowsAreInserted(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let bot = try await makeBot(store)
            for i in 0..<25 {
                _ = try await store.createOrder(
                    botId: bot.id, NewOrder(side: .buy, type: .limit, quantity: 1, price: Double(i + 1)), ownerId: nil,
                    at: at(Int64(i)))
            }
            var seen: [Int64] = []
            var cursor: Int64?
            repeat {
                let page = try await store.orders(
                    OrderFilter(botId: bot.id), page: PageRequest(limit: 10, before: cursor))
                seen += page.items.map(\.id)
                cursor = page.nextCursor
                // Concurrent inserts between pages must neither shift nor repeat rows.
                _ = try await store.createOrder(
                    botId: bot.id, NewOrder(side: .sell, type: .market, quantity: 1), ownerId: nil, at: at(99))
            } while cursor != nil
            #expect(seen == Array((1...25).reversed()))
        }
    }

    @Test(arguments: Backend.all) func logFiltersCombine(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let a = try await makeBot(store)
            let b = try await makeBot(store, name: "b")
            _ = try await store.appendLogs(
                [
                    NewLog(botId: a.id, level: .info, message: "1", timestamp: at(1)),
                    NewLog(botId: a.id, level: .error, message: "2", timestamp: at(2)),
                    NewLog(botId: b.id, level: .error, message: "3", timestamp: at(3)),
                    NewLog(botId: nil, level: .warning, message: "4", timestamp: at(4)),
                ], at: at(5))
            #expect(
                try await store.logs(LogFilter(botId: a.id), page: PageRequest()).items.map(\.message) == ["2", "1"])
            #expect(
                try await store.logs(LogFilter(level: .error), page: PageRequest()).items.map(\.message) == ["3", "2"])
            #expect(
                try await store.logs(LogFilter(since: at(3)), page: PageRequest()).items.map(\.message) == ["4", "3"])
            #expect(
                try await store.logs(LogFilter(botId: a.id, level: .error, since: at(2)), page: PageRequest()).items
                    .map(
                        \.message) == ["2"])
        }
    }
}
