import GRDB

/// The SQLite schema. Migrations are append-only: a shipped migration is never edited, a change is a new one.
///
/// Timestamps are INTEGER milliseconds since the epoch (sortable, compact, index-friendly). The indexes are the ones
/// seed 001 names (`ix_bots_*`, `ix_orders_*`, `ix_activity_logs_*`), under the same names.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bots (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        ticker TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        strategy TEXT NOT NULL,
                        config TEXT NOT NULL DEFAULT '{}',
                        status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'STOPPED', 'ERROR')),
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX ix_bots_status ON bots(status);
                    CREATE INDEX ix_bots_exchange ON bots(exchange);
                    CREATE INDEX ix_bots_ticker ON bots(ticker);
                    CREATE INDEX ix_bots_created_at ON bots(created_at);

                    CREATE TABLE orders (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                        exchange_order_id TEXT,
                        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                        type TEXT NOT NULL CHECK (type IN ('market', 'limit')),
                        quantity REAL NOT NULL CHECK (quantity > 0),
                        price REAL,
                        status TEXT NOT NULL
                            CHECK (status IN ('NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED')),
                        filled_quantity REAL NOT NULL DEFAULT 0,
                        avg_fill_price REAL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX ix_orders_bot_id ON orders(bot_id);
                    CREATE INDEX ix_orders_status ON orders(status);
                    CREATE INDEX ix_orders_bot_id_status ON orders(bot_id, status);
                    CREATE INDEX ix_orders_bot_id_created_at ON orders(bot_id, created_at);
                    CREATE INDEX ix_orders_exchange_order_id ON orders(exchange_order_id);

                    CREATE TABLE fills (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                        bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                        side TEXT NOT NULL,
                        quantity REAL NOT NULL CHECK (quantity > 0),
                        price REAL NOT NULL CHECK (price > 0),
                        fee REAL NOT NULL DEFAULT 0,
                        timestamp INTEGER NOT NULL
                    );
                    CREATE INDEX ix_fills_order_id ON fills(order_id);
                    CREATE INDEX ix_fills_bot_id ON fills(bot_id);

                    CREATE TABLE positions (
                        bot_id INTEGER PRIMARY KEY REFERENCES bots(id) ON DELETE CASCADE,
                        quantity REAL NOT NULL,
                        avg_entry_price REAL NOT NULL,
                        realized_pnl REAL NOT NULL,
                        fees REAL NOT NULL,
                        updated_at INTEGER NOT NULL
                    );

                    CREATE TABLE activity_logs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        bot_id INTEGER REFERENCES bots(id) ON DELETE CASCADE,
                        level TEXT NOT NULL CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR')),
                        message TEXT NOT NULL,
                        timestamp INTEGER NOT NULL
                    );
                    CREATE INDEX ix_activity_logs_bot_id ON activity_logs(bot_id);
                    CREATE INDEX ix_activity_logs_level ON activity_logs(level);
                    CREATE INDEX ix_activity_logs_timestamp ON activity_logs(timestamp);
                    CREATE INDEX ix_activity_logs_bot_id_timestamp ON activity_logs(bot_id, timestamp);

                    CREATE TABLE prices (
                        ticker TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        price REAL NOT NULL,
                        timestamp INTEGER NOT NULL,
                        PRIMARY KEY (ticker, exchange)
                    );

                    CREATE TABLE price_history (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        ticker TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        price REAL NOT NULL,
                        timestamp INTEGER NOT NULL
                    );
                    CREATE INDEX ix_price_history_ticker_exchange ON price_history(ticker, exchange);

                    -- The append-only event log. AUTOINCREMENT guarantees an id is never reused, even after
                    -- retention deletes the newest rows, so a resuming client can never see a recycled position.
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        topic TEXT NOT NULL,
                        type TEXT NOT NULL,
                        timestamp INTEGER NOT NULL,
                        bot_id INTEGER,
                        ticker TEXT,
                        data TEXT NOT NULL
                    );
                    CREATE INDEX ix_events_timestamp ON events(timestamp);
                    """)
        }
        migrator.registerMigration("v2-event-topics") { db in
            // The latest event of one topic (the intraday snapshot a new subscriber gets first) without a scan.
            try db.execute(sql: "CREATE INDEX ix_events_topic_id ON events(topic, id)")
        }
        migrator.registerMigration("v3-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        username TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
                        disabled INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );

                    -- Only the SHA-256 of a key's secret is kept; the id is public (it prefixes the key).
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX ix_api_keys_user_id ON api_keys(user_id);

                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        secret_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX ix_sessions_user_id ON sessions(user_id);

                    -- Server-wide values created once (the token signing key).
                    CREATE TABLE settings (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    );

                    CREATE TABLE trading_models (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        owner_id INTEGER NOT NULL REFERENCES users(id),
                        name TEXT NOT NULL,
                        policy TEXT NOT NULL,
                        config TEXT NOT NULL DEFAULT '{}',
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX ix_trading_models_owner_id ON trading_models(owner_id);

                    -- Bots made before accounts existed have no owner: only admins see them.
                    ALTER TABLE bots ADD COLUMN owner_id INTEGER REFERENCES users(id);
                    CREATE INDEX ix_bots_owner_id ON bots(owner_id);
                    -- Whose event it is, so that a replay from the log filters exactly as live delivery does.
                    ALTER TABLE events ADD COLUMN owner_id INTEGER;
                    """)
        }
        migrator.registerMigration("v4-model-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE model_sessions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_id INTEGER NOT NULL REFERENCES trading_models(id) ON DELETE CASCADE,
                        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
                        decisions INTEGER NOT NULL DEFAULT 0,
                        started_at INTEGER NOT NULL,
                        ended_at INTEGER,
                        summary TEXT
                    );
                    CREATE INDEX ix_model_sessions_model_id_id ON model_sessions(model_id, id);
                    CREATE INDEX ix_model_sessions_status ON model_sessions(status);
                    """)
        }
        migrator.registerMigration("v5-backtests") { db in
            try db.execute(
                sql: """
                    CREATE TABLE datasets (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        owner_id INTEGER NOT NULL REFERENCES users(id),
                        name TEXT NOT NULL,
                        ticker TEXT NOT NULL,
                        bar_count INTEGER NOT NULL,
                        first_time INTEGER NOT NULL,
                        last_time INTEGER NOT NULL,
                        frequency INTEGER NOT NULL,
                        content_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        content TEXT NOT NULL
                    );
                    CREATE INDEX ix_datasets_owner_id ON datasets(owner_id);

                    -- A job outlives its dataset: its result stays readable after the data is deleted.
                    CREATE TABLE backtest_jobs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        owner_id INTEGER NOT NULL REFERENCES users(id),
                        request TEXT NOT NULL,
                        cache_key TEXT NOT NULL,
                        status TEXT NOT NULL
                            CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
                        progress REAL NOT NULL DEFAULT 0,
                        result TEXT,
                        error TEXT,
                        cached INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        finished_at INTEGER,
                        cached_from INTEGER REFERENCES backtest_jobs(id)
                    );
                    CREATE INDEX ix_backtest_jobs_cache_key_status ON backtest_jobs(cache_key, status);
                    CREATE INDEX ix_backtest_jobs_owner_id_id ON backtest_jobs(owner_id, id);
                    CREATE INDEX ix_backtest_jobs_status_id ON backtest_jobs(status, id);
                    """)
        }
        migrator.registerMigration("v6-backtest-leases") { db in
            try db.execute(sql: "ALTER TABLE backtest_jobs ADD COLUMN lease_until INTEGER")
        }
        migrator.registerMigration("v7-equity-history") { db in
            try db.execute(
                sql: """
                    CREATE TABLE equity_points (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
                        timestamp INTEGER NOT NULL,
                        equity REAL NOT NULL,
                        pnl REAL NOT NULL,
                        position_quantity REAL NOT NULL
                    );
                    CREATE INDEX ix_equity_points_bot_id_timestamp ON equity_points(bot_id, timestamp);
                    """)
        }
        migrator.registerMigration("v8-candles") { db in
            try db.execute(
                sql: """
                    CREATE TABLE candles (
                        ticker TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        span TEXT NOT NULL,
                        start INTEGER NOT NULL,
                        open REAL NOT NULL,
                        high REAL NOT NULL,
                        low REAL NOT NULL,
                        close REAL NOT NULL,
                        volume REAL NOT NULL,
                        close_time INTEGER NOT NULL,
                        PRIMARY KEY (ticker, exchange, span, start)
                    ) WITHOUT ROWID;
                    """)
        }
        // SQLite cannot change a CHECK constraint: the table is rebuilt (foreign keys are checked at the end of the
        // migration, so the orders, fills, positions and logs that point at bots stay as they are).
        migrator.registerMigration("v9-bot-control") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bots_new (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        ticker TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        strategy TEXT NOT NULL,
                        config TEXT NOT NULL DEFAULT '{}',
                        status TEXT NOT NULL
                            CHECK (status IN ('ACTIVE', 'STOP_ENTRIES', 'PAUSED', 'STOPPED', 'ERROR')),
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        owner_id INTEGER REFERENCES users(id)
                    );
                    INSERT INTO bots_new (id, name, ticker, exchange, strategy, config, status, created_at, updated_at,
                        owner_id)
                        SELECT id, name, ticker, exchange, strategy, config, status, created_at, updated_at, owner_id
                        FROM bots;
                    DROP TABLE bots;
                    ALTER TABLE bots_new RENAME TO bots;
                    CREATE INDEX ix_bots_status ON bots(status);
                    CREATE INDEX ix_bots_exchange ON bots(exchange);
                    CREATE INDEX ix_bots_ticker ON bots(ticker);
                    CREATE INDEX ix_bots_created_at ON bots(created_at);
                    CREATE INDEX ix_bots_owner_id ON bots(owner_id);
                    """)
        }
        migrator.registerMigration("v10-bot-liveness") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bot_liveness (
                        bot_id INTEGER PRIMARY KEY REFERENCES bots(id) ON DELETE CASCADE,
                        last_seen INTEGER NOT NULL,
                        stale INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("v11-webhooks") { db in
            for statement in SharedSQL.webhookTables(serial: "INTEGER PRIMARY KEY AUTOINCREMENT", integer: "INTEGER") {
                try db.execute(sql: statement)
            }
        }
        // Existing positions start their counts at zero: the figures cover what happens from here on.
        migrator.registerMigration("v12-position-headline") { db in
            try db.execute(sql: "ALTER TABLE positions ADD COLUMN closed_trades INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE positions ADD COLUMN winning_trades INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE positions ADD COLUMN trade_pnl REAL NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE positions ADD COLUMN peak_equity REAL NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE positions ADD COLUMN max_drawdown_pct REAL NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v13-model-portfolio") { db in
            try db.execute(
                sql: "ALTER TABLE trading_models ADD COLUMN bot_id INTEGER REFERENCES bots(id) ON DELETE SET NULL")
        }
        migrator.registerMigration("v14-working-order-totals") { db in
            for statement in WorkingOrderTotals.sqlite { try db.execute(sql: statement) }
        }
        return migrator
    }
}
