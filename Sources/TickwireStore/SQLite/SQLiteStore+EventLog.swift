import GRDB
import TickwireModel

/// The event log: reads for resuming clients and the hub, retention, and the append that every write ends with.
extension SQLiteStore {
    public func lastEventId() async throws -> Int64 {
        try await read { db in try Self.fetchLastEventId(in: db) }
    }

    public func events(after: Int64, limit: Int) async throws -> [Event] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Columns.event) FROM events WHERE id > ? ORDER BY id LIMIT ?"),
                arguments: [after, limit]
            ).map(Event.init(row:))
        }
    }

    public func oldestEventId() async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(id) FROM events")) }
    }

    public func latestEvents(topic: Topic, through: Int64, limit: Int) async throws -> [Event] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT \(Columns.event) FROM events WHERE topic = ? AND id <= ? ORDER BY id DESC LIMIT ?"),
                arguments: [topic.rawValue, through, limit]
            ).map(Event.init(row:)).reversed()
        }
    }

    public func appendEvents(_ drafts: [EventDraft], at now: Timestamp) async throws -> Committed<[Event]> {
        try await commands.run { db in
            let events = try self.append(drafts, at: now, in: db)
            return Committed(events, events: events)
        }
    }

    public func pruneEvents(keepingLast count: Int, olderThan cutoff: Timestamp) async throws -> Int {
        // Only a prefix of the log is ever removed, so what is retained stays contiguous; small batches keep each
        // write transaction short, so the write path never waits long behind retention.
        let bound: Int64 = try await read { db in
            let newest = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
            let expired =
                try Int64.fetchOne(
                    db, sql: "SELECT MAX(id) FROM events WHERE timestamp < ?", arguments: [cutoff.milliseconds]) ?? 0
            return max(newest - Int64(count), expired)
        }
        var removed = 0
        while true {
            let batch = try await write { db in
                try db.execute(
                    sql: """
                        DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT 5000)
                        """,
                    arguments: [bound])
                return db.changesCount
            }
            removed += batch
            if batch < 5000 { return removed }
        }
    }

    /// Appends events to the log in the running command's savepoint; `GroupCommit` publishes them on commit.
    func append(_ drafts: [EventDraft], at now: Timestamp, in db: Database) throws -> [Event] {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO events (topic, type, timestamp, bot_id, ticker, data, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        let events = try drafts.map { draft in
            var draft = draft
            if draft.ownerId == nil { draft.ownerId = try Self.owner(of: draft, in: db) }
            try insert.execute(arguments: [
                draft.topic.rawValue, draft.type.rawValue, now.milliseconds, draft.botId, draft.ticker, draft.data,
                draft.ownerId,
            ])
            return Event(id: db.lastInsertedRowID, timestamp: now, draft: draft)
        }
        return events
    }

    /// The user an event belongs to: the owner of the bot (bot-scoped topics) or trading model (`models.{id}`)
    /// it is about. Other topics (prices, intraday, system) belong to nobody and are for everyone.
    static func owner(of draft: EventDraft, in db: Database) throws -> Int64? {
        if let modelId = draft.topic.modelId {
            return try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT owner_id FROM trading_models WHERE id = ?"), arguments: [modelId])
        }
        guard let botId = draft.botId, Topic.botScoped.contains(draft.topic) else { return nil }
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT owner_id FROM bots WHERE id = ?"), arguments: [botId])
    }
}
