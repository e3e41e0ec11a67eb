import GRDB
import TickwireModel

/// When bots last reported (`bot_liveness`) and which are stale (`LivenessCommands`).
extension SQLiteStore {
    public func recordHeartbeat(botId: Int64, ownerId: Int64?, at now: Timestamp) async throws
        -> Committed<Liveness>
    {
        try await commands.run { db in
            let bot = try Self.fetchBot(id: botId, in: db)
            guard ownerId == nil || bot.ownerId == ownerId else {
                throw StoreError.notFound(entity: "bot", id: String(botId))
            }
            let previous = try Row.fetchOne(
                db, sql: "SELECT bot_id, last_seen, stale FROM bot_liveness WHERE bot_id = ?", arguments: [botId]
            ).map(Liveness.init(row:))
            let decision = LivenessCommands.heartbeat(bot, previous: previous, at: now)
            try Self.saveLiveness(decision.value, in: db)
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func sweepLiveness(at now: Timestamp) async throws -> Committed<[Liveness]> {
        try await commands.run { db in
            let watched = try Row.fetchAll(db, sql: "SELECT bot_id, last_seen, stale FROM bot_liveness ORDER BY bot_id")
                .map { row in
                    let liveness = Liveness(row: row)
                    return (bot: try Self.fetchBot(id: liveness.botId, in: db), liveness: liveness)
                }
            let decision = LivenessCommands.sweep(watched, at: now)
            for liveness in decision.value { try Self.saveLiveness(liveness, in: db) }
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func liveness(ownerId: Int64?) async throws -> [Liveness] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.bot_id, l.last_seen, l.stale FROM bot_liveness l JOIN bots b ON b.id = l.bot_id
                    WHERE ? IS NULL OR b.owner_id = ? ORDER BY l.bot_id
                    """, arguments: [ownerId, ownerId]
            ).map(Liveness.init(row:))
        }
    }

    static func saveLiveness(_ liveness: Liveness, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO bot_liveness (bot_id, last_seen, stale) VALUES (?, ?, ?)
                ON CONFLICT (bot_id) DO UPDATE SET last_seen = excluded.last_seen, stale = excluded.stale
                """, arguments: [liveness.botId, liveness.lastSeen.milliseconds, liveness.stale])
    }
}

extension Liveness {
    init(row: Row) {
        self.init(botId: row[0], lastSeen: Timestamp(milliseconds: row[1]), stale: row[2])
    }
}
