import GRDB
import Testing
import TickwireModel

@testable import TickwireStore

/// The list and filter queries the API runs use the indexes seed 001 names (EXPLAIN QUERY PLAN on the real SQL).
@Suite struct IndexUsageTests {
    func plan(_ store: SQLiteStore, _ query: SQLiteQuery) async throws -> String {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments)
                .map { $0["detail"] as String }.joined(separator: " | ")
        }
    }

    @Test func schemaHasTheSeedIndexes() async throws {
        try await TemporaryDatabase.with { store, _ in
            let names = try await store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")
            }
            let expected: Set<String> = [
                "ix_bots_status", "ix_bots_exchange", "ix_bots_ticker", "ix_bots_created_at",
                "ix_orders_bot_id", "ix_orders_status", "ix_orders_bot_id_status", "ix_orders_bot_id_created_at",
                "ix_orders_exchange_order_id", "ix_activity_logs_bot_id", "ix_activity_logs_level",
                "ix_activity_logs_timestamp", "ix_activity_logs_bot_id_timestamp",
            ]
            #expect(expected.isSubset(of: Set(names)), "missing: \(expected.subtracting(names))")
        }
    }

    @Test func botFiltersUseTheirIndexes() async throws {
        try await TemporaryDatabase.with { store, _ in
            let byStatus = try await plan(store, SQLiteQueries.bots(BotFilter(status: .active)))
            let byExchange = try await plan(store, SQLiteQueries.bots(BotFilter(exchange: "binance")))
            let byTicker = try await plan(store, SQLiteQueries.bots(BotFilter(ticker: "ETH")))
            let all = try await plan(store, SQLiteQueries.bots(BotFilter()))
            #expect(byStatus.contains("ix_bots_status"))
            #expect(byExchange.contains("ix_bots_exchange"))
            #expect(byTicker.contains("ix_bots_ticker"))
            #expect(all.contains("ix_bots_created_at"))
        }
    }

    @Test func orderFiltersUseTheirIndexes() async throws {
        try await TemporaryDatabase.with { store, _ in
            let page = PageRequest(limit: 50, before: 1000)
            let byBot = try await plan(store, SQLiteQueries.orders(OrderFilter(botId: 1), page: page))
            #expect(byBot.contains("USING INDEX ix_orders_bot_id") || byBot.contains("USING INDEX ix_orders_bot_id_"))
            #expect(
                try await plan(store, SQLiteQueries.orders(OrderFilter(status: .new), page: page)).contains(
                    "ix_orders_status"))
            #expect(
                try await plan(store, SQLiteQueries.orders(OrderFilter(botId: 1, status: .filled), page: page))
                    .contains(
                        "ix_orders_bot_id_status"))
            let recent = SQLiteQuery(sql: SQLiteQueries.recentOrders, arguments: [1, 10])
            let recentPlan = try await plan(store, recent)
            #expect(recentPlan.contains("ix_orders_bot_id_created_at"))
            #expect(!recentPlan.contains("TEMP B-TREE"), "the bots page must not sort orders: \(recentPlan)")
        }
    }

    @Test func logFiltersUseTheirIndexes() async throws {
        try await TemporaryDatabase.with { store, _ in
            let page = PageRequest()
            #expect(
                try await plan(store, SQLiteQueries.logs(LogFilter(botId: 3), page: page)).contains(
                    "ix_activity_logs_bot_id")
            )
            #expect(
                try await plan(store, SQLiteQueries.logs(LogFilter(level: .error), page: page)).contains(
                    "ix_activity_logs_level"))
            // `since` alone: newest first is the primary key walked backwards, stopping after `limit` matches;
            // that beats the timestamp index, which would need a sort. Either way, never a sort of the table.
            let sincePlan = try await plan(store, SQLiteQueries.logs(LogFilter(since: t0), page: page))
            #expect(
                sincePlan.contains("ix_activity_logs_timestamp")
                    || (sincePlan.contains("SCAN activity_logs") && !sincePlan.contains("TEMP B-TREE")), "\(sincePlan)")
            #expect(
                try await plan(store, SQLiteQueries.logs(LogFilter(botId: 3, since: t0), page: page)).contains(
                    "ix_activity_logs_bot_id_timestamp"))
            let recentPlan = try await plan(store, SQLiteQuery(sql: SQLiteQueries.recentLogs, arguments: [1, 10]))
            #expect(recentPlan.contains("ix_activity_logs_bot_id_timestamp"))
            #expect(!recentPlan.contains("TEMP B-TREE"))
        }
    }

    @Test func exchangeOrderIdLookupUsesItsIndex() async throws {
        try await TemporaryDatabase.with { store, _ in
            let query = SQLiteQuery(sql: "SELECT id FROM orders WHERE exchange_order_id = ?", arguments: ["X-1"])
            let lookup = try await plan(store, query)
            #expect(lookup.contains("ix_orders_exchange_order_id"))
        }
    }
}
