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

    mutating func parameter(_ value: Int) -> String {
        arguments += [value]
        return "?"
    }

    var whereClause: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }

    func query(_ sql: String) -> SQLiteQuery { SQLiteQuery(sql: sql, arguments: arguments) }
}

struct SQLiteQuery {
    var sql: String
    var arguments: StatementArguments
}

typealias SQLiteQueries = ListQueries<SQLiteConditions>

/// Reads only the SQLite store runs as they are.
extension ListQueries where Builder == SQLiteConditions {
    /// The paper broker's working orders of the bots whose orders fill (`BotStatus.fillsOrders`, through
    /// `ix_orders_status`): a stopped bot's orders wait.
    static var openOrders: String {
        """
        SELECT o.id, o.bot_id, o.exchange_order_id, o.side, o.type, o.quantity, o.price, o.status, o.filled_quantity,
        o.avg_fill_price, o.created_at, o.updated_at, b.ticker
        FROM orders o JOIN bots b ON b.id = o.bot_id
        WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') AND b.exchange = ?
        AND b.status IN ('ACTIVE', 'STOP_ENTRIES', 'PAUSED') ORDER BY o.id
        """
    }

    /// The bots page: a bot's latest orders and log lines, newest first.
    static var recentOrders: String {
        "SELECT \(Columns.order) FROM orders WHERE bot_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
    }
    static var recentLogs: String {
        "SELECT \(Columns.log) FROM activity_logs WHERE bot_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?"
    }
}
