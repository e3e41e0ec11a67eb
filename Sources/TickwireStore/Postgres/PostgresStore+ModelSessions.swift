import PostgresNIO
import TickwireModel

/// Trading-model sessions on PostgreSQL: opening and closing one changes its row and appends its first or last event
/// in the same transaction, and an agent's events are appended only while its session runs (see
/// `SQLiteStore+ModelSessions`).
extension PostgresStore {
    public func startModelSession(modelId: Int64, at now: Timestamp) async throws -> Committed<ModelSession> {
        try await write { db in
            guard try await !db.rows("SELECT 1 AS found FROM trading_models WHERE id = \(modelId)").isEmpty else {
                throw StoreError.notFound(entity: "trading model", id: String(modelId))
            }
            guard
                try await db.rows(
                    "SELECT 1 AS found FROM model_sessions WHERE model_id = \(modelId) AND status = 'running'"
                ).isEmpty
            else { throw StoreError.conflict("trading model \(modelId) already has a running session") }
            let id = try await db.one(
                """
                INSERT INTO model_sessions (model_id, status, decisions, started_at)
                VALUES (\(modelId), 'running', 0, \(now.milliseconds)) RETURNING id
                """, Int64.self)
            let session = ModelSession(id: id, modelId: modelId, status: .running, decisions: 0, startedAt: now)
            let event = EventDraft.modelSession(
                modelId, .status, ["message": .string("Initializing AI agent..."), "session_id": .number(Double(id))])
            return Committed(
                session,
                events: try await self.append([event, .sessionChange(.sessionStarted, session)], at: now, on: db))
        }
    }

    public func finishModelSession(
        id: Int64, status: ModelSessionStatus, decisions: Int, summary: String, at now: Timestamp
    ) async throws -> Committed<ModelSession> {
        try await write { db in
            guard
                var session = try await db.rows(
                    "SELECT \(unescaped: Columns.modelSession) FROM model_sessions WHERE id = \(id)"
                ).first.map(ModelSession.init(pg:))
            else { throw StoreError.notFound(entity: "model session", id: String(id)) }
            guard session.status == .running else { throw StoreError.conflict("model session \(id) has already ended") }
            session.status = status
            session.decisions = decisions
            session.endedAt = now
            session.summary = summary
            try await db.send(
                """
                UPDATE model_sessions SET status = \(status.rawValue), decisions = \(decisions),
                ended_at = \(now.milliseconds), summary = \(summary) WHERE id = \(id)
                """, logger: self.logger)
            let data: [String: JSONValue] = [
                "message": .string(summary), "session_id": .number(Double(id)), "status": .string(status.rawValue),
                "decisions": .number(Double(decisions)),
            ]
            let event = EventDraft.modelSession(session.modelId, status == .failed ? .error : .complete, data)
            return Committed(
                session,
                events: try await self.append([event, .sessionChange(.sessionEnded, session)], at: now, on: db))
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
            else { throw StoreError.conflict("model session \(sessionId) has ended") }
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
