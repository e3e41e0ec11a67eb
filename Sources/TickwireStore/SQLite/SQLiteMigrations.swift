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
        return migrator
    }
}
