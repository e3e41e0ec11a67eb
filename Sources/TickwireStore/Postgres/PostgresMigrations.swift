import Foundation
import Logging
import PostgresNIO
import TickwireModel

/// The PostgreSQL schema: the same tables, columns and indexes as `SQLiteMigrations` (index names included), in
/// PostgreSQL types. Applied in order, each in its own transaction, and recorded in `schema_migrations`; a shipped
/// migration is never edited. Concurrent nodes starting together serialize on an advisory lock.
enum PostgresMigrations {
    static let lockKey: Int64 = 0x7469_636B_0001

    static let all: [(name: String, sql: [String])] = [
        (
            "v1-foundation",
            [
                """
                CREATE TABLE users (
                    id BIGSERIAL PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
                    disabled BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE bots (
                    id BIGSERIAL PRIMARY KEY,
                    name TEXT NOT NULL,
                    ticker TEXT NOT NULL,
                    exchange TEXT NOT NULL,
                    strategy TEXT NOT NULL,
                    config TEXT NOT NULL DEFAULT '{}',
                    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'STOPPED', 'ERROR')),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    owner_id BIGINT REFERENCES users(id)
                )
                """,
                "CREATE INDEX ix_bots_status ON bots(status)",
                "CREATE INDEX ix_bots_exchange ON bots(exchange)",
                "CREATE INDEX ix_bots_ticker ON bots(ticker)",
                "CREATE INDEX ix_bots_created_at ON bots(created_at)",
                "CREATE INDEX ix_bots_owner_id ON bots(owner_id)",
                """
                CREATE TABLE orders (
                    id BIGSERIAL PRIMARY KEY,
                    bot_id BIGINT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                    exchange_order_id TEXT,
                    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                    type TEXT NOT NULL CHECK (type IN ('market', 'limit')),
                    quantity DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
                    price DOUBLE PRECISION,
                    status TEXT NOT NULL
                        CHECK (status IN ('NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED')),
                    filled_quantity DOUBLE PRECISION NOT NULL DEFAULT 0,
                    avg_fill_price DOUBLE PRECISION,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ix_orders_bot_id ON orders(bot_id)",
                "CREATE INDEX ix_orders_status ON orders(status)",
                "CREATE INDEX ix_orders_bot_id_status ON orders(bot_id, status)",
                "CREATE INDEX ix_orders_bot_id_created_at ON orders(bot_id, created_at)",
                "CREATE INDEX ix_orders_exchange_order_id ON orders(exchange_order_id)",
                """
                CREATE TABLE fills (
                    id BIGSERIAL PRIMARY KEY,
                    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                    bot_id BIGINT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                    side TEXT NOT NULL,
                    quantity DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
                    price DOUBLE PRECISION NOT NULL CHECK (price > 0),
                    fee DOUBLE PRECISION NOT NULL DEFAULT 0,
                    timestamp BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ix_fills_order_id ON fills(order_id)",
                "CREATE INDEX ix_fills_bot_id ON fills(bot_id)",
                """
                CREATE TABLE positions (
                    bot_id BIGINT PRIMARY KEY REFERENCES bots(id) ON DELETE CASCADE,
                    quantity DOUBLE PRECISION NOT NULL,
                    avg_entry_price DOUBLE PRECISION NOT NULL,
                    realized_pnl DOUBLE PRECISION NOT NULL,
                    fees DOUBLE PRECISION NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE activity_logs (
                    id BIGSERIAL PRIMARY KEY,
                    bot_id BIGINT REFERENCES bots(id) ON DELETE CASCADE,
                    level TEXT NOT NULL CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR')),
                    message TEXT NOT NULL,
                    timestamp BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ix_activity_logs_bot_id ON activity_logs(bot_id)",
                "CREATE INDEX ix_activity_logs_level ON activity_logs(level)",
                "CREATE INDEX ix_activity_logs_timestamp ON activity_logs(timestamp)",
                "CREATE INDEX ix_activity_logs_bot_id_timestamp ON activity_logs(bot_id, timestamp)",
                """
                CREATE TABLE prices (
                    ticker TEXT NOT NULL,
                    exchange TEXT NOT NULL,
                    price DOUBLE PRECISION NOT NULL,
                    timestamp BIGINT NOT NULL,
                    PRIMARY KEY (ticker, exchange)
                )
                """,
                """
                CREATE TABLE price_history (
                    id BIGSERIAL PRIMARY KEY,
                    ticker TEXT NOT NULL,
                    exchange TEXT NOT NULL,
                    price DOUBLE PRECISION NOT NULL,
                    timestamp BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ix_price_history_ticker_exchange ON price_history(ticker, exchange)",
                // The append-only event log. A sequence never hands out an id twice, even after retention.
                """
                CREATE TABLE events (
                    id BIGSERIAL PRIMARY KEY,
                    topic TEXT NOT NULL,
                    type TEXT NOT NULL,
                    timestamp BIGINT NOT NULL,
                    bot_id BIGINT,
                    ticker TEXT,
                    data TEXT NOT NULL,
                    owner_id BIGINT
                )
                """,
                "CREATE INDEX ix_events_timestamp ON events(timestamp)",
                "CREATE INDEX ix_events_topic_id ON events(topic, id)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX ix_api_keys_user_id ON api_keys(user_id)",
                """
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY,
                    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    secret_hash TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX ix_sessions_user_id ON sessions(user_id)",
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                """
                CREATE TABLE trading_models (
                    id BIGSERIAL PRIMARY KEY,
                    owner_id BIGINT NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL,
                    policy TEXT NOT NULL,
                    config TEXT NOT NULL DEFAULT '{}',
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ix_trading_models_owner_id ON trading_models(owner_id)",
                """
                CREATE TABLE model_sessions (
                    id BIGSERIAL PRIMARY KEY,
                    model_id BIGINT NOT NULL REFERENCES trading_models(id) ON DELETE CASCADE,
                    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
                    decisions BIGINT NOT NULL DEFAULT 0,
                    started_at BIGINT NOT NULL,
                    ended_at BIGINT,
                    summary TEXT
                )
                """,
                "CREATE INDEX ix_model_sessions_model_id_id ON model_sessions(model_id, id)",
                "CREATE INDEX ix_model_sessions_status ON model_sessions(status)",
            ]
        ),
        (
            "v2-backtests",
            [
                """
                CREATE TABLE datasets (
                    id BIGSERIAL PRIMARY KEY,
                    owner_id BIGINT NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL,
                    ticker TEXT NOT NULL,
                    bar_count BIGINT NOT NULL,
                    first_time BIGINT NOT NULL,
                    last_time BIGINT NOT NULL,
                    frequency BIGINT NOT NULL,
                    content_hash TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    content TEXT NOT NULL
                )
                """,
                "CREATE INDEX ix_datasets_owner_id ON datasets(owner_id)",
                """
                CREATE TABLE backtest_jobs (
                    id BIGSERIAL PRIMARY KEY,
                    owner_id BIGINT NOT NULL REFERENCES users(id),
                    request TEXT NOT NULL,
                    cache_key TEXT NOT NULL,
                    status TEXT NOT NULL
                        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
                    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                    result TEXT,
                    error TEXT,
                    cached BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    cached_from BIGINT REFERENCES backtest_jobs(id)
                )
                """,
                "CREATE INDEX ix_backtest_jobs_cache_key_status ON backtest_jobs(cache_key, status)",
                "CREATE INDEX ix_backtest_jobs_owner_id_id ON backtest_jobs(owner_id, id)",
                "CREATE INDEX ix_backtest_jobs_status_id ON backtest_jobs(status, id)",
            ]
        ),
        ("v3-backtest-leases", ["ALTER TABLE backtest_jobs ADD COLUMN lease_until BIGINT"]),
        (
            "v4-equity-history",
            [
                """
                CREATE TABLE equity_points (
                    id BIGSERIAL PRIMARY KEY,
                    bot_id BIGINT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                    timestamp BIGINT NOT NULL,
                    equity DOUBLE PRECISION NOT NULL,
                    pnl DOUBLE PRECISION NOT NULL,
                    position_quantity DOUBLE PRECISION NOT NULL
                )
                """,
                "CREATE INDEX ix_equity_points_bot_id_timestamp ON equity_points(bot_id, timestamp)",
            ]
        ),
        (
            "v5-candles",
            [
                """
                CREATE TABLE candles (
                    ticker TEXT NOT NULL,
                    exchange TEXT NOT NULL,
                    span TEXT NOT NULL,
                    start BIGINT NOT NULL,
                    open DOUBLE PRECISION NOT NULL,
                    high DOUBLE PRECISION NOT NULL,
                    low DOUBLE PRECISION NOT NULL,
                    close DOUBLE PRECISION NOT NULL,
                    volume DOUBLE PRECISION NOT NULL,
                    close_time BIGINT NOT NULL,
                    PRIMARY KEY (ticker, exchange, span, start)
                )
                """
            ]
        ),
        (
            "v6-bot-control",
            [
                "ALTER TABLE bots DROP CONSTRAINT bots_status_check",
                """
                ALTER TABLE bots ADD CONSTRAINT bots_status_check
                CHECK (status IN ('ACTIVE', 'STOP_ENTRIES', 'PAUSED', 'STOPPED', 'ERROR'))
                """,
            ]
        ),
        (
            "v7-bot-liveness",
            [
                """
                CREATE TABLE bot_liveness (
                    bot_id BIGINT PRIMARY KEY REFERENCES bots(id) ON DELETE CASCADE,
                    last_seen BIGINT NOT NULL,
                    stale BOOLEAN NOT NULL DEFAULT FALSE
                )
                """
            ]
        ),
        ("v8-webhooks", SharedSQL.webhookTables(serial: "BIGSERIAL PRIMARY KEY", integer: "BIGINT")),
        (
            "v9-position-headline",
            [
                "ALTER TABLE positions ADD COLUMN closed_trades BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE positions ADD COLUMN winning_trades BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE positions ADD COLUMN trade_pnl DOUBLE PRECISION NOT NULL DEFAULT 0",
                "ALTER TABLE positions ADD COLUMN peak_equity DOUBLE PRECISION NOT NULL DEFAULT 0",
                "ALTER TABLE positions ADD COLUMN max_drawdown_pct DOUBLE PRECISION NOT NULL DEFAULT 0",
            ]
        ),
        (
            "v10-model-portfolio",
            ["ALTER TABLE trading_models ADD COLUMN bot_id BIGINT REFERENCES bots(id) ON DELETE SET NULL"]
        ),
        ("v11-working-order-totals", WorkingOrderTotals.postgres),
    ]

    static func migrate(_ store: PostgresStore, logger: Logger) async throws {
        // No deadline: a migration of a large database may take minutes.
        try await store.leased(deadline: nil) { connection in try await migrate(connection, logger: logger) }
    }

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.transaction(logger: logger) {
            try await connection.send("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.send(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.send("SELECT name FROM schema_migrations", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.sql {
                    try await connection.send(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.send(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), \(Timestamp(secondsSince1970: Date().timeIntervalSince1970).milliseconds))",
                    logger: logger)
            }
        }
    }
}
