import PostgresNIO
import TickwireModel

/// Trading-model sessions on PostgreSQL: opening and closing one changes its row and appends its first or last event
/// in the same transaction, and an agent's events are appended only while its session runs (see
/// `SQLiteStore+ModelSessions`).
extension PostgresStore {
    public func attachModelBot(modelId: Int64, _ new: NewBot, at now: Timestamp) async throws -> Committed<Bot> {
        try await write { db in
            guard
                let row = try await db.rows("SELECT bot_id FROM trading_models WHERE id = \(modelId) FOR UPDATE").first
            else { throw StoreError.notFound(entity: "trading model", id: String(modelId)) }
            if let botId = try row.value("bot_id", as: Int64?.self) {
                return Committed(try await Self.fetchBot(id: botId, on: db), events: [])
            }
            let creation = BotCommands.create(new, at: now)
            let id = try await Self.insertBot(creation.row, on: db)
            try await db.send(
                "UPDATE trading_models SET bot_id = \(id) WHERE id = \(modelId)", logger: self.logger)
            return try await self.commit(creation.saved(id), at: now, on: db)
        }
    }

    public func startModelSession(modelId: Int64, at now: Timestamp) async throws -> Committed<ModelSession> {
        try await write { db in
            guard try await !db.rows("SELECT 1 AS found FROM trading_models WHERE id = \(modelId)").isEmpty else {
                throw StoreError.notFound(entity: "trading model", id: String(modelId))
            }
            let running = try await !db.rows(
                "SELECT 1 AS found FROM model_sessions WHERE model_id = \(modelId) AND status = 'running'"
            ).isEmpty
            let creation = try ModelCommands.startSession(modelId: modelId, running: running, at: now)
            let session = creation.row
            let id = try await db.one(
                """
                INSERT INTO model_sessions (model_id, status, decisions, started_at)
                VALUES (\(session.modelId), \(session.status.rawValue), \(session.decisions),
                \(session.startedAt.milliseconds)) RETURNING id
                """, Int64.self)
            return try await self.commit(creation.saved(id), at: now, on: db)
        }
    }

    public func finishModelSession(
        id: Int64, status: ModelSessionStatus, decisions: Int, summary: String, statistics: [String: JSONValue],
        at now: Timestamp
    ) async throws -> Committed<ModelSession> {
        try await write { db in
            guard
                let current = try await db.rows(
                    "SELECT \(unescaped: Columns.modelSession) FROM model_sessions WHERE id = \(id)"
                ).first.map(ModelSession.init(pg:))
            else { throw StoreError.notFound(entity: "model session", id: String(id)) }
            let decision = try ModelCommands.finishSession(
                current, status: status, decisions: decisions, summary: summary, statistics: statistics, at: now)
            let session = decision.value
            try await db.send(
                """
                UPDATE model_sessions SET status = \(session.status.rawValue), decisions = \(session.decisions),
                ended_at = \(session.endedAt?.milliseconds), summary = \(session.summary) WHERE id = \(id)
                """, logger: self.logger)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func appendSessionEvents(
        sessionId: Int64, decisions: Int, _ drafts: [EventDraft], at now: Timestamp
    ) async throws -> Committed<[Event]> {
        try await write { db in
            guard
                try await !db.rows(
                    """
                    UPDATE model_sessions SET decisions = \(decisions) WHERE id = \(sessionId) AND status = 'running'
                    RETURNING 1 AS found
                    """
                ).isEmpty
            else { throw ModelCommands.sessionEnded(sessionId) }
            let events = try await self.append(drafts, at: now, on: db)
            return Committed(events, events: events)
        }
    }

    public func modelSessions(modelId: Int64?) async throws -> [ModelSession] {
        try await read { db in
            if let modelId {
                return try await db.rows(
                    """
                    SELECT \(unescaped: Columns.modelSession) FROM model_sessions WHERE model_id = \(modelId)
                    ORDER BY id DESC
                    """
                ).map(ModelSession.init(pg:))
            }
            return try await db.rows(
                "SELECT \(unescaped: Columns.modelSession) FROM model_sessions WHERE status = 'running' ORDER BY id"
            ).map(ModelSession.init(pg:))
        }
    }
}
