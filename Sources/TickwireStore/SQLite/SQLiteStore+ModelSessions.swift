import GRDB
import TickwireModel

/// Trading-model sessions: opening and closing one changes its row and appends its first or last event in the same
/// transaction, so the `sessions` list and the `models.{id}` stream always agree. Each also tells the engine
/// (`session_started`, `session_ended` on `engine`), and an agent's events are appended only while its session runs.
extension SQLiteStore {
    public func attachModelBot(modelId: Int64, _ new: NewBot, at now: Timestamp) async throws -> Committed<Bot> {
        try await commands.run { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT bot_id FROM trading_models WHERE id = ?", arguments: [modelId])
            else { throw StoreError.notFound(entity: "trading model", id: String(modelId)) }
            if let botId = row[0] as Int64? { return Committed(try Self.fetchBot(id: botId, in: db), events: []) }
            let creation = BotCommands.create(new, at: now)
            let id = try Self.insertBot(creation.row, in: db)
            try db.execute(sql: "UPDATE trading_models SET bot_id = ? WHERE id = ?", arguments: [id, modelId])
            return try self.commit(creation.saved(id), at: now, in: db)
        }
    }

    public func startModelSession(modelId: Int64, at now: Timestamp) async throws -> Committed<ModelSession> {
        try await commands.run { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM trading_models WHERE id = ?", arguments: [modelId]) != nil
            else { throw StoreError.notFound(entity: "trading model", id: String(modelId)) }
            let running = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM model_sessions WHERE model_id = ? AND status = 'running'", arguments: [modelId])
            let creation = try ModelCommands.startSession(modelId: modelId, running: running != nil, at: now)
            let session = creation.row
            try db.execute(
                sql: "INSERT INTO model_sessions (model_id, status, decisions, started_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    session.modelId, session.status.rawValue, session.decisions, session.startedAt.milliseconds,
                ])
            return try self.commit(creation.saved(db.lastInsertedRowID), at: now, in: db)
        }
    }

    public func finishModelSession(
        id: Int64, status: ModelSessionStatus, decisions: Int, summary: String, statistics: [String: JSONValue],
        at now: Timestamp
    ) async throws -> Committed<ModelSession> {
        try await commands.run { db in
            guard
                let current = try Row.fetchOne(
                    db, sql: "SELECT \(Columns.modelSession) FROM model_sessions WHERE id = ?", arguments: [id]
                ).map(ModelSession.init(row:))
            else { throw StoreError.notFound(entity: "model session", id: String(id)) }
            let decision = try ModelCommands.finishSession(
                current, status: status, decisions: decisions, summary: summary, statistics: statistics, at: now)
            let session = decision.value
            try db.execute(
                sql: "UPDATE model_sessions SET status = ?, decisions = ?, ended_at = ?, summary = ? WHERE id = ?",
                arguments: [
                    session.status.rawValue, session.decisions, session.endedAt?.milliseconds, session.summary, id,
                ])
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func appendSessionEvents(
        sessionId: Int64, decisions: Int, _ drafts: [EventDraft], at now: Timestamp
    ) async throws -> Committed<[Event]> {
        try await commands.run { db in
            try db.execute(
                sql: "UPDATE model_sessions SET decisions = ? WHERE id = ? AND status = 'running'",
                arguments: [decisions, sessionId])
            guard db.changesCount == 1 else { throw ModelCommands.sessionEnded(sessionId) }
            let events = try self.append(drafts, at: now, in: db)
            return Committed(events, events: events)
        }
    }

    public func modelSessions(modelId: Int64?) async throws -> [ModelSession] {
        try await read { db in
            if let modelId {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Columns.modelSession) FROM model_sessions WHERE model_id = ? ORDER BY id DESC",
                    arguments: [modelId]
                ).map(ModelSession.init(row:))
            }
            return try Row.fetchAll(
                db, sql: "SELECT \(Columns.modelSession) FROM model_sessions WHERE status = 'running' ORDER BY id"
            ).map(ModelSession.init(row:))
        }
    }
}
