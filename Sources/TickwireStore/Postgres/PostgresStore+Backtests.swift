import PostgresNIO
import TickwireModel

/// Datasets and backtest jobs on PostgreSQL (see `SQLiteStore+Backtests`). Every node's workers claim from the one
/// table: the oldest queued job, skipping rows another node is claiming (`FOR UPDATE SKIP LOCKED`).
extension PostgresStore {
    public func datasets(ownerId: Int64?) async throws -> [Dataset] {
        let c: PostgresConditions = ListFilters.owned(by: ownerId)
        let query = c.query("SELECT \(Columns.dataset) FROM datasets\(c.whereClause) ORDER BY id DESC")
        return try await read { db in try await db.rows(query).map(Dataset.init(pg:)) }
    }

    public func dataset(id: Int64) async throws -> Dataset {
        try await read { db in try await Self.fetchDataset(id: id, on: db) }
    }

    public func datasetContent(id: Int64) async throws -> String {
        try await read { db in
            guard let row = try await db.rows("SELECT content FROM datasets WHERE id = \(id)").first else {
                throw StoreError.notFound(entity: "dataset", id: String(id))
            }
            return try row.value("content")
        }
    }

    public func backtestJobs(ownerId: Int64?, limit: Int) async throws -> [BacktestJob] {
        var c: PostgresConditions = ListFilters.owned(by: ownerId)
        let bound = c.parameter(limit)
        let query = c.query(
            "SELECT \(Columns.backtestJobSummary) FROM backtest_jobs\(c.whereClause) ORDER BY id DESC LIMIT \(bound)")
        return try await read { db in try await db.rows(query).map(BacktestJob.init(pg:)) }
    }

    public func backtestJob(id: Int64) async throws -> BacktestJob {
        try await read { db in try await Self.fetchBacktestJob(id: id, on: db) }
    }

