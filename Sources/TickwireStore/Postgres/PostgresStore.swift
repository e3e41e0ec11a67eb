import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import TickwireModel

/// The production store: PostgreSQL through postgres-nio's `PostgresClient` (a connection pool).
///
/// Ordering: every write transaction first takes one transaction-level advisory lock
/// (`pg_advisory_xact_lock(eventLockKey)`), held until it commits. Event ids come from a sequence inside that
/// window, so a transaction with a lower id always commits before one with a higher id, on this node and on every
/// other node sharing the database: a reader can never see event N+1 committed while N is still in flight, and a
/// client resuming after N can never skip it. The lock also makes every write see the state the previous one left
/// (the commands read, then write: a fill reads the order and the position it updates), as SQLite's single writer
/// does. On this node the commands that wait for the lock share the next transaction (group commit, one savepoint
/// each), so they neither hold a pooled connection each nor pay a BEGIN, a lock and a COMMIT each. Events reach the
/// hub through `LogFollower`, in id order.
public final class PostgresStore: Store {
    static let eventLockKey: Int64 = 0x7469_636B_0002

    let client: PostgresClient
    /// For connections outside the pool (the engine lease's).
    let connectionConfiguration: PostgresConnection.Configuration
    let logger: Logger
    /// Where the server is, without the password, for messages.
    public let location: String
    /// While a position is open, its bot's equity is recorded at most once per interval as prices move it.
    public let equityInterval: Duration
    private let runner: Task<Void, Never>
    private let publisher = PublisherSlot()
    /// Commands waiting for the next write transaction (`PostgresStore+GroupCommit`).
    let writeQueue = Mutex(CommandQueue<WriteJob>())
    let metrics = StoreMetrics(store: "postgres")
    /// Delivers the log (this node's commits and every other node's) to the publisher in id order.
    let follower: LogFollower
    /// Whether the notification connection is up (readiness).
    let listening = Mutex(false)
    private let listener = Mutex<Task<Void, Never>?>(nil)
    /// The engine term this node leads, if any: a write that finds it fenced ends it at once (`PostgresStore+EngineLease`).
    let leading = Mutex<(term: LeaseTerm, end: @Sendable () -> Void)?>(nil)

    /// Connects to `url` (`postgres://user:password@host:port/database`), runs the migrations, and returns the
    /// store. `poolSize` bounds the connections this process opens.
    public static func connect(
        url: String, poolSize: Int = 16, logger: Logger? = nil, equityInterval: Duration = .seconds(60)
    ) async throws -> PostgresStore {
        let logger = logger ?? Logger(label: "tickwire.postgres")
        let store = try PostgresStore(url: url, poolSize: poolSize, logger: logger, equityInterval: equityInterval)
        do {
            try await PostgresMigrations.migrate(store, logger: logger)
            store.follower.start(at: try await store.lastEventId())
        } catch let error as StoreError {
            store.close()
            throw error
        } catch {
            store.close()
            throw StoreError.unavailable("PostgreSQL at \(store.location): \(String(reflecting: error))")
        }
        store.listener.withLock { $0 = Task { await store.followOtherNodes() } }
        // Serve only once other nodes' commits reach this one (a few milliseconds; give up waiting after 5 s and
        // let `/ready` say so).
        for _ in 0..<500 where !store.listening.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        return store
    }

    init(url: String, poolSize: Int, logger: Logger, equityInterval: Duration) throws {
        self.equityInterval = equityInterval
        let server = try PostgresURL(url)
        self.connectionConfiguration = server.connectionConfiguration
        let client = PostgresClient(configuration: server.poolConfiguration(size: poolSize), backgroundLogger: logger)
        self.client = client
        self.logger = logger
        let location = server.location
        self.location = location
        self.runner = Task { await client.run() }
        let slot = publisher
        self.follower = LogFollower(
            from: 0,
            reader: { after, limit in
                try await Self.readEvents(client, at: location, after: after, limit: limit)
            },
            publisher: { slot.current })
    }

    /// Closes the pool. The store is unusable afterwards.
    public func close() {
        listener.withLock { $0?.cancel() }
        runner.cancel()
    }

    deinit { close() }

    public func publishCommits(to publisher: any EventPublisher) {
        self.publisher.current = publisher
    }

    // MARK: - Transactions

