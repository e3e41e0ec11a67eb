import TickwireModel

/// A `WHERE` clause under construction in one store's parameter syntax (`?` for SQLite, `$n` for PostgreSQL).
protocol ConditionBuilder {
    /// A statement with its parameters bound, as the store runs it.
    associatedtype Query
    init()
    /// Adds `clause` (its parameter written `?`) when `value` is not nil.
    mutating func add(_ clause: String, _ value: Int64?)
    mutating func add(_ clause: String, _ value: String?)
    /// Binds `value` and returns its placeholder, for a parameter after the `WHERE` clause.
    mutating func parameter(_ value: Int) -> String
    var whereClause: String { get }
    /// `sql` with the parameters bound so far.
    func query(_ sql: String) -> Query
}

/// The SQL of the list and filter reads, written once for both stores, so that a test can `EXPLAIN` exactly what a
/// store runs and prove each uses the index meant for it.
enum ListQueries<Builder: ConditionBuilder> {
    static func bots(_ filter: BotFilter) -> Builder.Query {
        let c: Builder = ListFilters.bots(filter)
        return c.query("SELECT \(Columns.bot) FROM bots\(c.whereClause) ORDER BY created_at, id")
    }

    static func orders(_ filter: OrderFilter, page: PageRequest) -> Builder.Query {
        self.page(table: "orders", columns: Columns.order, ListFilters.orders(filter), page)
    }

    static func fills(_ filter: FillFilter, page: PageRequest) -> Builder.Query {
        self.page(table: "fills", columns: Columns.fill, ListFilters.fills(filter), page)
    }

    /// Every fill of the bots `filter` selects, oldest first: what round-trip trades are built from.
    static func fillsInOrder(_ filter: FillFilter) -> Builder.Query {
        let c: Builder = ListFilters.fills(filter)
        return c.query("SELECT \(Columns.fill) FROM fills\(c.whereClause) ORDER BY id")
    }

    static func logs(_ filter: LogFilter, page: PageRequest) -> Builder.Query {
        self.page(table: "activity_logs", columns: Columns.log, ListFilters.logs(filter), page)
    }

    static func latestPrices(_ filter: PriceFilter) -> Builder.Query {
        let c: Builder = ListFilters.latestPrices(filter)
        return c.query("SELECT \(Columns.price) FROM prices\(c.whereClause) ORDER BY ticker, exchange")
    }

    static func priceHistory(ticker: String, exchange: String?, page: PageRequest) -> Builder.Query {
        self.page(
            table: "price_history", columns: "id, " + Columns.price,
            ListFilters.priceHistory(ticker: ticker, exchange: exchange), page)
    }

    /// Newest-first keyset pagination on the table's integer primary key (see `PageRequest`), one row beyond the
    /// page so the caller knows whether another follows.
    static func page(table: String, columns: String, _ conditions: Builder, _ page: PageRequest) -> Builder.Query {
        var c = conditions
        c.add("id < ?", page.before)
        let limit = c.parameter(page.limit + 1)
        return c.query("SELECT \(columns) FROM \(table)\(c.whereClause) ORDER BY id DESC LIMIT \(limit)")
    }
}

/// The filters of the list reads, written once for every store: which column each filter constrains, and how.
enum ListFilters {
    static func bots<C: ConditionBuilder>(_ filter: BotFilter) -> C {
        var c = C()
        c.add("status = ?", filter.status?.rawValue)
        c.add("exchange = ?", filter.exchange)
        c.add("ticker = ?", filter.ticker)
        c.add("owner_id = ?", filter.ownerId)
        return c
    }

    static func orders<C: ConditionBuilder>(_ filter: OrderFilter) -> C {
        var c = C()
        c.add("bot_id = ?", filter.botId)
        c.add("status = ?", filter.status?.rawValue)
        c.add("bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", filter.ownerId)
        return c
    }

    static func fills<C: ConditionBuilder>(_ filter: FillFilter) -> C {
        var c = C()
        c.add("bot_id = ?", filter.botId)
        c.add("bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", filter.ownerId)
        return c
    }

    static func logs<C: ConditionBuilder>(_ filter: LogFilter) -> C {
        var c = C()
        c.add("bot_id = ?", filter.botId)
        c.add("level = ?", filter.level?.rawValue)
        c.add("timestamp >= ?", filter.since?.milliseconds)
        c.add("bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", filter.ownerId)
        return c
    }

    static func latestPrices<C: ConditionBuilder>(_ filter: PriceFilter) -> C {
        var c = C()
        c.add("ticker = ?", filter.ticker)
        c.add("exchange = ?", filter.exchange)
        return c
    }

    static func priceHistory<C: ConditionBuilder>(ticker: String, exchange: String?) -> C {
        var c = C()
        c.add("ticker = ?", ticker)
        c.add("exchange = ?", exchange)
        return c
    }

    static func apiKeys<C: ConditionBuilder>(userId: Int64?) -> C {
        var c = C()
        c.add("user_id = ?", userId)
        return c
    }

    /// One user's rows (models, datasets, backtests), or everyone's for `nil`.
    static func owned<C: ConditionBuilder>(by ownerId: Int64?) -> C {
        var c = C()
        c.add("owner_id = ?", ownerId)
        return c
    }
}
