import GRDB
import TickwireModel

/// Datasets and backtest jobs. A worker claims the oldest queued job in the write transaction that marks it running,
/// so no two workers take the same one.
extension SQLiteStore {
    public func datasets(ownerId: Int64?) async throws -> [Dataset] {
        try await read { db in
            let c: SQLiteConditions = ListFilters.owned(by: ownerId)
            return try Row.fetchAll(
                db, sql: "SELECT \(Columns.dataset) FROM datasets\(c.whereClause) ORDER BY id DESC",
                arguments: c.arguments
            ).map(Dataset.init(row:))
        }
    }

    public func dataset(id: Int64) async throws -> Dataset {
        try await read { db in try Self.fetchDataset(id: id, in: db) }
    }

    public func datasetContent(id: Int64) async throws -> String {
        try await read { db in
            guard
                let content = try String.fetchOne(db, sql: "SELECT content FROM datasets WHERE id = ?", arguments: [id])
            else { throw StoreError.notFound(entity: "dataset", id: String(id)) }
            return content
        }
    }

    public func backtestJobs(ownerId: Int64?, limit: Int) async throws -> [BacktestJob] {
        try await read { db in
            let c: SQLiteConditions = ListFilters.owned(by: ownerId)
            return try Row.fetchAll(
                db,
                sql: "SELECT \(Columns.backtestJobSummary) FROM backtest_jobs\(c.whereClause) ORDER BY id DESC LIMIT ?",
                arguments: c.arguments + [limit]
            ).map(BacktestJob.init(row:))
        }
    }

    public func backtestJob(id: Int64) async throws -> BacktestJob {
        try await read { db in try Self.fetchBacktestJob(id: id, in: db) }
    }

