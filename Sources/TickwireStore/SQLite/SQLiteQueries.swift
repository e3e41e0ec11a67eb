import GRDB
import TickwireModel

struct Query {
    var sql: String
    var arguments: StatementArguments
}

/// The SQL of the list and filter reads, built in one place so that a test can `EXPLAIN QUERY PLAN` exactly what the
/// store runs and prove each uses the index meant for it.
enum Queries {
    static func bots(_ filter: BotFilter) -> Query {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status = filter.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let exchange = filter.exchange {
            conditions.append("exchange = ?")
            arguments += [exchange]
        }
        if let ticker = filter.ticker {
            conditions.append("ticker = ?")
            arguments += [ticker]
        }
        return Query(
            sql: "SELECT \(Columns.bot) FROM bots\(whereClause(conditions)) ORDER BY created_at, id",
            arguments: arguments)
    }

    static func orders(_ filter: OrderFilter, page: PageRequest) -> Query {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let botId = filter.botId {
            conditions.append("bot_id = ?")
            arguments += [botId]
        }
        if let status = filter.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        return self.page(table: "orders", columns: Columns.order, conditions, arguments, page)
    }

    static func logs(_ filter: LogFilter, page: PageRequest) -> Query {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let botId = filter.botId {
            conditions.append("bot_id = ?")
            arguments += [botId]
        }
        if let level = filter.level {
            conditions.append("level = ?")
            arguments += [level.rawValue]
        }
        if let since = filter.since {
            conditions.append("timestamp >= ?")
            arguments += [since.milliseconds]
        }
        return self.page(table: "activity_logs", columns: Columns.log, conditions, arguments, page)
    }

    static func latestPrices(_ filter: PriceFilter) -> Query {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let ticker = filter.ticker {
            conditions.append("ticker = ?")
            arguments += [ticker]
        }
        if let exchange = filter.exchange {
            conditions.append("exchange = ?")
            arguments += [exchange]
        }
        return Query(
            sql: "SELECT \(Columns.price) FROM prices\(whereClause(conditions)) ORDER BY ticker, exchange",
            arguments: arguments)
    }

    static func priceHistory(ticker: String, exchange: String?, page: PageRequest) -> Query {
        var conditions = ["ticker = ?"]
        var arguments: StatementArguments = [ticker]
        if let exchange {
            conditions.append("exchange = ?")
            arguments += [exchange]
        }
        return self.page(table: "price_history", columns: "id, " + Columns.price, conditions, arguments, page)
    }

    /// The bots page: a bot's latest orders and log lines, newest first.
    static let recentOrders =
        "SELECT \(Columns.order) FROM orders WHERE bot_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
    static let recentLogs =
        "SELECT \(Columns.log) FROM activity_logs WHERE bot_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?"

    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// Newest-first keyset pagination on the table's integer primary key (see `PageRequest`), one row beyond the
    /// page so the caller knows whether another follows.
    static func page(
        table: String, columns: String, _ conditions: [String], _ arguments: StatementArguments, _ page: PageRequest
    ) -> Query {
        var conditions = conditions
        var arguments = arguments
        if let before = page.before {
            conditions.append("id < ?")
            arguments += [before]
        }
        arguments += [page.limit + 1]
        return Query(
            sql: "SELECT \(columns) FROM \(table)\(whereClause(conditions)) ORDER BY id DESC LIMIT ?",
            arguments: arguments)
    }
}
