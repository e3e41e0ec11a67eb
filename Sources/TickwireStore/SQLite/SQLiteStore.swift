import Foundation
import GRDB
import Synchronization
import TickwireModel

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool`.
///
/// Writes are serialized by GRDB's writer queue, so event ids are assigned and committed in the same order: a reader
/// never sees event N+1 without event N. Reads run concurrently on snapshot-isolated readers, off the event loop.
///
/// Committed events go to the publisher from GRDB's commit hook, which runs on the writer queue right after each
/// commit: the hub receives them exactly in id order, whatever the concurrency of the callers.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    public let path: String
    /// While a position is open, its bot's equity is recorded at most once per interval as prices move it.
    public let equityInterval: Duration
    private let publisher = PublisherSlot()
    private let checkpointer: WALCheckpointer
    let commands: GroupCommit
    let metrics = StoreMetrics(store: "sqlite")

    public init(path: String, equityInterval: Duration = .seconds(60)) throws {
        self.equityInterval = equityInterval
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a commit survives a crash of the process, not a power loss of the machine;
            // FULL would fsync on every commit and cap writes at a few hundred per second.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoints (which fsync) run on their own connection, off the write path: see WALCheckpointer.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteMigrations.migrator.migrate(pool)
        let checkpointer = try WALCheckpointer(path: path)
        self.checkpointer = checkpointer
        let publisher = self.publisher
        self.commands = GroupCommit(
            pool: pool, metrics: metrics, publisher: { publisher.current }, onCommit: { checkpointer.noteCommit() })
    }

    /// A read on one of the pool's snapshot readers, timed.
    func read<Value: Sendable>(_ body: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        try await metrics.timed(metrics.reads) { try await pool.read(body) }
    }

    /// A write transaction of its own (not a command: no events), timed.
    func write<Value: Sendable>(_ body: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        try await metrics.timed(metrics.writes) { try await pool.write(body) }
    }

    public func publishCommits(to publisher: any EventPublisher) {
        self.publisher.current = publisher
    }

    // MARK: - Bots

    public func createBot(_ new: NewBot, at now: Timestamp) async throws -> Committed<Bot> {
        try await commands.run { db in
            let creation = BotCommands.create(new, at: now)
            return try self.commit(creation.saved(try Self.insertBot(creation.row, in: db)), at: now, in: db)
        }
    }

    static func insertBot(_ bot: Bot, in db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO bots (name, ticker, exchange, strategy, config, status, created_at, updated_at, owner_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                bot.name, bot.ticker, bot.exchange, bot.strategy, JSONCoding.encodeToString(bot.config),
                bot.status.rawValue, bot.createdAt.milliseconds, bot.updatedAt.milliseconds, bot.ownerId,
            ])
        return db.lastInsertedRowID
    }

    public func bot(id: Int64) async throws -> Bot {
        try await read { db in try Self.fetchBot(id: id, in: db) }
    }

    public func bots(_ filter: BotFilter) async throws -> [Bot] {
        let query = SQLiteQueries.bots(filter)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments).map(Bot.init(row:))
        }
    }

    public func updateBot(id: Int64, _ patch: BotPatch, at now: Timestamp) async throws -> Committed<Bot> {
        try await commands.run { db in
            let current = try Self.fetchBot(id: id, in: db)
            let position = try Self.fetchPosition(botId: id, at: now, in: db)
            let decision = try BotCommands.update(current, patch, position: position, at: now)
            try Self.saveBot(decision.value, in: db)
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func toggleBot(id: Int64, at now: Timestamp) async throws -> Committed<Bot> {
        try await commands.run { db in
            let decision = BotCommands.toggle(try Self.fetchBot(id: id, in: db), at: now)
            try Self.saveBot(decision.value, in: db)
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func deleteBot(id: Int64, at now: Timestamp) async throws -> Committed<Int64> {
        try await commands.run { db in
            let decision = BotCommands.delete(try Self.fetchBot(id: id, in: db))
            try db.execute(sql: "DELETE FROM bots WHERE id = ?", arguments: [id])
            return try self.commit(decision, at: now, in: db)
        }
    }

    // MARK: - Orders

    public func createOrder(
        botId: Int64, _ new: NewOrder, ownerId: Int64?, rules: OrderRules, at now: Timestamp
    ) async throws -> Committed<Order> {
        try await commands.run { db in
            let bot = try Self.fetchBot(id: botId, in: db)
            guard ownerId == nil || bot.ownerId == ownerId else {
                throw StoreError.notFound(entity: "bot", id: String(botId))
            }
            let lastPrice = try Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, in: db)
            let working = try Row.fetchOne(
                db.cachedStatement(sql: WorkingOrderTotals.read), arguments: [lastPrice ?? 0, botId])
            try OrderCommands.check(
                new, bot: bot,
                exposure: Exposure(
                    position: try Self.fetchPosition(botId: botId, at: now, in: db), working: working?[0] ?? 0,
                    workingBuyCost: working?[1] ?? 0, lastPrice: lastPrice),
                rules: rules)
            let creation = OrderCommands.create(new, botId: botId, at: now)
            let order = creation.row
            try db.cachedStatement(
                sql: """
                    INSERT INTO orders (bot_id, exchange_order_id, side, type, quantity, price, status,
                    filled_quantity, avg_fill_price, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                order.botId, order.exchangeOrderId, order.side.rawValue, order.type.rawValue, order.quantity,
                order.price, order.status.rawValue, order.filledQuantity, order.avgFillPrice,
                order.createdAt.milliseconds, order.updatedAt.milliseconds,
            ])
            let id = db.lastInsertedRowID
            try db.cachedStatement(sql: SharedSQL.touchLiveness).execute(arguments: [botId, now.milliseconds])
            return try self.commit(creation.saved(id), at: now, in: db)
        }
    }

    public func order(id: Int64) async throws -> Order {
        try await read { db in try Self.fetchOrder(id: id, in: db) }
    }

    public func orders(_ filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await fetchPage(
            SQLiteQueries.orders(filter, page: page), limit: page.limit, decode: Order.init(row:), id: \.id)
    }

    /// Merges `price` into its instrument's candles; returns the events that tells.
    static func recordCandles(_ price: Price, in db: Database) throws -> [EventDraft] {
        let latest = try db.cachedStatement(sql: SharedSQL.latestCandle)
        var current: [CandleInterval: Candle] = [:]
        for interval in CandleInterval.allCases {
            current[interval] = try Row.fetchOne(
                latest, arguments: [price.ticker, price.exchange, interval.rawValue]
            ).map(Candle.init(row:))
        }
        let decision = CandleCommands.record(price, current: current)
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO candles (\(Columns.candle)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ticker, exchange, span, start) DO UPDATE SET high = max(high, excluded.high),
                low = min(low, excluded.low), volume = volume + 1,
                close = CASE WHEN excluded.close_time >= close_time THEN excluded.close ELSE close END,
                close_time = max(close_time, excluded.close_time)
                """)
        for candle in decision.value {
            try upsert.execute(arguments: [
                candle.ticker, candle.exchange, candle.interval.rawValue, candle.start.milliseconds, candle.open,
                candle.high, candle.low, candle.close, candle.volume, candle.closeTime.milliseconds,
            ])
        }
        return decision.events
    }

    public func candles(
        ticker: String, exchange: String, interval: CandleInterval, from: Timestamp, to: Timestamp, limit: Int
    ) async throws -> [Candle] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: SharedSQL.candles),
                arguments: [ticker, exchange, interval.rawValue, from.milliseconds, to.milliseconds, limit]
            ).map(Candle.init(row:)).reversed()
        }
    }

    /// Adds the point unless the bot has one after `cutoff`; `equity_update` when it did.
    static func recordEquity(_ figures: BotPnL, at now: Timestamp, unlessAfter cutoff: Timestamp, in db: Database)
        throws -> [EventDraft]
    {
        let point = EquityPoint(figures, at: now)
        try db.cachedStatement(sql: SharedSQL.recordEquity).execute(arguments: [
            figures.botId, now.milliseconds, point.equity, point.pnl, point.positionQuantity, figures.botId,
            cutoff.milliseconds,
        ])
        guard db.changesCount > 0 else { return [] }
        try db.cachedStatement(sql: SharedSQL.markEquityPeak).execute(arguments: [
            point.equity, point.equity, point.equity, point.equity, figures.botId,
        ])
        return [.equityUpdate(botId: figures.botId, point)]
    }

    public func equityPoints(botId: Int64, from: Timestamp, to: Timestamp) async throws -> [EquityPoint] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: SharedSQL.equityPoints),
                arguments: [botId, from.milliseconds, to.milliseconds]
            ).map { row in
                EquityPoint(
                    timestamp: Timestamp(milliseconds: row[0]), equity: row[1], pnl: row[2], positionQuantity: row[3])
            }
        }
    }

    public func pruneEquity(before cutoff: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(sql: SharedSQL.pruneEquity, arguments: [cutoff.milliseconds])
            return db.changesCount
        }
    }

    public func fills(_ filter: FillFilter, page: PageRequest) async throws -> Page<Fill> {
        try await fetchPage(
            SQLiteQueries.fills(filter, page: page), limit: page.limit, decode: Fill.init(row:), id: \.id)
    }

    public func fillsInOrder(_ filter: FillFilter) async throws -> [Fill] {
        let query = SQLiteQueries.fillsInOrder(filter)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments).map(Fill.init(row:))
        }
    }

    public func updateOrder(id: Int64, _ patch: OrderPatch, at now: Timestamp) async throws -> Committed<Order> {
        try await commands.run { db in
            let transition = try OrderCommands.update(try Self.fetchOrder(id: id, in: db), patch, at: now)
            let order = transition.order
            try db.execute(
                sql: """
                    UPDATE orders SET exchange_order_id = ?, status = ?, filled_quantity = ?, avg_fill_price = ?,
                    updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    order.exchangeOrderId, order.status.rawValue, order.filledQuantity, order.avgFillPrice,
                    order.updatedAt.milliseconds, order.id,
                ])
            var settlement: OrderCommands.Settlement?
            var equity: [EventDraft] = []
            if transition.fill != nil {
                let bot = try Self.fetchBot(id: order.botId, in: db)
                settlement = OrderCommands.settle(
                    transition, bot: bot, position: try Self.fetchPosition(botId: bot.id, at: now, in: db),
                    lastPrice: try Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, in: db), at: now)
            }
            if let settlement {
                let fill = settlement.fill
                try db.execute(
                    sql: """
                        INSERT INTO fills (order_id, bot_id, side, quantity, price, fee, timestamp)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        fill.orderId, fill.botId, fill.side.rawValue, fill.quantity, fill.price, fill.fee,
                        fill.timestamp.milliseconds,
                    ])
                try Self.savePosition(settlement.position, in: db)
                equity = try Self.recordEquity(
                    settlement.pnl, at: now, unlessAfter: Timestamp(milliseconds: .max), in: db)
            }
            let events = OrderCommands.events(transition, settlement: settlement) + equity
            return Committed(order, events: try self.append(events, at: now, in: db))
        }
    }

    public func openOrders(exchange: String) async throws -> [(order: Order, ticker: String)] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: SQLiteQueries.openOrders), arguments: [exchange]).map { row in
                (try Order(row: row), row["ticker"])
            }
        }
    }

    // MARK: - Activity logs

    public func appendLogs(_ logs: [NewLog], at now: Timestamp) async throws -> Committed<[ActivityLog]> {
        try await commands.run { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM bots WHERE id = ?")
            for botId in Set(logs.compactMap(\.botId)) {
                guard try Bool.fetchOne(exists, arguments: [botId]) != nil else {
                    throw StoreError.notFound(entity: "bot", id: String(botId))
                }
            }
            let creation = LogCommands.append(logs, at: now)
            let insert = try db.cachedStatement(
                sql: "INSERT INTO activity_logs (bot_id, level, message, timestamp) VALUES (?, ?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(logs.count)
            for log in creation.row {
                try insert.execute(arguments: [log.botId, log.level.rawValue, log.message, log.timestamp.milliseconds])
                ids.append(db.lastInsertedRowID)
            }
            for botId in Set(logs.compactMap(\.botId)) {
                try db.cachedStatement(sql: SharedSQL.touchLiveness).execute(arguments: [botId, now.milliseconds])
            }
            return try self.commit(creation.saved(ids), at: now, in: db)
        }
    }

    public func logs(_ filter: LogFilter, page: PageRequest) async throws -> Page<ActivityLog> {
        try await fetchPage(
            SQLiteQueries.logs(filter, page: page), limit: page.limit, decode: ActivityLog.init(row:), id: \.id)
    }

    // MARK: - Prices

    public func recordPrices(_ prices: [NewPrice], at now: Timestamp) async throws -> Committed<[Price]> {
        try await commands.run { db in
            let recording = PriceCommands.record(prices, at: now)
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO prices (ticker, exchange, price, timestamp) VALUES (?, ?, ?, ?)
                    ON CONFLICT (ticker, exchange) DO UPDATE SET price = excluded.price, timestamp = excluded.timestamp
                    WHERE excluded.timestamp >= prices.timestamp
                    """)
            let history = try db.cachedStatement(
                sql: "INSERT INTO price_history (ticker, exchange, price, timestamp) VALUES (?, ?, ?, ?)")
            for price in recording.prices {
                let arguments: StatementArguments = [
                    price.ticker, price.exchange, price.price, price.timestamp.milliseconds,
                ]
                try upsert.execute(arguments: arguments)
                try history.execute(arguments: arguments)
            }
            let holders = try db.cachedStatement(
                sql: """
                    SELECT b.id FROM bots b JOIN positions p ON p.bot_id = b.id
                    WHERE b.ticker = ? AND b.exchange = ? AND p.quantity != 0 ORDER BY b.id
                    """)
            let holdings = try recording.instruments.map { instrument in
                PriceCommands.Holding(
                    lastPrice: try Self.fetchLatestPrice(
                        ticker: instrument.ticker, exchange: instrument.exchange, in: db),
                    holders: try Int64.fetchAll(holders, arguments: [instrument.ticker, instrument.exchange]).map {
                        (try Self.fetchBot(id: $0, in: db), try Self.fetchPosition(botId: $0, at: now, in: db))
                    })
            }
            var decision = recording.decide(holdings: holdings)
            for figures in recording.repriced(holdings) {
                decision.events += try Self.recordEquity(
                    figures, at: now, unlessAfter: now.adding(.zero - self.equityInterval), in: db)
            }
            for price in recording.prices { decision.events += try Self.recordCandles(price, in: db) }
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func latestPrices(_ filter: PriceFilter) async throws -> [Price] {
        let query = SQLiteQueries.latestPrices(filter)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments).map(Price.init(row:))
        }
    }

    public func priceHistory(ticker: String, exchange: String?, page: PageRequest) async throws -> Page<Price> {
        let page = try await fetchPage(
            SQLiteQueries.priceHistory(ticker: ticker, exchange: exchange, page: page), limit: page.limit,
            decode: { row in
                (
                    id: row[0] as Int64,
                    price: Price(
                        ticker: row[1], exchange: row[2], price: row[3], timestamp: Timestamp(milliseconds: row[4]))
                )
            }, id: \.id)
        return Page(items: page.items.map(\.price), nextCursor: page.nextCursor)
    }

    // MARK: - PnL and views

    public func pnl(botId: Int64) async throws -> BotPnL {
        try await read { db in
            let bot = try Self.fetchBot(id: botId, in: db)
            let position = try Self.fetchPosition(botId: botId, at: bot.createdAt, in: db)
            let lastPrice = try Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, in: db)
            return BotPnL(bot: bot, position: position, lastPrice: lastPrice)
        }
    }

    public func botsPage(ownerId: Int64?, at now: Timestamp) async throws -> BotsPage {
        let query = SQLiteQueries.bots(BotFilter(ownerId: ownerId))
        // One read transaction: the bundle and its event id come from the same snapshot.
        return try await read { db in
            let eventId = try Self.fetchLastEventId(in: db)
            let bots = try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments).map(
                Bot.init(row:))
            var positions: [Int64: Position] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Columns.position) FROM positions")) {
                let position = Position(row: row)
                positions[position.botId] = position
            }
            var prices: [String: Double] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Columns.price) FROM prices")) {
                let price = Price(row: row)
                prices[price.ticker + "\u{0}" + price.exchange] = price.price
            }
            let recentOrders = try db.cachedStatement(sql: SQLiteQueries.recentOrders)
            let recentLogs = try db.cachedStatement(sql: SQLiteQueries.recentLogs)
            let sparkline = try db.cachedStatement(sql: SharedSQL.sparkline)
            let entries = try bots.map { bot in
                BotsPage.Entry(
                    bot: bot,
                    pnl: BotPnL(
                        bot: bot, position: positions[bot.id] ?? .flat(botId: bot.id, at: bot.createdAt),
                        lastPrice: prices[bot.ticker + "\u{0}" + bot.exchange]),
                    recentOrders: try Row.fetchAll(recentOrders, arguments: [bot.id, BotsPage.ordersPerBot]).map(
                        Order.init(row:)),
                    recentLogs: try Row.fetchAll(recentLogs, arguments: [bot.id, BotsPage.logsPerBot]).map(
                        ActivityLog.init(row:)),
                    sparkline: try Double.fetchAll(sparkline, arguments: [bot.id, BotsPage.sparklinePoints]).reversed())
            }
            return BotsPage(eventId: eventId, generatedAt: now, bots: entries)
        }
    }

    public func checkReachable() async throws {
        do {
            _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            throw StoreError.unavailable("SQLite database at \(path): \(error)")
        }
    }

    // MARK: - Helpers (run inside a transaction)

    /// Appends a decision's events; the decided value and those events are what the command returns.
    func commit<Value: Sendable>(_ decision: Decision<Value>, at now: Timestamp, in db: Database) throws
        -> Committed<Value>
    {
        Committed(decision.value, events: try append(decision.events, at: now, in: db))
    }

    static func fetchBot(id: Int64, in db: Database) throws -> Bot {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Columns.bot) FROM bots WHERE id = ?"), arguments: [id])
        else { throw StoreError.notFound(entity: "bot", id: String(id)) }
        return try Bot(row: row)
    }

    static func fetchOrder(id: Int64, in db: Database) throws -> Order {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Columns.order) FROM orders WHERE id = ?"), arguments: [id])
        else { throw StoreError.notFound(entity: "order", id: String(id)) }
        return try Order(row: row)
    }

    static func fetchPosition(botId: Int64, at time: Timestamp, in db: Database) throws -> Position {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Columns.position) FROM positions WHERE bot_id = ?"), arguments: [botId])
        return row.map(Position.init(row:)) ?? .flat(botId: botId, at: time)
    }

    static func saveBot(_ bot: Bot, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE bots SET name = ?, ticker = ?, exchange = ?, strategy = ?, config = ?, status = ?,
                updated_at = ? WHERE id = ?
                """,
            arguments: [
                bot.name, bot.ticker, bot.exchange, bot.strategy, JSONCoding.encodeToString(bot.config),
                bot.status.rawValue, bot.updatedAt.milliseconds, bot.id,
            ])
    }

    static func savePosition(_ position: Position, in db: Database) throws {
        try db.cachedStatement(sql: SharedSQL.savePosition).execute(arguments: [
            position.botId, position.quantity, position.avgEntryPrice, position.realizedPnl, position.fees,
            position.updatedAt.milliseconds, position.closedTrades, position.winningTrades, position.tradePnl,
        ])
    }

    static func fetchLatestPrice(ticker: String, exchange: String, in db: Database) throws -> Double? {
        try Double.fetchOne(
            db.cachedStatement(sql: "SELECT price FROM prices WHERE ticker = ? AND exchange = ?"),
            arguments: [ticker, exchange])
    }

    static func fetchLastEventId(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM events")) ?? 0
    }

    /// Runs a query from `SQLiteQueries.page`: it asks for one row more than the page to learn whether another follows.
    func fetchPage<Item: Sendable>(
        _ query: SQLiteQuery, limit: Int, decode: @escaping @Sendable (Row) throws -> Item,
        id: @escaping @Sendable (Item) -> Int64
    ) async throws -> Page<Item> {
        try await read { db in
            var items = try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments).map(decode)
            var next: Int64?
            if items.count > limit {
                items.removeLast()
                next = items.last.map(id)
            }
            return Page(items: items, nextCursor: next)
        }
    }
}
