import PostgresNIO
import TickwireModel

/// A `WHERE` clause built from optional filters with numbered parameters (`$1`, `$2`, ...): nil adds nothing.
struct PostgresConditions: ConditionBuilder {
    private(set) var clauses: [String] = []
    private(set) var binds = PostgresBindings()

    /// `clause` names the parameter as `?`, replaced by its number.
    mutating func add(_ clause: String, _ value: Int64?) { addBound(clause, value) }
    mutating func add(_ clause: String, _ value: String?) { addBound(clause, value) }

    private mutating func addBound<Value: PostgresNonThrowingEncodable & Sendable>(_ clause: String, _ value: Value?) {
        guard let value else { return }
        clauses.append(clause.replacingOccurrences(of: "?", with: parameter(value)))
    }

    /// Binds `value` and returns its placeholder, for a parameter outside the `WHERE` clause.
    mutating func parameter<Value: PostgresNonThrowingEncodable & Sendable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var whereClause: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// The list reads of the PostgreSQL store: the same filters, order and keyset pagination as `Queries` (SQLite).
enum PostgresQueries {
    static func bots(_ filter: BotFilter) -> PostgresQuery {
        let c: PostgresConditions = ListFilters.bots(filter)
        return c.query("SELECT \(Columns.bot) FROM bots\(c.whereClause) ORDER BY created_at, id")
    }

    static func orders(_ filter: OrderFilter, page: PageRequest) -> PostgresQuery {
        self.page(table: "orders", columns: Columns.order, ListFilters.orders(filter), page)
    }

    static func logs(_ filter: LogFilter, page: PageRequest) -> PostgresQuery {
        self.page(table: "activity_logs", columns: Columns.log, ListFilters.logs(filter), page)
    }

    static func latestPrices(_ filter: PriceFilter) -> PostgresQuery {
        let c: PostgresConditions = ListFilters.latestPrices(filter)
        return c.query("SELECT \(Columns.price) FROM prices\(c.whereClause) ORDER BY ticker, exchange")
    }

    static func priceHistory(ticker: String, exchange: String?, page: PageRequest) -> PostgresQuery {
        self.page(
            table: "price_history", columns: "id, " + Columns.price,
            ListFilters.priceHistory(ticker: ticker, exchange: exchange), page)
    }

    /// Newest first by primary key, one row beyond the page so the caller knows whether another follows.
    static func page(table: String, columns: String, _ conditions: PostgresConditions, _ page: PageRequest)
        -> PostgresQuery
    {
        var c = conditions
        c.add("id < ?", page.before)
        let limit = c.parameter(page.limit + 1)
        return c.query("SELECT \(columns) FROM \(table)\(c.whereClause) ORDER BY id DESC LIMIT \(limit)")
    }
}
