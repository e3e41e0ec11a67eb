import Foundation
import GRDB
import Testing
import TickwireModel

@testable import TickwireStore

/// A database written by an earlier version opens with the current one: the missing migrations run, rows and event
/// positions stay, and every command works on the result.
@Suite struct SchemaUpgradeTests {
    /// Every shipped SQLite schema before the current one.
    static let earlierSQLiteVersions = ["v1-foundation", "v2-event-topics", "v3-accounts"]

    @Test(arguments: earlierSQLiteVersions) func anSQLiteDatabaseUpgradesFrom(_ version: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickwire-upgrade-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.db").path

        // The database as that version left it: its schema, a bot, an open position and two events.
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(old, upTo: version)
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO bots (name, ticker, exchange, strategy, config, status, created_at, updated_at)
                        VALUES ('old', 'BTC', 'paper', 'sma', '{"fast":5}', 'STOPPED', 1000, 1000);
                        INSERT INTO positions (bot_id, quantity, avg_entry_price, realized_pnl, fees, updated_at)
                        VALUES (1, 2, 100, 0, 0, 1000);
                        INSERT INTO events (topic, type, timestamp, bot_id, ticker, data)
                        VALUES ('bots', 'bot_created', 1000, 1, NULL, '{}'), ('bots', 'bot_updated', 1001, 1, NULL, '{}');
                        """)
            }
            try old.close()
        }

        let store = try SQLiteStore(path: path)
        let bot = try await store.bot(id: 1)
        #expect(bot.name == "old")
        #expect(bot.config == ["fast": .number(5)])
        #expect(bot.ownerId == nil, "bots from before accounts have no owner")
        #expect(try await store.lastEventId() == 2)
        #expect(try await store.events(after: 0, limit: 10).map(\.type) == [.botCreated, .botUpdated])
        #expect(try await store.pnl(botId: 1).positionQuantity == 2)

        // Every kind of write works on the upgraded schema, and the log continues after the old events.
        let user = try await store.createUser(username: "ann", passwordHash: "h", role: .user, at: t0)
        let mine = try await store.createBot(
            NewBot(name: "new", ticker: "ETH", exchange: "paper", strategy: "sma", ownerId: user.id), at: at(1))
        #expect(mine.events.map(\.id) == [3])
        let model = try await store.createModel(NewTradingModel(name: "m"), ownerId: user.id, at: at(2))
        let session = try await store.startModelSession(modelId: model.id, at: at(3))
        #expect(session.value.status == .running)
        let priced = try await store.recordPrices([NewPrice(ticker: "BTC", exchange: "paper", price: 110)], at: at(4))
        #expect(
            priced.events.map(\.type) == [.priceUpdate, .pnlUpdate, .equityUpdate],
            "the old bot's position is repriced, and its equity history starts")
    }

    @Test func aCurrentDatabaseOpensAgainUnchanged() async throws {
        for backend in Backend.all {
            let database = try await TestDatabase.make(backend)
            let first = try await database.open()
            let bot = try await first.createBot(
                NewBot(name: "a", ticker: "BTC", exchange: "paper", strategy: "sma"), at: t0)
            let second = try await database.open()
            #expect(try await second.bot(id: bot.value.id) == bot.value, "\(backend)")
            #expect(try await second.lastEventId() == 1, "\(backend)")
            await database.remove([first, second])
        }
    }
}