    public func backtestQueue() async throws -> (queued: Int, running: Int) {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT status, COUNT(*) AS n FROM backtest_jobs WHERE status IN ('queued', 'running') GROUP BY status"
            ) {
                let status: String? = row["status"]
                let count: Int? = row["n"]
                if let status, let count { counts[status] = count }
            }
            return (counts["queued"] ?? 0, counts["running"] ?? 0)
        }
    }

    public func createDataset(_ dataset: Dataset, content: String, at now: Timestamp) async throws
        -> Committed<Dataset>
    {
        try await commands.run { db in
            let creation = BacktestCommands.createDataset(dataset)
            let row = creation.row
            try db.execute(
                sql: """
                    INSERT INTO datasets (owner_id, name, ticker, bar_count, first_time, last_time, frequency,
                    content_hash, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row.ownerId, row.name, row.ticker, row.barCount, row.firstTime, row.lastTime, row.frequency,
                    row.contentHash, row.createdAt.milliseconds, content,
                ])
            return try self.commit(creation.saved(db.lastInsertedRowID), at: now, in: db)
        }
    }

    public func deleteDataset(id: Int64, at now: Timestamp) async throws -> Committed<Int64> {
        try await commands.run { db in
            let decision = BacktestCommands.deleteDataset(try Self.fetchDataset(id: id, in: db))
            try db.execute(sql: "DELETE FROM datasets WHERE id = ?", arguments: [id])
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func submitBacktest(
        _ request: BacktestRequest, ownerId: Int64, cacheKey: String, limits: (owner: Int, total: Int),
        at now: Timestamp
    ) async throws -> Committed<BacktestJob> {
        try await commands.run { db in
            let running = try Row.fetchOne(
                db,
                sql: """
                    SELECT \(Columns.backtestJobSummary) FROM backtest_jobs
                    WHERE cache_key = ? AND status IN ('queued', 'running') AND owner_id = ? ORDER BY id LIMIT 1
                    """, arguments: [cacheKey, ownerId]
            ).map(BacktestJob.init(row:))
            let completed = try Row.fetchOne(
                db,
                sql: """
                    SELECT \(Columns.backtestJob) FROM backtest_jobs
                    WHERE cache_key = ? AND status = 'completed' ORDER BY id DESC LIMIT 1
                    """, arguments: [cacheKey]
            ).map(BacktestJob.init(row:))
            let active = "SELECT COUNT(*) FROM backtest_jobs WHERE status IN ('queued', 'running')"
            let load = QueueLoad(
                owner: try Int.fetchOne(db, sql: active + " AND owner_id = ?", arguments: [ownerId]) ?? 0,
                ownerLimit: limits.owner, total: try Int.fetchOne(db, sql: active) ?? 0, totalLimit: limits.total)
            switch try BacktestCommands.submit(
                request, ownerId: ownerId, cacheKey: cacheKey, running: running, completed: completed, waiting: load,
                at: now)
            {
            case .shared(let job):
                return Committed(job, events: [])
            case .created(let creation):
                let job = creation.row
                try db.execute(
                    sql: """
                        INSERT INTO backtest_jobs (owner_id, request, cache_key, status, progress, result, error, cached,
                        created_at, finished_at, cached_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        job.ownerId, BacktestRequestColumn.encode(job.request), job.cacheKey, job.status.rawValue,
                        job.progress, job.cachedFrom == nil ? job.result : nil, job.error, job.cached,
                        job.createdAt.milliseconds, job.finishedAt?.milliseconds, job.cachedFrom,
                    ])
                return try self.commit(creation.saved(db.lastInsertedRowID), at: now, in: db)
            }
        }
    }

    public func claimBacktest(at now: Timestamp, leaseUntil: Timestamp) async throws -> Committed<BacktestJob>? {
        let claimed: Committed<BacktestJob?> = try await commands.run { db in
            guard
                let next = try Row.fetchOne(db, sql: SharedSQL.nextBacktest, arguments: [now.milliseconds])
                    .map(BacktestJob.init(row:))
            else { return Committed(nil, events: []) }
            let decision = try BacktestCommands.start(next)
            try Self.saveBacktestJob(decision.value, in: db)
            try db.execute(
                sql: "UPDATE backtest_jobs SET lease_until = ? WHERE id = ?",
                arguments: [leaseUntil.milliseconds, next.id])
            let committed = try self.commit(decision, at: now, in: db)
            return Committed(committed.value, events: committed.events)
        }
        return claimed.value.map { Committed($0, events: claimed.events) }
    }

    public func renewBacktestLease(id: Int64, until: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE backtest_jobs SET lease_until = ? WHERE id = ? AND status = 'running'",
                arguments: [until.milliseconds, id])
            return db.changesCount > 0
        }
    }

    public func evictBacktests(keepingResultBytes bytes: Int64) async throws -> Int {
        try await write { db in
            let victims = try Int64.fetchAll(db, sql: SharedSQL.backtestsOverBudget, arguments: [bytes])
            var removed = 0
            for start in stride(from: 0, to: victims.count, by: 500) {
                let chunk = victims[start..<min(start + 500, victims.count)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let ids = StatementArguments(Array(chunk))
                try db.execute(sql: "DELETE FROM backtest_jobs WHERE cached_from IN (\(marks))", arguments: ids)
                removed += db.changesCount
                try db.execute(sql: "DELETE FROM backtest_jobs WHERE id IN (\(marks))", arguments: ids)
                removed += db.changesCount
            }
            return removed
        }
    }

    public func pruneBacktests(finishedBefore cutoff: Timestamp) async throws -> Int {
        var removed = 0
        while true {
            let pass = try await write { db in
                try db.execute(sql: SharedSQL.pruneBacktests, arguments: [cutoff.milliseconds])
                return db.changesCount
            }
            removed += pass
            if pass == 0 { return removed }
        }
    }

    public func requeueRunningBacktests(at now: Timestamp) async throws -> Committed<[BacktestJob]> {
        try await commands.run { db in
            let running = try Row.fetchAll(
                db, sql: "SELECT \(Columns.backtestJob) FROM backtest_jobs WHERE status = 'running' ORDER BY id"
            ).map(BacktestJob.init(row:))
            var jobs: [BacktestJob] = []
            var events: [EventDraft] = []
            for job in running {
                let decision = BacktestCommands.requeue(job)
                try Self.saveBacktestJob(decision.value, in: db)
                jobs.append(decision.value)
                events += decision.events
            }
            return try self.commit(Decision(jobs, events: events), at: now, in: db)
        }
    }

    public func changeBacktest(
        id: Int64, at now: Timestamp,
        _ decide: @escaping @Sendable (BacktestJob) throws(CommandConflict) -> Decision<BacktestJob>
    ) async throws -> Committed<BacktestJob> {
        try await commands.run { db in
            let decision = try decide(try Self.fetchBacktestJob(id: id, in: db))
            if decision.changes { try Self.saveBacktestJob(decision.value, in: db) }
            return try self.commit(decision, at: now, in: db)
        }
    }

    static func saveBacktestJob(_ job: BacktestJob, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE backtest_jobs SET status = ?, progress = ?, result = COALESCE(?, result), error = ?,
                finished_at = ? WHERE id = ?
                """,
            arguments: [
                job.status.rawValue, job.progress, job.result, job.error, job.finishedAt?.milliseconds, job.id,
            ])
    }

    static func fetchDataset(id: Int64, in db: Database) throws -> Dataset {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(Columns.dataset) FROM datasets WHERE id = ?", arguments: [id])
        else { throw StoreError.notFound(entity: "dataset", id: String(id)) }
        return try Dataset(row: row)
    }

    static func fetchBacktestJob(id: Int64, in db: Database) throws -> BacktestJob {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(Columns.backtestJob) FROM backtest_jobs WHERE id = ?", arguments: [id])
        else { throw StoreError.notFound(entity: "backtest", id: String(id)) }
        return try BacktestJob(row: row)
    }
}

extension Dataset {
    init(row: Row) throws {
        self.init(
            id: row[0], ownerId: row[1], name: row[2], ticker: row[3], barCount: row[4], firstTime: row[5],
            lastTime: row[6], frequency: row[7], contentHash: row[8], createdAt: Timestamp(milliseconds: row[9]))
    }
}

extension BacktestJob {
    init(row: Row) throws {
        let id: Int64 = row[0]
        self.init(
            id: id, ownerId: row[1], request: try BacktestRequestColumn.decode(row[2], job: id), cacheKey: row[3],
            status: try Self.decodeEnum(row[4]), progress: row[5], result: row[6], error: row[7], cached: row[8],
            cachedFrom: row[11], createdAt: Timestamp(milliseconds: row[9]),
            finishedAt: (row[10] as Int64?).map(Timestamp.init(milliseconds:)))
    }
}
