import TickwireModel

/// A `WHERE` clause under construction in one store's parameter syntax (`?` for SQLite, `$n` for PostgreSQL).
protocol ConditionBuilder {
    init()
    /// Adds `clause` (its parameter written `?`) when `value` is not nil.
    mutating func add(_ clause: String, _ value: Int64?)
    mutating func add(_ clause: String, _ value: String?)
    var whereClause: String { get }
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

    static func models<C: ConditionBuilder>(ownerId: Int64?) -> C {
        var c = C()
        c.add("owner_id = ?", ownerId)
        return c
    }
}