    public func backtestQueue() async throws -> (queued: Int, running: Int) {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try await db.rows(
                "SELECT status, COUNT(*)::bigint AS n FROM backtest_jobs WHERE status IN ('queued', 'running') GROUP BY status"
            ) {
                counts[try row["status"].decode(String.self)] = Int(clamping: try row["n"].decode(Int64.self))
            }
            return (counts["queued"] ?? 0, counts["running"] ?? 0)
        }
    }

    public func createDataset(_ dataset: Dataset, content: String, at now: Timestamp) async throws
        -> Committed<Dataset>
    {
        try await write { db in
            let creation = BacktestCommands.createDataset(dataset)
            let row = creation.row
            let id = try await db.one(
                """
                INSERT INTO datasets (owner_id, name, ticker, bar_count, first_time, last_time, frequency, content_hash,
                created_at, content) VALUES (\(row.ownerId), \(row.name), \(row.ticker), \(Int64(row.barCount)),
                \(row.firstTime), \(row.lastTime), \(row.frequency), \(row.contentHash), \(row.createdAt.milliseconds),
                \(content)) RETURNING id
                """, Int64.self)
            return try await self.commit(creation.saved(id), at: now, on: db)
        }
    }

    public func deleteDataset(id: Int64, at now: Timestamp) async throws -> Committed<Int64> {
        try await write { db in
            let decision = BacktestCommands.deleteDataset(try await Self.fetchDataset(id: id, on: db))
            try await db.send("DELETE FROM datasets WHERE id = \(id)", logger: self.logger)
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func submitBacktest(
        _ request: BacktestRequest, ownerId: Int64, cacheKey: String, limits: (owner: Int, total: Int),
        at now: Timestamp
    ) async throws -> Committed<BacktestJob> {
        try await write { db in
            let running = try await db.rows(
                """
                SELECT \(unescaped: Columns.backtestJobSummary) FROM backtest_jobs
                WHERE cache_key = \(cacheKey) AND status IN ('queued', 'running') AND owner_id = \(ownerId)
                ORDER BY id LIMIT 1
                """
            ).first.map(BacktestJob.init(pg:))
            let completed = try await db.rows(
                """
                SELECT \(unescaped: Columns.backtestJob) FROM backtest_jobs
                WHERE cache_key = \(cacheKey) AND status = 'completed' ORDER BY id DESC LIMIT 1
                """
            ).first.map(BacktestJob.init(pg:))
            let mine = try await db.one(
                """
                SELECT COUNT(*) FROM backtest_jobs WHERE status IN ('queued', 'running') AND owner_id = \(ownerId)
                """, Int64.self)
            let everyone = try await db.one(
                "SELECT COUNT(*) FROM backtest_jobs WHERE status IN ('queued', 'running')", Int64.self)
            let load = QueueLoad(
                owner: Int(clamping: mine), ownerLimit: limits.owner, total: Int(clamping: everyone),
                totalLimit: limits.total)
            switch try BacktestCommands.submit(
                request, ownerId: ownerId, cacheKey: cacheKey, running: running, completed: completed, waiting: load,
                at: now)
            {
            case .shared(let job):
                return Committed(job, events: [])
            case .created(let creation):
                let job = creation.row
                let id = try await db.one(
                    """
                    INSERT INTO backtest_jobs (owner_id, request, cache_key, status, progress, result, error, cached,
                    created_at, finished_at, cached_from) VALUES (\(job.ownerId),
                    \(BacktestRequestColumn.encode(job.request)), \(job.cacheKey), \(job.status.rawValue), \(job.progress),
                    \(job.cachedFrom == nil ? job.result : nil), \(job.error), \(job.cached), \(job.createdAt.milliseconds),
                    \(job.finishedAt?.milliseconds), \(job.cachedFrom)) RETURNING id
                    """, Int64.self)
                return try await self.commit(creation.saved(id), at: now, on: db)
            }
        }
    }

    public func claimBacktest(at now: Timestamp, leaseUntil: Timestamp) async throws -> Committed<BacktestJob>? {
        var binds = PostgresBindings()
        binds.append(now.milliseconds)
        let next = PostgresQuery(
            unsafeSQL: Self.numbered(SharedSQL.nextBacktest) + " FOR UPDATE SKIP LOCKED",
            binds: binds)
        let claimed: Committed<BacktestJob?> = try await write { db in
            guard let job = try await db.rows(next).first.map(BacktestJob.init(pg:)) else {
                return Committed(nil, events: [])
            }
            let decision = try BacktestCommands.start(job)
            try await Self.saveBacktestJob(decision.value, on: db)
            try await db.send(
                "UPDATE backtest_jobs SET lease_until = \(leaseUntil.milliseconds) WHERE id = \(job.id)",
                logger: self.logger)
            let committed = try await self.commit(decision, at: now, on: db)
            return Committed(committed.value, events: committed.events)
        }
        return claimed.value.map { Committed($0, events: claimed.events) }
    }

    public func pruneBacktests(finishedBefore cutoff: Timestamp) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(cutoff.milliseconds)
        let query = PostgresQuery(
            unsafeSQL: Self.numbered(SharedSQL.pruneBacktests)
                + " RETURNING 1", binds: binds)
        var removed = 0
        while true {
            let pass = try await mapErrors {
                try await leased { db in try await db.rows(query).count }
            }
            removed += pass
            if pass == 0 { return removed }
        }
    }

    public func renewBacktestLease(id: Int64, until: Timestamp) async throws -> Bool {
        try await mapErrors {
            try await leased { db in
                try await db.rows(
                    """
                    UPDATE backtest_jobs SET lease_until = \(until.milliseconds) WHERE id = \(id) AND status = 'running'
                    RETURNING 1
                    """
                ).count > 0
            }
        }
    }

    public func evictBacktests(keepingResultBytes bytes: Int64) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(bytes)
        let overBudget = PostgresQuery(
            unsafeSQL: Self.numbered(SharedSQL.backtestsOverBudget), binds: binds)
        return try await write { db in
            let victims: [Int64] = try await db.rows(overBudget).map { row in try row.value("id") }
            guard !victims.isEmpty else { return Committed(0, events: []) }
            let copies = try await db.rows(
                "DELETE FROM backtest_jobs WHERE cached_from = ANY(\(victims)) RETURNING 1"
            ).count
            let sources = try await db.rows("DELETE FROM backtest_jobs WHERE id = ANY(\(victims)) RETURNING 1").count
            return Committed(copies + sources, events: [])
        }.value
    }

    public func requeueRunningBacktests(at now: Timestamp) async throws -> Committed<[BacktestJob]> {
        try await write { db in
            let running = try await db.rows(
                "SELECT \(unescaped: Columns.backtestJob) FROM backtest_jobs WHERE status = 'running' ORDER BY id"
            ).map(BacktestJob.init(pg:))
            var jobs: [BacktestJob] = []
            var events: [EventDraft] = []
            for job in running {
                let decision = BacktestCommands.requeue(job)
                try await Self.saveBacktestJob(decision.value, on: db)
                jobs.append(decision.value)
                events += decision.events
            }
            return try await self.commit(Decision(jobs, events: events), at: now, on: db)
        }
    }

    public func changeBacktest(
        id: Int64, at now: Timestamp,
        _ decide: @escaping @Sendable (BacktestJob) throws(CommandConflict) -> Decision<BacktestJob>
    ) async throws -> Committed<BacktestJob> {
        try await write { db in
            let decision = try decide(try await Self.fetchBacktestJob(id: id, on: db))
            if decision.changes { try await Self.saveBacktestJob(decision.value, on: db) }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    static func saveBacktestJob(_ job: BacktestJob, on db: PostgresConnection) async throws {
        try await db.send(
            """
            UPDATE backtest_jobs SET status = \(job.status.rawValue), progress = \(job.progress),
            result = COALESCE(\(job.result), result), error = \(job.error), finished_at = \(job.finishedAt?.milliseconds)
            WHERE id = \(job.id)
            """, logger: Logger(label: "tickwire.postgres"))
    }

    static func fetchDataset(id: Int64, on db: PostgresConnection) async throws -> Dataset {
        guard let row = try await db.rows("SELECT \(unescaped: Columns.dataset) FROM datasets WHERE id = \(id)").first
        else { throw StoreError.notFound(entity: "dataset", id: String(id)) }
        return try Dataset(pg: row)
    }

    static func fetchBacktestJob(id: Int64, on db: PostgresConnection) async throws -> BacktestJob {
        guard
            let row = try await db.rows(
                "SELECT \(unescaped: Columns.backtestJob) FROM backtest_jobs WHERE id = \(id)"
            ).first
        else { throw StoreError.notFound(entity: "backtest", id: String(id)) }
        return try BacktestJob(pg: row)
    }
}

extension Dataset {
    init(pg row: PGRow) throws {
        let count: Int64 = try row.value("bar_count")
        self.init(
            id: try row.value("id"), ownerId: try row.value("owner_id"), name: try row.value("name"),
            ticker: try row.value("ticker"), barCount: Int(clamping: count), firstTime: try row.value("first_time"),
            lastTime: try row.value("last_time"), frequency: try row.value("frequency"),
            contentHash: try row.value("content_hash"), createdAt: try row.timestamp("created_at"))
    }
}

extension BacktestJob {
    init(pg row: PGRow) throws {
        let id: Int64 = try row.value("id")
        self.init(
            id: id, ownerId: try row.value("owner_id"),
            request: try BacktestRequestColumn.decode(try row.value("request"), job: id),
            cacheKey: try row.value("cache_key"), status: try row.enumeration("status"),
            progress: try row.value("progress"), result: try row.value("result"), error: try row.value("error"),
            cached: try row.value("cached"), cachedFrom: try row.value("cached_from"),
            createdAt: try row.timestamp("created_at"),
            finishedAt: try row.optionalTimestamp("finished_at"))
    }
}
