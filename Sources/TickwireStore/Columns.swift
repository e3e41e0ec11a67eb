/// The column lists both stores select, in the order their row decoders read them.
enum Columns {
    static let bot = "id, name, ticker, exchange, strategy, config, status, created_at, updated_at, owner_id"
    static let order =
        "id, bot_id, exchange_order_id, side, type, quantity, price, status, filled_quantity, avg_fill_price, created_at, updated_at"
    static let log = "id, bot_id, level, message, timestamp"
    static let price = "ticker, exchange, price, timestamp"
    static let candle = "ticker, exchange, span, start, open, high, low, close, volume, close_time"
    static let webhook = "id, owner_id, url, event_types, secret, created_at"
    static let delivery = """
        id, webhook_id, event_id, event_type, status, attempts, response_status, error, next_attempt_at, created_at,
        updated_at
        """
    static let fill = "id, order_id, bot_id, side, quantity, price, fee, timestamp"
    static let position = """
        bot_id, quantity, avg_entry_price, realized_pnl, fees, updated_at, closed_trades, winning_trades, trade_pnl,
        peak_equity, max_drawdown_pct
        """
    static let event = "id, timestamp, topic, type, data, bot_id, ticker, owner_id"
    static let user = "id, username, role, disabled, created_at, updated_at"
    static let apiKey = "id, user_id, name, scopes, created_at, revoked_at, secret_hash"
    static let session = "id, user_id, secret_hash, created_at, expires_at, revoked_at"
    static let model = "id, owner_id, name, policy, config, created_at, updated_at, bot_id"
    static let modelSession = "id, model_id, status, decisions, started_at, ended_at, summary"
}

