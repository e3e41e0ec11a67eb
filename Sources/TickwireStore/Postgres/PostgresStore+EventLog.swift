import Logging
import PostgresNIO
import TickwireModel

/// The event log: reads for resuming clients and the hub, retention, and the append that every write ends with.
extension PostgresStore {

    // MARK: - Event log

    public func lastEventId() async throws -> Int64 {
        try await read { db in try await Self.fetchLastEventId(on: db) }
    }

    public func events(after: Int64, limit: Int) async throws -> [Event] {
        try await mapErrors { try await Self.readEvents(client, at: location, after: after, limit: limit) }
    }

    /// Like every read, gives up with `unavailable` when no connection comes within `leaseTimeout`: a reader that
    /// waited for the database to return would hold back resuming clients and the commits queued behind it.
    static func readEvents(_ client: PostgresClient, at location: String, after: Int64, limit: Int) async throws
        -> [Event]
    {
        try await leased(from: client, at: location) { db in
            try await db.rows(
                "SELECT \(unescaped: Columns.event) FROM events WHERE id > \(after) ORDER BY id LIMIT \(limit)"
            ).map(Event.init(pg:))
        }
    }

    public func oldestEventId() async throws -> Int64? {
        try await read { db in try await db.one("SELECT MIN(id) FROM events", Int64?.self) }
    }

    public func latestEvents(topic: Topic, through: Int64, limit: Int) async throws -> [Event] {
        try await read { db in
            try await db.rows(
                """
                SELECT \(unescaped: Columns.event) FROM events WHERE topic = \(topic.rawValue) AND id <= \(through)
                ORDER BY id DESC LIMIT \(limit)
                """
            ).map(Event.init(pg:)).reversed()
        }
    }

    public func appendEvents(_ drafts: [EventDraft], at now: Timestamp) async throws -> Committed<[Event]> {
        try await write { db in
            let events = try await self.append(drafts, at: now, on: db)
            return Committed(events, events: events)
        }
    }

    public func pruneEvents(keepingLast count: Int, olderThan cutoff: Timestamp) async throws -> Int {
        // Only a prefix of the log is removed, in small batches, so no write waits long behind retention.
        let bound: Int64 = try await read { db in
            let newest = try await db.one("SELECT COALESCE(MAX(id), 0) FROM events", Int64.self)
            let expired = try await db.one(
                "SELECT COALESCE(MAX(id), 0) FROM events WHERE timestamp < \(cutoff.milliseconds)", Int64.self)
            return max(newest - Int64(count), expired)
        }
        var removed = 0
        while true {
            let batch = try await mapErrors {
                try await leased { db in
                    try await db.one(
                        """
                        WITH gone AS (DELETE FROM events WHERE id IN
                        (SELECT id FROM events WHERE id <= \(bound) ORDER BY id LIMIT 5000) RETURNING 1)
                        SELECT COUNT(*) FROM gone
                        """, Int64.self)
                }
            }
            removed += Int(batch)
            if batch < 5000 { return removed }
        }
    }

    /// Appends a write's events and announces the commit, in one round trip per `appendBatch` events: one statement
    /// inserts them (looking up each one's owner, as `SQLiteStore.owner(of:in:)` does, where the draft has none) and
    /// notifies every node's listener, at commit, of the events themselves when they fit in a payload and of the
    /// last id otherwise (`LogFollower.announced`). Ids come from the sequence in row order, so sorting them gives
    /// the drafts' order.
    func append(_ drafts: [EventDraft], at now: Timestamp, on db: PostgresConnection) async throws -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(drafts.count)
        var start = drafts.startIndex
        while start < drafts.endIndex {
            let batch = drafts[start..<min(start + Self.appendBatch, drafts.endIndex)]
            let rows = try await db.send(Self.appendQuery(batch, at: now), logger: logger)
            var index = batch.startIndex
            for try await (id, owner) in rows.decode((Int64, Int64?).self) {
                var draft = batch[index]
                draft.ownerId = owner
                events.append(Event(id: id, timestamp: now, draft: draft))
                index += 1
            }
            guard index == batch.endIndex else { throw StoreError.unavailable("the event log did not take a write") }
            start = batch.endIndex
        }
        return events
    }

    /// Events per statement: nine parameters each, well under PostgreSQL's 65,535.
    static let appendBatch = 1000

    /// NOTIFY payloads must be shorter than 8,000 bytes.
    static let notifyLimit = 8000

    static func appendQuery(_ drafts: ArraySlice<EventDraft>, at now: Timestamp) -> PostgresQuery {
        var sql =
            "WITH appended AS (INSERT INTO events (topic, type, timestamp, bot_id, ticker, data, owner_id) VALUES "
        var binds = PostgresBindings(capacity: drafts.count * 9)
        for (offset, draft) in drafts.enumerated() {
            let p = offset * 9
            if offset > 0 { sql += ", " }
            sql += "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4), $\(p + 5), $\(p + 6), COALESCE($\(p + 7)::BIGINT,"
            sql += " (SELECT owner_id FROM trading_models WHERE id = $\(p + 8)::BIGINT),"
            sql += " (SELECT owner_id FROM bots WHERE id = $\(p + 9)::BIGINT)))"
            binds.append(draft.topic.rawValue)
            binds.append(draft.type.rawValue)
            binds.append(now.milliseconds)
            binds.append(draft.botId)
            binds.append(draft.ticker)
            binds.append(draft.data)
            binds.append(draft.ownerId)
            // Where the owner comes from when the draft has none: a model's topic, else a bot-scoped topic's bot.
            binds.append(draft.topic.modelId)
            binds.append(draft.topic.modelId == nil && Topic.botScoped.contains(draft.topic) ? draft.botId : nil)
        }
        sql += " RETURNING *),"
        if drafts.reduce(0, { $0 + $1.data.utf8.count + $1.data.utf8.count / 4 + 160 }) < Self.notifyLimit {
            // The last id, then the events themselves, so that other nodes need not read them back. The exact size
            // is only known once escaped; a payload that would not fit beside the id (up to 20 digits and a space)
            // is the last id alone.
            sql += " announced AS (SELECT pg_notify('\(LogFollower.channel)',"
            sql += " last::TEXT || CASE WHEN octet_length(listed) < \(Self.notifyLimit - 21)"
            sql += " THEN ' ' || listed ELSE '' END)"
            sql += " FROM (SELECT json_agg(json_build_array(id, topic, type, timestamp, bot_id, ticker, data,"
            sql += " owner_id) ORDER BY id)::TEXT AS listed, MAX(id) AS last FROM appended) AS batch)"
        } else {
            sql += " announced AS (SELECT pg_notify('\(LogFollower.channel)', MAX(id)::TEXT) FROM appended)"
        }
        sql += " SELECT id, owner_id FROM appended, announced ORDER BY id"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

}