    /// One write: a command run inside a transaction that holds the event lock, shared with the commands queued
    /// behind the one before (`PostgresStore+GroupCommit`); its events are published after the commit.
    ///
    /// The command runs in the group's task, not the caller's: cancelling the caller (a session being stopped, a
    /// client going away) must not abort a command halfway, as postgres-nio would on a cancelled task. It commits or
    /// fails as a whole. A command made for an engine term (`LeaseTerm.current`) is fenced by it.
    func write<Value: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Committed<Value>)
        async throws -> Committed<Value>
    {
        try await groupWrite(fencedBy: LeaseTerm.current, body)
    }

    /// Reads on one connection in one snapshot (`REPEATABLE READ`), so related rows come from the same moment.
    func read<Value: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Value) async throws
        -> Value
    {
        try await mapErrors {
            try await self.metrics.timed(self.metrics.reads) {
                try await self.leased { connection in
                    try await connection.transaction(
                        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger
                    ) { try await body(connection) }
                }
            }
        }
    }

    // MARK: - Bots

    public func createBot(_ new: NewBot, at now: Timestamp) async throws -> Committed<Bot> {
        try await write { db in
            let creation = BotCommands.create(new, at: now)
            return try await self.commit(
                creation.saved(try await Self.insertBot(creation.row, on: db)), at: now, on: db)
        }
    }

    static func insertBot(_ bot: Bot, on db: PostgresConnection) async throws -> Int64 {
        let config = JSONCoding.encodeToString(bot.config)
        return try await db.one(
            """
            INSERT INTO bots (name, ticker, exchange, strategy, config, status, created_at, updated_at, owner_id)
            VALUES (\(bot.name), \(bot.ticker), \(bot.exchange), \(bot.strategy), \(config), \(bot.status.rawValue),
            \(bot.createdAt.milliseconds), \(bot.updatedAt.milliseconds), \(bot.ownerId)) RETURNING id
            """, Int64.self)
    }

    public func bot(id: Int64) async throws -> Bot {
        try await read { db in try await Self.fetchBot(id: id, on: db) }
    }

    public func bots(_ filter: BotFilter) async throws -> [Bot] {
        try await read { db in try await db.rows(PostgresQueries.bots(filter)).map(Bot.init(pg:)) }
    }

    public func updateBot(id: Int64, _ patch: BotPatch, at now: Timestamp) async throws -> Committed<Bot> {
        try await write { db in
            let current = try await Self.fetchBot(id: id, on: db)
            let position = try await Self.fetchPosition(botId: id, at: now, on: db)
            let decision = try BotCommands.update(current, patch, position: position, at: now)
            try await Self.saveBot(decision.value, on: db)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func toggleBot(id: Int64, at now: Timestamp) async throws -> Committed<Bot> {
        try await write { db in
            let decision = BotCommands.toggle(try await Self.fetchBot(id: id, on: db), at: now)
            try await Self.saveBot(decision.value, on: db)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func deleteBot(id: Int64, at now: Timestamp) async throws -> Committed<Int64> {
        try await write { db in
            let decision = BotCommands.delete(try await Self.fetchBot(id: id, on: db))
            try await db.send("DELETE FROM bots WHERE id = \(id)", logger: self.logger)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    // MARK: - Orders

    public func createOrder(
        botId: Int64, _ new: NewOrder, ownerId: Int64?, rules: OrderRules, at now: Timestamp
    ) async throws -> Committed<Order> {
        try await write { db in
            let bot = try await Self.fetchBot(id: botId, on: db)
            guard ownerId == nil || bot.ownerId == ownerId else {
                throw StoreError.notFound(entity: "bot", id: String(botId))
            }
            let lastPrice = try await Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, on: db)
            var binds = PostgresBindings()
            binds.append(lastPrice ?? 0)
            binds.append(botId)
            let working = try await db.rows(
                PostgresQuery(unsafeSQL: Self.numbered(WorkingOrderTotals.read), binds: binds)
            ).first
            try OrderCommands.check(
                new, bot: bot,
                exposure: Exposure(
                    position: try await Self.fetchPosition(botId: botId, at: now, on: db),
                    working: try working?.value("working") ?? 0, workingBuyCost: try working?.value("buy_cost") ?? 0,
                    lastPrice: lastPrice),
                rules: rules)
            let creation = OrderCommands.create(new, botId: botId, at: now)
            let order = creation.row
            // The order is inserted only if the bot still exists and (for a user) is theirs; no row back means
            // neither, which the caller hears as 404.
            let rows = try await db.send(
                """
                WITH bot AS (SELECT id FROM bots WHERE id = \(botId)
                  AND (\(ownerId)::BIGINT IS NULL OR owner_id = \(ownerId)::BIGINT))
                INSERT INTO orders (bot_id, exchange_order_id, side, type, quantity, price, status,
                  filled_quantity, avg_fill_price, created_at, updated_at)
                  SELECT bot.id, \(order.exchangeOrderId), \(order.side.rawValue), \(order.type.rawValue),
                  \(order.quantity), \(order.price), \(order.status.rawValue), \(order.filledQuantity),
                  \(order.avgFillPrice), \(order.createdAt.milliseconds), \(order.updatedAt.milliseconds)
                  FROM bot RETURNING id
                """, logger: self.logger)
            var inserted: Int64?
            for try await id in rows.decode(Int64.self) { inserted = id }
            guard let inserted else { throw StoreError.notFound(entity: "bot", id: String(botId)) }
            try await Self.touchLiveness(botId, at: now, on: db)
            return try await self.commit(creation.saved(inserted), at: now, on: db)
        }
    }

    public func order(id: Int64) async throws -> Order {
        try await read { db in try await Self.fetchOrder(id: id, on: db) }
    }

    public func orders(_ filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await fetchPage(
            PostgresQueries.orders(filter, page: page), limit: page.limit, decode: Order.init(pg:), id: \.id)
    }

    /// Merges `price` into its instrument's candles; returns the events that tells.
    static func recordCandles(_ price: Price, on db: PostgresConnection) async throws -> [EventDraft] {
        var current: [CandleInterval: Candle] = [:]
        for interval in CandleInterval.allCases {
            var binds = PostgresBindings()
            binds.append(price.ticker)
            binds.append(price.exchange)
            binds.append(interval.rawValue)
            current[interval] = try await db.rows(
                PostgresQuery(unsafeSQL: numbered(SharedSQL.latestCandle), binds: binds)
            ).first.map(Candle.init(pg:))
        }
        let decision = CandleCommands.record(price, current: current)
        for candle in decision.value {
            try await db.send(
                """
                INSERT INTO candles (ticker, exchange, span, start, open, high, low, close, volume, close_time)
                VALUES (\(candle.ticker), \(candle.exchange), \(candle.interval.rawValue), \(candle.start.milliseconds),
                \(candle.open), \(candle.high), \(candle.low), \(candle.close), \(candle.volume),
                \(candle.closeTime.milliseconds))
                ON CONFLICT (ticker, exchange, span, start) DO UPDATE SET high = GREATEST(candles.high, excluded.high),
                low = LEAST(candles.low, excluded.low), volume = candles.volume + 1,
                close = CASE WHEN excluded.close_time >= candles.close_time THEN excluded.close ELSE candles.close END,
                close_time = GREATEST(candles.close_time, excluded.close_time)
                """, logger: Logger(label: "tickwire.postgres"))
        }
        return decision.events
    }

    public func candles(
        ticker: String, exchange: String, interval: CandleInterval, from: Timestamp, to: Timestamp, limit: Int
    ) async throws -> [Candle] {
        var binds = PostgresBindings()
        binds.append(ticker)
        binds.append(exchange)
        binds.append(interval.rawValue)
        binds.append(from.milliseconds)
        binds.append(to.milliseconds)
        binds.append(Int64(limit))
        let query = PostgresQuery(unsafeSQL: Self.numbered(SharedSQL.candles), binds: binds)
        return try await read { db in try await db.rows(query).map(Candle.init(pg:)).reversed() }
    }

    /// Adds the point unless the bot has one after `cutoff`; `equity_update` when it did.
    static func recordEquity(
        _ figures: BotPnL, at now: Timestamp, unlessAfter cutoff: Timestamp, on db: PostgresConnection
    ) async throws -> [EventDraft] {
        let point = EquityPoint(figures, at: now)
        var binds = PostgresBindings()
        binds.append(figures.botId)
        binds.append(now.milliseconds)
        binds.append(point.equity)
        binds.append(point.pnl)
        binds.append(point.positionQuantity)
        binds.append(figures.botId)
        binds.append(cutoff.milliseconds)
        let added = try await db.rows(
            PostgresQuery(unsafeSQL: numbered(SharedSQL.recordEquity) + " RETURNING 1", binds: binds)
        ).count
        guard added > 0 else { return [] }
        var peak = PostgresBindings()
        for _ in 0..<4 { peak.append(point.equity) }
        peak.append(figures.botId)
        try await db.send(
            PostgresQuery(unsafeSQL: numbered(SharedSQL.markEquityPeak), binds: peak),
            logger: Logger(label: "tickwire.postgres"))
        return [.equityUpdate(botId: figures.botId, point)]
    }

    /// The bot's order and log writes count as a heartbeat.
    static func touchLiveness(_ botId: Int64, at now: Timestamp, on db: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(botId)
        binds.append(now.milliseconds)
        try await db.send(
            PostgresQuery(unsafeSQL: numbered(SharedSQL.touchLiveness), binds: binds),
            logger: Logger(label: "tickwire.postgres"))
    }

    /// Shared SQL with its `?`s numbered `$1`, `$2`, … for PostgreSQL.
    static func numbered(_ sql: String) -> String {
        var counter = 0
        var out = ""
        for character in sql {
            if character == "?" {
                counter += 1
                out += "$\(counter)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    public func equityPoints(botId: Int64, from: Timestamp, to: Timestamp) async throws -> [EquityPoint] {
        var binds = PostgresBindings()
        binds.append(botId)
        binds.append(from.milliseconds)
        binds.append(to.milliseconds)
        let query = PostgresQuery(unsafeSQL: Self.numbered(SharedSQL.equityPoints), binds: binds)
        return try await read { db in
            try await db.rows(query).map { row in
                EquityPoint(
                    timestamp: try row.timestamp("timestamp"), equity: try row.value("equity"),
                    pnl: try row.value("pnl"), positionQuantity: try row.value("position_quantity"))
            }
        }
    }

    public func pruneEquity(before cutoff: Timestamp) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(cutoff.milliseconds)
        let query = PostgresQuery(unsafeSQL: Self.numbered(SharedSQL.pruneEquity) + " RETURNING 1", binds: binds)
        return try await mapErrors { try await leased { db in try await db.rows(query).count } }
    }

    public func fills(_ filter: FillFilter, page: PageRequest) async throws -> Page<Fill> {
        try await fetchPage(
            PostgresQueries.fills(filter, page: page), limit: page.limit, decode: Fill.init(pg:), id: \.id)
    }

    public func fillsInOrder(_ filter: FillFilter) async throws -> [Fill] {
        let query = PostgresQueries.fillsInOrder(filter)
        return try await read { db in try await db.rows(query).map(Fill.init(pg:)) }
    }

    public func updateOrder(id: Int64, _ patch: OrderPatch, at now: Timestamp) async throws -> Committed<Order> {
        try await write { db in
            let transition = try OrderCommands.update(try await Self.fetchOrder(id: id, on: db), patch, at: now)
            let order = transition.order
            try await db.send(
                """
                UPDATE orders SET exchange_order_id = \(order.exchangeOrderId), status = \(order.status.rawValue),
                filled_quantity = \(order.filledQuantity), avg_fill_price = \(order.avgFillPrice),
                updated_at = \(order.updatedAt.milliseconds) WHERE id = \(order.id)
                """, logger: self.logger)
            var settlement: OrderCommands.Settlement?
            var equity: [EventDraft] = []
            if transition.fill != nil {
                let bot = try await Self.fetchBot(id: order.botId, on: db)
                settlement = OrderCommands.settle(
                    transition, bot: bot, position: try await Self.fetchPosition(botId: bot.id, at: now, on: db),
                    lastPrice: try await Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, on: db),
                    at: now)
            }
            if let settlement {
                let fill = settlement.fill
                try await db.send(
                    """
                    INSERT INTO fills (order_id, bot_id, side, quantity, price, fee, timestamp)
                    VALUES (\(fill.orderId), \(fill.botId), \(fill.side.rawValue), \(fill.quantity), \(fill.price),
                    \(fill.fee), \(fill.timestamp.milliseconds))
                    """, logger: self.logger)
                try await Self.savePosition(settlement.position, on: db)
                equity = try await Self.recordEquity(
                    settlement.pnl, at: now, unlessAfter: Timestamp(milliseconds: .max), on: db)
            }
            let events = OrderCommands.events(transition, settlement: settlement) + equity
            return Committed(order, events: try await self.append(events, at: now, on: db))
        }
    }

    public func openOrders(exchange: String) async throws -> [(order: Order, ticker: String)] {
        let rows = try await read { db in
            try await db.rows(
                """
                SELECT o.id, o.bot_id, o.exchange_order_id, o.side, o.type, o.quantity, o.price, o.status,
                o.filled_quantity, o.avg_fill_price, o.created_at, o.updated_at, b.ticker
                FROM orders o JOIN bots b ON b.id = o.bot_id
                WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') AND b.exchange = \(exchange)
                AND b.status IN ('ACTIVE', 'STOP_ENTRIES', 'PAUSED') ORDER BY o.id
                """
            ).map { row in OpenOrder(order: try Order(pg: row), ticker: try row.value("ticker")) }
        }
        return rows.map { ($0.order, $0.ticker) }
    }

    private struct OpenOrder: Sendable {
        let order: Order
        let ticker: String
    }

    // MARK: - Activity logs

    /// Three round trips for a batch of up to 1,000 lines: its bots checked in one query, the lines inserted in one
    /// statement, their events appended in one more.
    public func appendLogs(_ logs: [NewLog], at now: Timestamp) async throws -> Committed<[ActivityLog]> {
        try await write { db in
            let botIds = Array(Set(logs.compactMap(\.botId)))
            if !botIds.isEmpty {
                var found: Set<Int64> = []
                let rows = try await db.send("SELECT id FROM bots WHERE id = ANY(\(botIds))", logger: self.logger)
                for try await id in rows.decode(Int64.self) { found.insert(id) }
                if let missing = logs.lazy.compactMap(\.botId).first(where: { !found.contains($0) }) {
                    throw StoreError.notFound(entity: "bot", id: String(missing))
                }
            }
            let creation = LogCommands.append(logs, at: now)
            var ids: [Int64] = []
            ids.reserveCapacity(logs.count)
            for start in stride(from: 0, to: logs.count, by: Self.appendBatch) {
                let chunk = creation.row[start..<min(start + Self.appendBatch, logs.count)]
                let rows = try await db.send(Self.insertLogsQuery(chunk), logger: self.logger)
                for try await id in rows.decode(Int64.self) { ids.append(id) }
            }
            for botId in Set(logs.compactMap(\.botId)) { try await Self.touchLiveness(botId, at: now, on: db) }
            return try await self.commit(creation.saved(ids), at: now, on: db)
        }
    }

    /// Inserts the lines and returns their ids in the order given (ids are taken in `VALUES` order).
    static func insertLogsQuery(_ logs: ArraySlice<ActivityLog>) -> PostgresQuery {
        var sql = "WITH inserted AS (INSERT INTO activity_logs (bot_id, level, message, timestamp) VALUES "
        var binds = PostgresBindings(capacity: logs.count * 4)
        for (offset, log) in logs.enumerated() {
            let p = offset * 4
            sql += offset > 0 ? ", " : ""
            sql += "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4))"
            binds.append(log.botId)
            binds.append(log.level.rawValue)
            binds.append(log.message)
            binds.append(log.timestamp.milliseconds)
        }
        sql += " RETURNING id) SELECT id FROM inserted ORDER BY id"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func logs(_ filter: LogFilter, page: PageRequest) async throws -> Page<ActivityLog> {
        try await fetchPage(
            PostgresQueries.logs(filter, page: page), limit: page.limit, decode: ActivityLog.init(pg:), id: \.id)
    }

    // MARK: - Prices

    public func recordPrices(_ prices: [NewPrice], at now: Timestamp) async throws -> Committed<[Price]> {
        try await write { db in
            let recording = PriceCommands.record(prices, at: now)
            for price in recording.prices {
                let time = price.timestamp.milliseconds
                try await db.send(
                    """
                    INSERT INTO prices (ticker, exchange, price, timestamp)
                    VALUES (\(price.ticker), \(price.exchange), \(price.price), \(time))
                    ON CONFLICT (ticker, exchange) DO UPDATE SET price = excluded.price, timestamp = excluded.timestamp
                    WHERE excluded.timestamp >= prices.timestamp
                    """, logger: self.logger)
                try await db.send(
                    """
                    INSERT INTO price_history (ticker, exchange, price, timestamp)
                    VALUES (\(price.ticker), \(price.exchange), \(price.price), \(time))
                    """, logger: self.logger)
            }
            var holdings: [PriceCommands.Holding] = []
            for instrument in recording.instruments {
                let (ticker, exchange) = (instrument.ticker, instrument.exchange)
                var holders: [(bot: Bot, position: Position)] = []
                for row in try await db.rows(
                    """
                    SELECT b.id FROM bots b JOIN positions p ON p.bot_id = b.id
                    WHERE b.ticker = \(ticker) AND b.exchange = \(exchange) AND p.quantity != 0 ORDER BY b.id
                    """)
                {
                    let botId: Int64 = try row.value("id")
                    holders.append(
                        (
                            try await Self.fetchBot(id: botId, on: db),
                            try await Self.fetchPosition(botId: botId, at: now, on: db)
                        ))
                }
                holdings.append(
                    PriceCommands.Holding(
                        lastPrice: try await Self.fetchLatestPrice(ticker: ticker, exchange: exchange, on: db),
                        holders: holders))
            }
            var decision = recording.decide(holdings: holdings)
            for figures in recording.repriced(holdings) {
                decision.events += try await Self.recordEquity(
                    figures, at: now, unlessAfter: now.adding(.zero - self.equityInterval), on: db)
            }
            for price in recording.prices { decision.events += try await Self.recordCandles(price, on: db) }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func latestPrices(_ filter: PriceFilter) async throws -> [Price] {
        try await read { db in try await db.rows(PostgresQueries.latestPrices(filter)).map(Price.init(pg:)) }
    }

    public func priceHistory(ticker: String, exchange: String?, page: PageRequest) async throws -> Page<Price> {
        let page = try await fetchPage(
            PostgresQueries.priceHistory(ticker: ticker, exchange: exchange, page: page), limit: page.limit,
            decode: { row in HistoryRow(id: try row.value("id"), price: try Price(pg: row)) }, id: \.id)
        return Page(items: page.items.map(\.price), nextCursor: page.nextCursor)
    }

    private struct HistoryRow: Sendable {
        let id: Int64
        let price: Price
    }

    // MARK: - PnL and views

    public func pnl(botId: Int64) async throws -> BotPnL {
        try await read { db in
            let bot = try await Self.fetchBot(id: botId, on: db)
            let position = try await Self.fetchPosition(botId: botId, at: bot.createdAt, on: db)
            let lastPrice = try await Self.fetchLatestPrice(ticker: bot.ticker, exchange: bot.exchange, on: db)
            return BotPnL(bot: bot, position: position, lastPrice: lastPrice)
        }
    }

    public func botsPage(ownerId: Int64?, at now: Timestamp) async throws -> BotsPage {
        // One snapshot: the bundle and its event id come from the same moment.
        try await read { db in
            let eventId = try await Self.fetchLastEventId(on: db)
            let bots = try await db.rows(PostgresQueries.bots(BotFilter(ownerId: ownerId))).map(Bot.init(pg:))
            var positions: [Int64: Position] = [:]
            for row in try await db.rows("SELECT \(unescaped: Columns.position) FROM positions") {
                let position = try Position(pg: row)
                positions[position.botId] = position
            }
            var prices: [String: Double] = [:]
            for row in try await db.rows("SELECT \(unescaped: Columns.price) FROM prices") {
                let price = try Price(pg: row)
                prices[price.ticker + "\u{0}" + price.exchange] = price.price
            }
            var entries: [BotsPage.Entry] = []
            for bot in bots {
                let orders = try await db.rows(
                    """
                    SELECT \(unescaped: Columns.order) FROM orders WHERE bot_id = \(bot.id)
                    ORDER BY created_at DESC, id DESC LIMIT \(BotsPage.ordersPerBot)
                    """
                ).map(Order.init(pg:))
                let logs = try await db.rows(
                    """
                    SELECT \(unescaped: Columns.log) FROM activity_logs WHERE bot_id = \(bot.id)
                    ORDER BY timestamp DESC, id DESC LIMIT \(BotsPage.logsPerBot)
                    """
                ).map(ActivityLog.init(pg:))
                let sparkline = try await db.rows(
                    """
                    SELECT equity FROM equity_points WHERE bot_id = \(bot.id)
                    ORDER BY timestamp DESC, id DESC LIMIT \(BotsPage.sparklinePoints)
                    """
                ).map { try $0.value("equity", as: Double.self) }
                entries.append(
                    BotsPage.Entry(
                        bot: bot,
                        pnl: BotPnL(
                            bot: bot, position: positions[bot.id] ?? .flat(botId: bot.id, at: bot.createdAt),
                            lastPrice: prices[bot.ticker + "\u{0}" + bot.exchange]),
                        recentOrders: orders, recentLogs: logs, sparkline: sparkline.reversed()))
            }
            return BotsPage(eventId: eventId, generatedAt: now, bots: entries)
        }
    }

    /// Ready when a query answers and this node is listening for other nodes' commits.
    public func checkReachable() async throws {
        do {
            _ = try await leased { db in try await db.one("SELECT 1::BIGINT", Int64.self) }
        } catch {
            throw StoreError.unavailable("PostgreSQL at \(location): \(String(reflecting: error))")
        }
        guard listening.withLock({ $0 }) else {
            throw StoreError.unavailable("PostgreSQL at \(location): not yet listening for other nodes' events")
        }
    }

    // MARK: - Helpers (inside a transaction)

    /// Appends a decision's events; the decided value and those events are what the command returns.
    func commit<Value: Sendable>(_ decision: Decision<Value>, at now: Timestamp, on db: PostgresConnection)
        async throws -> Committed<Value>
    {
        Committed(decision.value, events: try await append(decision.events, at: now, on: db))
    }

    static func fetchBot(id: Int64, on db: PostgresConnection) async throws -> Bot {
        guard let row = try await db.rows("SELECT \(unescaped: Columns.bot) FROM bots WHERE id = \(id)").first else {
            throw StoreError.notFound(entity: "bot", id: String(id))
        }
        return try Bot(pg: row)
    }

    static func fetchOrder(id: Int64, on db: PostgresConnection) async throws -> Order {
        guard let row = try await db.rows("SELECT \(unescaped: Columns.order) FROM orders WHERE id = \(id)").first
        else { throw StoreError.notFound(entity: "order", id: String(id)) }
        return try Order(pg: row)
    }

    static func fetchPosition(botId: Int64, at time: Timestamp, on db: PostgresConnection) async throws -> Position {
        let row = try await db.rows("SELECT \(unescaped: Columns.position) FROM positions WHERE bot_id = \(botId)")
            .first
        return try row.map(Position.init(pg:)) ?? .flat(botId: botId, at: time)
    }

    static func saveBot(_ bot: Bot, on db: PostgresConnection) async throws {
        let config = JSONCoding.encodeToString(bot.config)
        try await db.send(
            """
            UPDATE bots SET name = \(bot.name), ticker = \(bot.ticker), exchange = \(bot.exchange),
            strategy = \(bot.strategy), config = \(config), status = \(bot.status.rawValue),
            updated_at = \(bot.updatedAt.milliseconds) WHERE id = \(bot.id)
            """, logger: Logger(label: "tickwire.postgres"))
    }

    static func savePosition(_ position: Position, on db: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(position.botId)
        binds.append(position.quantity)
        binds.append(position.avgEntryPrice)
        binds.append(position.realizedPnl)
        binds.append(position.fees)
        binds.append(position.updatedAt.milliseconds)
        binds.append(Int64(position.closedTrades))
        binds.append(Int64(position.winningTrades))
        binds.append(position.tradePnl)
        try await db.send(
            PostgresQuery(unsafeSQL: numbered(SharedSQL.savePosition), binds: binds),
            logger: Logger(label: "tickwire.postgres"))
    }

    static func fetchLatestPrice(ticker: String, exchange: String, on db: PostgresConnection) async throws -> Double? {
        try await db.rows("SELECT price FROM prices WHERE ticker = \(ticker) AND exchange = \(exchange)").first?
            .value("price", as: Double.self)
    }

    static func fetchLastEventId(on db: PostgresConnection) async throws -> Int64 {
        try await db.one("SELECT COALESCE(MAX(id), 0) FROM events", Int64.self)
    }

    func fetchPage<Item: Sendable>(
        _ query: PostgresQuery, limit: Int, decode: @escaping @Sendable (PGRow) throws -> Item,
        id: @escaping @Sendable (Item) -> Int64
    ) async throws -> Page<Item> {
        try await read { db in
            var items = try await db.rows(query).map(decode)
            var next: Int64?
            if items.count > limit {
                items.removeLast()
                next = items.last.map(id)
            }
            return Page(items: items, nextCursor: next)
        }
    }
}
