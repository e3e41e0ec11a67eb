import GRDB
import TickwireModel

/// A `WHERE` clause built from optional filters: a filter that is nil adds nothing.
struct SQLiteConditions: ConditionBuilder {
    private(set) var clauses: [String] = []
    private(set) var arguments: StatementArguments = []

    mutating func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        clauses.append(clause)
        arguments += [value]
    }

    mutating func add(_ clause: String, _ value: Int64?) { add(clause, value as (any DatabaseValueConvertible)?) }
    mutating func add(_ clause: String, _ value: String?) { add(clause, value as (any DatabaseValueConvertible)?) }

    var whereClause: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }
}

struct SQLiteQuery {
    var sql: String
    var arguments: StatementArguments
}

/// The SQL of the list and filter reads, built in one place so that a test can `EXPLAIN QUERY PLAN` exactly what the
/// store runs and prove each uses the index meant for it.
enum SQLiteQueries {
    static func bots(_ filter: BotFilter) -> SQLiteQuery {
        let c: SQLiteConditions = ListFilters.bots(filter)
        return SQLiteQuery(
            sql: "SELECT \(Columns.bot) FROM bots\(c.whereClause) ORDER BY created_at, id", arguments: c.arguments)
    }

    static func orders(_ filter: OrderFilter, page: PageRequest) -> SQLiteQuery {
        self.page(table: "orders", columns: Columns.order, ListFilters.orders(filter), page)
    }

    static func logs(_ filter: LogFilter, page: PageRequest) -> SQLiteQuery {
        self.page(table: "activity_logs", columns: Columns.log, ListFilters.logs(filter), page)
    }

    static func latestPrices(_ filter: PriceFilter) -> SQLiteQuery {
        let c: SQLiteConditions = ListFilters.latestPrices(filter)
        return SQLiteQuery(
            sql: "SELECT \(Columns.price) FROM prices\(c.whereClause) ORDER BY ticker, exchange",
            arguments: c.arguments)
    }

    static func priceHistory(ticker: String, exchange: String?, page: PageRequest) -> SQLiteQuery {
        self.page(
            table: "price_history", columns: "id, " + Columns.price,
            ListFilters.priceHistory(ticker: ticker, exchange: exchange), page)
    }

    /// The paper broker's working orders (through `ix_orders_status`).
    static let openOrders = """
        SELECT o.id, o.bot_id, o.exchange_order_id, o.side, o.type, o.quantity, o.price, o.status, o.filled_quantity,
        o.avg_fill_price, o.created_at, o.updated_at, b.ticker
        FROM orders o JOIN bots b ON b.id = o.bot_id
        WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') AND b.exchange = ? ORDER BY o.id
        """

    /// The bots page: a bot's latest orders and log lines, newest first.
    static let recentOrders =
        "SELECT \(Columns.order) FROM orders WHERE bot_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
    static let recentLogs =
        "SELECT \(Columns.log) FROM activity_logs WHERE bot_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?"

    /// Newest-first keyset pagination on the table's integer primary key (see `PageRequest`), one row beyond the
    /// page so the caller knows whether another follows.
    static func page(
        table: String, columns: String, _ conditions: SQLiteConditions, _ page: PageRequest
    ) -> SQLiteQuery {
        var c = conditions
        c.add("id < ?", page.before)
        return SQLiteQuery(
            sql: "SELECT \(columns) FROM \(table)\(c.whereClause) ORDER BY id DESC LIMIT ?",
            arguments: c.arguments + [page.limit + 1])
    }
}