/// SQL both stores run as written (`?` is the one parameter; PostgreSQL numbers it).
enum SharedSQL {
    /// One pass of backtest eviction: finished runs older than the cutoff that no remaining run reads its result from.
    /// Copies go in the first pass, the runs they pointed at in the next.
    static let pruneBacktests = """
        DELETE FROM backtest_jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < ?
        AND NOT EXISTS (SELECT 1 FROM backtest_jobs copy WHERE copy.cached_from = backtest_jobs.id)
        """
    /// A bot's equity point (bot, time, equity, pnl, position), unless the bot has one after the sixth `?`: on a fill
    /// that moment is `Int64.max` (always record), on a price move it is one interval ago.
    static let recordEquity = """
        INSERT INTO equity_points (bot_id, timestamp, equity, pnl, position_quantity) SELECT ?, ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM equity_points WHERE bot_id = ? AND timestamp > ?)
        """
    /// After an equity point was added (equity, equity, equity, bot): the bot's peak and deepest drawdown. Every
    /// right-hand side reads the row as it was, so a new peak is no drawdown.
    static let markEquityPeak = """
        UPDATE positions SET peak_equity = CASE WHEN ? > peak_equity THEN ? ELSE peak_equity END,
        max_drawdown_pct = CASE WHEN peak_equity > 0 AND 100 * (1 - ? / peak_equity) > max_drawdown_pct
        THEN 100 * (1 - ? / peak_equity) ELSE max_drawdown_pct END WHERE bot_id = ?
        """
    /// A bot's position and trade counts; the peak and drawdown are `markEquityPeak`'s.
    static let savePosition = """
        INSERT INTO positions (bot_id, quantity, avg_entry_price, realized_pnl, fees, updated_at, closed_trades,
        winning_trades, trade_pnl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (bot_id) DO UPDATE SET quantity = excluded.quantity, avg_entry_price = excluded.avg_entry_price,
        realized_pnl = excluded.realized_pnl, fees = excluded.fees, updated_at = excluded.updated_at,
        closed_trades = excluded.closed_trades, winning_trades = excluded.winning_trades,
        trade_pnl = excluded.trade_pnl
        """
    /// The equity of a bot's newest `?` points, newest first.
    static let sparkline = "SELECT equity FROM equity_points WHERE bot_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?"
    static let equityPoints = """
        SELECT timestamp, equity, pnl, position_quantity FROM equity_points
        WHERE bot_id = ? AND timestamp >= ? AND timestamp <= ? ORDER BY timestamp, id
        """
    /// The newest candle of an instrument at one span.
    static let latestCandle = """
        SELECT \(Columns.candle) FROM candles WHERE ticker = ? AND exchange = ? AND span = ?
        ORDER BY start DESC LIMIT 1
        """
    /// The newest `?` candles in a range, newest first.
    static let candles = """
        SELECT \(Columns.candle) FROM candles WHERE ticker = ? AND exchange = ? AND span = ? AND start >= ?
        AND start <= ? ORDER BY start DESC LIMIT ?
        """
    /// The bot (first `?`) was seen at the second `?`: its order and log writes count as a heartbeat.
    static let touchLiveness = """
        INSERT INTO bot_liveness (bot_id, last_seen) VALUES (?, ?)
        ON CONFLICT (bot_id) DO UPDATE SET last_seen = excluded.last_seen
        """
    /// The webhook tables, in either dialect, a statement each. A delivery keeps the body it sends (the event may
    /// leave the log first); there is one per webhook and event, whichever node saw the event.
    static func webhookTables(serial: String, integer: String) -> [String] {
        [
            """
            CREATE TABLE webhooks (
                id \(serial),
                owner_id \(integer) NOT NULL REFERENCES users(id),
                url TEXT NOT NULL,
                event_types TEXT NOT NULL,
                secret TEXT NOT NULL,
                created_at \(integer) NOT NULL
            )
            """,
            "CREATE INDEX ix_webhooks_owner_id ON webhooks(owner_id)",
            """
            CREATE TABLE webhook_deliveries (
                id \(serial),
                webhook_id \(integer) NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event_id \(integer) NOT NULL,
                event_type TEXT NOT NULL,
                body TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts \(integer) NOT NULL DEFAULT 0,
                response_status \(integer),
                error TEXT,
                next_attempt_at \(integer),
                created_at \(integer) NOT NULL,
                updated_at \(integer) NOT NULL,
                UNIQUE (webhook_id, event_id)
            )
            """,
            "CREATE INDEX ix_webhook_deliveries_status_next ON webhook_deliveries(status, next_attempt_at)",
        ]
    }
    /// One delivery of an event (its id, type and body, the time thrice, then the owner and the type to match) for
    /// each of the owner's webhooks that takes the type; none twice.
    static let enqueueDeliveries = """
        INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status, attempts, next_attempt_at,
        created_at, updated_at)
        SELECT id, ?, ?, ?, 'pending', 0, ?, ?, ? FROM webhooks
        WHERE owner_id = ? AND (',' || event_types || ',') LIKE ('%,' || ? || ',%')
        ON CONFLICT (webhook_id, event_id) DO NOTHING
        """
    static let pruneEquity = "DELETE FROM equity_points WHERE timestamp < ?"
    /// The finished runs holding a result, newest first, past the first `?` bytes of results.
    static let backtestsOverBudget = """
        SELECT id FROM (SELECT id, SUM(length(result)) OVER (ORDER BY finished_at DESC, id DESC) AS newer_bytes
        FROM backtest_jobs WHERE result IS NOT NULL AND status = 'completed') sized WHERE newer_bytes > ?
        """
    /// The run a worker takes next: the oldest queued, or running with a lease that ended before `?`.
    static let nextBacktest = """
        SELECT \(Columns.backtestJob) FROM backtest_jobs
        WHERE status = 'queued' OR (status = 'running' AND COALESCE(lease_until, 0) < ?) ORDER BY id LIMIT 1
        """
}

extension Columns {
    static let dataset =
        "id, owner_id, name, ticker, bar_count, first_time, last_time, frequency, content_hash, created_at"
    /// A cached answer's result is its source run's, read through `cached_from`.
    static let backtestJob = """
        id, owner_id, request, cache_key, status, progress,
        COALESCE(result, (SELECT source.result FROM backtest_jobs source WHERE source.id = backtest_jobs.cached_from))
        AS result, error, cached, created_at, finished_at, cached_from
        """
    /// The same columns without the result, for lists.
    static let backtestJobSummary =
        "id, owner_id, request, cache_key, status, progress, NULL AS result, error, cached, created_at, finished_at, cached_from"
}
