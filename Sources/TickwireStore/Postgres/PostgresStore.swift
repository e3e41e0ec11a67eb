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
    private let runner: Task<Void, Never>
    private let publisher = PublisherSlot()
    /// Commands waiting for the next write transaction (`PostgresStore+GroupCommit`).
    let writeQueue = Mutex(WriteQueue())
    /// Delivers the log (this node's commits and every other node's) to the publisher in id order.
    let follower: LogFollower
    /// Whether the notification connection is up (readiness).
    let listening = Mutex(false)
    private let listener = Mutex<Task<Void, Never>?>(nil)
    /// The engine term this node leads, if any: a write that finds it fenced ends it at once (`PostgresStore+EngineLease`).
    let leading = Mutex<(term: LeaseTerm, end: @Sendable () -> Void)?>(nil)

    /// Connects to `url` (`postgres://user:password@host:port/database`), runs the migrations, and returns the
    /// store. `poolSize` bounds the connections this process opens.
    public static func connect(url: String, poolSize: Int = 16, logger: Logger? = nil) async throws -> PostgresStore {
        let logger = logger ?? Logger(label: "tickwire.postgres")
        let store = try PostgresStore(url: url, poolSize: poolSize, logger: logger)
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

    private init(url: String, poolSize: Int, logger: Logger) throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""), let host = components.host,
            let user = components.user
        else {
            throw StoreError.unavailable(
                "not a PostgreSQL URL (postgres://user:password@host:port/database): \(Self.redacted(url: url))")
        }
        let database = components.path.isEmpty ? user : String(components.path.dropFirst())
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, tls: .disable)
        self.connectionConfiguration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, tls: .disable)
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        let location = "\(host):\(components.port ?? 5432)/\(database)"
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

    /// Runs one statement outside a transaction on the server `url` names (`CREATE DATABASE`, `DROP DATABASE`).
    static func runMaintenance(_ sql: String, url: String) async throws {
        let store = try PostgresStore(url: url, poolSize: 1, logger: Logger(label: "tickwire.postgres"))
        defer { store.close() }
        _ = try await store.mapErrors { try await store.client.query(PostgresQuery(unsafeSQL: sql)) }
    }

    /// A fresh, migrated database named `name` on the server of `adminURL` (tests, benchmarks).
    static func createScratchDatabase(_ name: String, adminURL: String) async throws -> String {
        try await runMaintenance("CREATE DATABASE \(name)", url: adminURL)
        guard var components = URLComponents(string: adminURL) else {
            throw StoreError.unavailable("not a PostgreSQL URL: \(adminURL)")
        }
        components.path = "/" + name
        return components.string ?? adminURL
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
            try await self.leased { connection in
                try await connection.transaction(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger
                ) { try await body(connection) }
            }
        }
    }

    /// How long an operation may wait for a pooled connection before the database counts as unreachable.
    static let leaseTimeout: Duration = .seconds(3)
    /// How long an operation may take in all before its caller stops waiting (`leased`).
    static let operationDeadline: Duration = .seconds(10)

    /// Runs `operation` on a pooled connection. When none can be had within `leaseTimeout` (the database is down or
    /// unreachable), fails at once with `StoreError.unavailable` (503) instead of waiting: nothing was sent, so
    /// nothing was written. Once the operation has its connection it runs to completion, but its caller waits at
    /// most until `deadline`: a statement postgres-nio loses (see `send`) would otherwise hold it, and every write
    /// queued behind it, for ever. Past the deadline the caller gets `unavailable`, and whether a write whose COMMIT
    /// was already sent took effect is then unknown (the message says so); the connection is closed, which ends the
    /// operation and keeps it out of the pool.
    func leased<Value: Sendable>(
        deadline: Duration? = PostgresStore.operationDeadline,
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await Self.leased(from: client, at: location, deadline: deadline, operation)
    }

    static func leased<Value: Sendable>(
        from client: PostgresClient, at location: String, deadline: Duration? = operationDeadline,
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        // The lease runs in its own task and the caller waits on whichever ends first, the operation or the timer:
        // a pool that does not give up a pending lease on cancellation cannot hold the caller. An operation that gets
        // its connection after the caller gave up does nothing (`Lease.begin` refuses it), so a 503 never hides a
        // write that happens later.
        let lease = Lease<Value>()
        let work = Task {
            do {
                for attempt in 1... {
                    // A connection can close while the pool holds it (the server went away) and be handed out before
                    // the pool has seen it close: given back, another is asked for, three times at most.
                    let value: Value? = try await client.withConnection { connection in
                        if connection.isClosed, attempt < 4 { return nil }
                        guard lease.begin(on: connection) else { throw CancellationError() }
                        return try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                            try await operation(connection)
                        }
                    }
                    if let value {
                        lease.finish(.success(value))
                        return
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            } catch {
                lease.finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: Self.leaseTimeout)
            if lease.abandon() {
                // The answer first: cancelled, the pending lease fails at once with the pool's own error, which
                // must not be the one the caller gets (it once surfaced as a 500 during a database restart).
                lease.finish(
                    .failure(
                        StoreError.unavailable(
                            "PostgreSQL at \(location) gave no connection within \(Self.leaseTimeout)")))
                work.cancel()
                return
            }
            guard let deadline else { return }
            try? await Task.sleep(for: deadline - Self.leaseTimeout)
            guard !Task.isCancelled, let connection = lease.expire() else { return }
            // Closing the connection fails whatever it still waits for, so the operation ends and the pool replaces
            // the connection instead of keeping one that may never answer again (PostgreSQL rolls back a
            // transaction whose connection is gone). The caller is answered once the pool has it back, or after a
            // second: a retry sent before then found the pool still counting the closed connection and waited the
            // whole lease timeout for another. (Not a task group: it would wait for an operation that never ends.)
            let _: EventLoopFuture<Void> = connection.close()
            work.cancel()
            if await !answered(
                within: .seconds(1),
                {
                    await work.value; return true
                })
            {
                // A statement postgres-nio lost (see `send`): the pool counts its connection as leased for good.
                Logger(label: "tickwire.postgres").warning(
                    "a PostgreSQL operation did not end after its connection was closed; its pooled connection is lost",
                    metadata: ["database": "\(location)"])
            }
            lease.finish(
                .failure(
                    StoreError.unavailable(
                        "PostgreSQL at \(location) did not answer within \(deadline); a write may or may not"
                            + " have taken effect")),
                expired: true)
        }
        defer { timer.cancel() }
        return try await lease.result()
    }

    /// Unique violations are conflicts; a server that cannot be reached is `unavailable` (503), not a 500.
    func mapErrors<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            throw mapped(error)
        }
    }

    func mapped(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return StoreError.reporting(error) }
        if let code = error.serverInfo?[.sqlState], code == "23505" {
            return StoreError.conflict(error.serverInfo?[.message] ?? "already exists")
        }
        if error.serverInfo == nil { return StoreError.unavailable("PostgreSQL at \(location): \(error.code)") }
        // Connection exceptions (08), insufficient resources (53) and operator intervention (57: the server shutting
        // down or starting up) mean the database is not there right now: the transaction was rolled back, retry.
        if let state = error.serverInfo?[.sqlState], ["08", "53", "57"].contains(String(state.prefix(2))) {
            return StoreError.unavailable(
                "PostgreSQL at \(location): \(error.serverInfo?[.message] ?? state) (SQLSTATE \(state))")
        }
        return error
    }

    // MARK: - Bots

    public func createBot(_ new: NewBot, at now: Timestamp) async throws -> Committed<Bot> {
        try await write { db in
            let creation = BotCommands.create(new, at: now)
            let bot = creation.row
            let config = JSONCoding.encodeToString(bot.config)
            let id = try await db.one(
                """
                INSERT INTO bots (name, ticker, exchange, strategy, config, status, created_at, updated_at, owner_id)
                VALUES (\(bot.name), \(bot.ticker), \(bot.exchange), \(bot.strategy), \(config), \(bot.status.rawValue),
                \(bot.createdAt.milliseconds), \(bot.updatedAt.milliseconds), \(bot.ownerId)) RETURNING id
                """, Int64.self)
            return try await self.commit(creation.saved(id), at: now, on: db)
        }
    }

    public func bot(id: Int64) async throws -> Bot {
        try await read { db in try await Self.fetchBot(id: id, on: db) }
    }

    public func bots(_ filter: BotFilter) async throws -> [Bot] {
        try await read { db in try await db.rows(PGQueries.bots(filter)).map(Bot.init(pg:)) }
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

    public func createOrder(botId: Int64, _ new: NewOrder, ownerId: Int64?, at now: Timestamp) async throws
        -> Committed<Order>
    {
        try await write { db in
            let creation = OrderCommands.create(new, botId: botId, at: now)
            let order = creation.row
            // One round trip on the hottest write path: the order is inserted only if the bot exists and (for a user)
            // is theirs; no row back means neither, which the caller hears as 404.
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
            return try await self.commit(creation.saved(inserted), at: now, on: db)
        }
    }

    public func order(id: Int64) async throws -> Order {
        try await read { db in try await Self.fetchOrder(id: id, on: db) }
    }

    public func orders(_ filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await fetchPage(PGQueries.orders(filter, page: page), limit: page.limit, decode: Order.init(pg:), id: \.id)
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
            }
            let events = OrderCommands.events(transition, settlement: settlement)
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
                WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') AND b.exchange = \(exchange) ORDER BY o.id
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
            PGQueries.logs(filter, page: page), limit: page.limit, decode: ActivityLog.init(pg:), id: \.id)
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
            return try await self.commit(recording.decide(holdings: holdings), at: now, on: db)
        }
    }

    public func latestPrices(_ filter: PriceFilter) async throws -> [Price] {
        try await read { db in try await db.rows(PGQueries.latestPrices(filter)).map(Price.init(pg:)) }
    }

    public func priceHistory(ticker: String, exchange: String?, page: PageRequest) async throws -> Page<Price> {
        let page = try await fetchPage(
            PGQueries.priceHistory(ticker: ticker, exchange: exchange, page: page), limit: page.limit,
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
            let bots = try await db.rows(PGQueries.bots(BotFilter(ownerId: ownerId))).map(Bot.init(pg:))
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
                entries.append(
                    BotsPage.Entry(
                        bot: bot,
                        pnl: BotPnL(
                            bot: bot, position: positions[bot.id] ?? .flat(botId: bot.id, at: bot.createdAt),
                            lastPrice: prices[bot.ticker + "\u{0}" + bot.exchange]),
                        recentOrders: orders, recentLogs: logs))
            }
            return BotsPage(eventId: eventId, generatedAt: now, bots: entries)
        }
    }

    // MARK: - Event log

    public func lastEventId() async throws -> Int64 {
        try await read { db in try await Self.fetchLastEventId(on: db) }
    }

    public func events(after: Int64, limit: Int) async throws -> [Event] {
        try await mapErrors { try await Self.readEvents(client, at: location, after: after, limit: limit) }
    }

    /// Like every read, gives up with `unavailable` when no connection comes within `leaseTimeout`: a reader that
    /// waited for the database to return would hold back resuming clients and the commits queued behind it.
    static func readEvents(_ client: PostgresClient, at location: String, after: Int64, limit: Int) async throws
        -> [Event]
    {
        try await leased(from: client, at: location) { db in
            try await db.rows(
                "SELECT \(unescaped: Columns.event) FROM events WHERE id > \(after) ORDER BY id LIMIT \(limit)"
            ).map(Event.init(pg:))
        }
    }

    public func oldestEventId() async throws -> Int64? {
        try await read { db in try await db.one("SELECT MIN(id) FROM events", Int64?.self) }
    }

    public func latestEvents(topic: Topic, through: Int64, limit: Int) async throws -> [Event] {
        try await read { db in
            try await db.rows(
                """
                SELECT \(unescaped: Columns.event) FROM events WHERE topic = \(topic.rawValue) AND id <= \(through)
                ORDER BY id DESC LIMIT \(limit)
                """
            ).map(Event.init(pg:)).reversed()
        }
    }

    public func appendEvents(_ drafts: [EventDraft], at now: Timestamp) async throws -> Committed<[Event]> {
        try await write { db in
            let events = try await self.append(drafts, at: now, on: db)
            return Committed(events, events: events)
        }
    }

    public func pruneEvents(keepingLast count: Int, olderThan cutoff: Timestamp) async throws -> Int {
        // Only a prefix of the log is removed, in small batches, so no write waits long behind retention.
        let bound: Int64 = try await read { db in
            let newest = try await db.one("SELECT COALESCE(MAX(id), 0) FROM events", Int64.self)
            let expired = try await db.one(
                "SELECT COALESCE(MAX(id), 0) FROM events WHERE timestamp < \(cutoff.milliseconds)", Int64.self)
            return max(newest - Int64(count), expired)
        }
        var removed = 0
        while true {
            let batch = try await mapErrors {
                try await leased { db in
                    try await db.one(
                        """
                        WITH gone AS (DELETE FROM events WHERE id IN
                        (SELECT id FROM events WHERE id <= \(bound) ORDER BY id LIMIT 5000) RETURNING 1)
                        SELECT COUNT(*) FROM gone
                        """, Int64.self)
                }
            }
            removed += Int(batch)
            if batch < 5000 { return removed }
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

    /// Appends a write's events and announces the commit, in one round trip per `appendBatch` events: one statement
    /// inserts them (looking up each one's owner, as `SQLiteStore.owner(of:in:)` does, where the draft has none) and
    /// notifies every node's listener, at commit, of the events themselves when they fit in a payload and of the
    /// last id otherwise (`LogFollower.announced`). Ids come from the sequence in row order, so sorting them gives
    /// the drafts' order.
    func append(_ drafts: [EventDraft], at now: Timestamp, on db: PostgresConnection) async throws -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(drafts.count)
        var start = drafts.startIndex
        while start < drafts.endIndex {
            let batch = drafts[start..<min(start + Self.appendBatch, drafts.endIndex)]
            let rows = try await db.send(Self.appendQuery(batch, at: now), logger: logger)
            var index = batch.startIndex
            for try await (id, owner) in rows.decode((Int64, Int64?).self) {
                var draft = batch[index]
                draft.ownerId = owner
                events.append(Event(id: id, timestamp: now, draft: draft))
                index += 1
            }
            guard index == batch.endIndex else { throw StoreError.unavailable("the event log did not take a write") }
            start = batch.endIndex
        }
        return events
    }

    /// Events per statement: nine parameters each, well under PostgreSQL's 65,535.
    static let appendBatch = 1000

    /// NOTIFY payloads must be shorter than 8,000 bytes.
    static let notifyLimit = 8000

    static func appendQuery(_ drafts: ArraySlice<EventDraft>, at now: Timestamp) -> PostgresQuery {
        var sql =
            "WITH appended AS (INSERT INTO events (topic, type, timestamp, bot_id, ticker, data, owner_id) VALUES "
        var binds = PostgresBindings(capacity: drafts.count * 9)
        for (offset, draft) in drafts.enumerated() {
            let p = offset * 9
            if offset > 0 { sql += ", " }
            sql += "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4), $\(p + 5), $\(p + 6), COALESCE($\(p + 7)::BIGINT,"
            sql += " (SELECT owner_id FROM trading_models WHERE id = $\(p + 8)::BIGINT),"
            sql += " (SELECT owner_id FROM bots WHERE id = $\(p + 9)::BIGINT)))"
            binds.append(draft.topic.rawValue)
            binds.append(draft.type.rawValue)
            binds.append(now.milliseconds)
            binds.append(draft.botId)
            binds.append(draft.ticker)
            binds.append(draft.data)
            binds.append(draft.ownerId)
            // Where the owner comes from when the draft has none: a model's topic, else a bot-scoped topic's bot.
            binds.append(draft.topic.modelId)
            binds.append(draft.topic.modelId == nil && Topic.botScoped.contains(draft.topic) ? draft.botId : nil)
        }
        sql += " RETURNING *),"
        if drafts.reduce(0, { $0 + $1.data.utf8.count + $1.data.utf8.count / 4 + 160 }) < Self.notifyLimit {
            // The last id, then the events themselves, so that other nodes need not read them back. The exact size
            // is only known once escaped; a payload that would not fit beside the id (up to 20 digits and a space)
            // is the last id alone.
            sql += " announced AS (SELECT pg_notify('\(LogFollower.channel)',"
            sql += " last::TEXT || CASE WHEN octet_length(listed) < \(Self.notifyLimit - 21)"
            sql += " THEN ' ' || listed ELSE '' END)"
            sql += " FROM (SELECT json_agg(json_build_array(id, topic, type, timestamp, bot_id, ticker, data,"
            sql += " owner_id) ORDER BY id)::TEXT AS listed, MAX(id) AS last FROM appended) AS batch)"
        } else {
            sql += " announced AS (SELECT pg_notify('\(LogFollower.channel)', MAX(id)::TEXT) FROM appended)"
        }
        sql += " SELECT id, owner_id FROM appended, announced ORDER BY id"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
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
        try await db.send(
            """
            INSERT INTO positions (bot_id, quantity, avg_entry_price, realized_pnl, fees, updated_at)
            VALUES (\(position.botId), \(position.quantity), \(position.avgEntryPrice), \(position.realizedPnl),
            \(position.fees), \(position.updatedAt.milliseconds))
            ON CONFLICT (bot_id) DO UPDATE SET quantity = excluded.quantity,
            avg_entry_price = excluded.avg_entry_price, realized_pnl = excluded.realized_pnl,
            fees = excluded.fees, updated_at = excluded.updated_at
            """, logger: Logger(label: "tickwire.postgres"))
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

extension PostgresConnection {
    /// `query`, refused at once on a closed connection. postgres-nio writes a statement to its channel without a
    /// promise: written to a channel that has just closed, it is dropped and its caller waits for ever (seen while
    /// PostgreSQL stops, with the pooled connection then lost for good). The store's operations run on their
    /// connection's event loop (`EventLoopExecutor`), so this check and the write happen in one turn of the loop and
    /// the channel cannot close in between.
    @discardableResult
    func send(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try checkOpen()
        return try await self.query(query, logger: logger)
    }

    /// Throws `unavailable` if the connection has closed (see `send`).
    func checkOpen() throws {
        guard !isClosed else { throw StoreError.unavailable("the PostgreSQL connection has closed") }
    }

    /// `body` in a transaction opened by `begin`, committed if it returns and rolled back if it throws; every
    /// statement through `send` (postgres-nio's `withTransaction` uses `query`).
    func transaction<Value>(
        _ begin: PostgresQuery = "BEGIN", logger: Logger, _ body: () async throws -> Value
    ) async throws -> Value {
        try await send(begin, logger: logger)
        do {
            let value = try await body()
            try await send("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await send("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Every row of a query, for random access by column name.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.send(query, logger: Logger(label: "tickwire.postgres")) {
            rows.append(row.makeRandomAccess())
        }
        return rows
    }

    /// The first column of the only row of a query.
    func one<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, _ type: Value.Type) async throws -> Value {
        for try await (value) in try await self.send(query, logger: Logger(label: "tickwire.postgres")).decode(
            Value.self)
        {
            return value
        }
        throw PostgresDataError(description: "no row for: \(query.sql)")
    }
}

/// One pooled-connection lease raced against its timeout: started or abandoned, whichever comes first, and one
/// result handed to the waiting caller.
final class Lease<Value: Sendable>: Sendable {
    private struct State {
        var abandoned = false
        var expired = false
        /// Set once the operation has begun.
        var connection: PostgresConnection?
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
    }
    private let state = Mutex(State())

    /// The operation may run on `connection`: false once the caller has given up.
    func begin(on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state.connection = connection
            return true
        }
    }

    /// The operation ran past its deadline: from now on only the deadline's answer counts (`finish(expired:)`).
    /// Returns the connection it runs on, unless it has already finished.
    func expire() -> PostgresConnection? {
        state.withLock { state in
            guard state.result == nil else { return nil }
            state.expired = true
            return state.connection
        }
    }

    /// The caller gives up: true unless the operation already has its connection.
    func abandon() -> Bool {
        state.withLock { state in
            guard state.connection == nil else { return false }
            state.abandoned = true
            return true
        }
    }

    func finish(_ result: Result<Value, any Error>, expired: Bool = false) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.result == nil, state.expired == expired else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func result() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// Whether `body`, run in a task of its own (on `executor` if given), answers true within `limit`. A body that has not
/// answered by then is left behind: a request postgres-nio lost waits for ever and ignores cancellation (see `send`).
func answered(
    within limit: Duration, on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async -> Bool
) async -> Bool {
    let answer = FirstAnswer()
    return await withCheckedContinuation { continuation in
        answer.await(continuation)
        Task(executorPreference: executor) { answer.give(await body()) }
        Task {
            try? await Task.sleep(for: limit)
            answer.give(false)
        }
    }
}

/// The first of several answers, given to one waiting continuation.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func await(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in arrival order.
final class AsyncLock: Sendable {
    private let state = Mutex<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
