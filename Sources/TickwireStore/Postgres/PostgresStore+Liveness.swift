import PostgresNIO
import TickwireModel

/// When bots last reported and which are stale, on PostgreSQL (see `SQLiteStore+Liveness`). Two nodes sweeping at
/// once each decide on what the other committed: a bot is flagged once.
extension PostgresStore {
    public func recordHeartbeat(botId: Int64, ownerId: Int64?, at now: Timestamp) async throws
        -> Committed<Liveness>
    {
        try await write { db in
            let bot = try await Self.fetchBot(id: botId, on: db)
            guard ownerId == nil || bot.ownerId == ownerId else {
                throw StoreError.notFound(entity: "bot", id: String(botId))
            }
            let previous = try await db.rows(
                "SELECT bot_id, last_seen, stale FROM bot_liveness WHERE bot_id = \(botId) FOR UPDATE"
            ).first.map(Liveness.init(pg:))
            let decision = LivenessCommands.heartbeat(bot, previous: previous, at: now)
            try await Self.saveLiveness(decision.value, on: db)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func sweepLiveness(at now: Timestamp) async throws -> Committed<[Liveness]> {
        try await write { db in
            var watched: [(bot: Bot, liveness: Liveness)] = []
            for row in try await db.rows("SELECT bot_id, last_seen, stale FROM bot_liveness ORDER BY bot_id FOR UPDATE")
            {
                let liveness = try Liveness(pg: row)
                watched.append((try await Self.fetchBot(id: liveness.botId, on: db), liveness))
            }
            let decision = LivenessCommands.sweep(watched, at: now)
            for liveness in decision.value { try await Self.saveLiveness(liveness, on: db) }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func liveness(ownerId: Int64?) async throws -> [Liveness] {
        try await read { db in
            try await db.rows(
                """
                SELECT l.bot_id, l.last_seen, l.stale FROM bot_liveness l JOIN bots b ON b.id = l.bot_id
                WHERE \(ownerId)::BIGINT IS NULL OR b.owner_id = \(ownerId)::BIGINT ORDER BY l.bot_id
                """
            ).map(Liveness.init(pg:))
        }
    }

    static func saveLiveness(_ liveness: Liveness, on db: PostgresConnection) async throws {
        try await db.send(
            """
            INSERT INTO bot_liveness (bot_id, last_seen, stale)
            VALUES (\(liveness.botId), \(liveness.lastSeen.milliseconds), \(liveness.stale))
            ON CONFLICT (bot_id) DO UPDATE SET last_seen = excluded.last_seen, stale = excluded.stale
            """, logger: Logger(label: "tickwire.postgres"))
    }
}

extension Liveness {
    init(pg row: PGRow) throws {
        self.init(
            botId: try row.value("bot_id"), lastSeen: try row.timestamp("last_seen"), stale: try row.value("stale"))
    }
}
