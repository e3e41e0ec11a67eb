/// Datasets and backtest jobs: uploading and deleting a dataset, submitting a run (answered from the cache when the
/// same configuration already ran on the same data), and a run's progress and end.
public enum BacktestCommands {
    public static func createDataset(_ dataset: Dataset) -> Creation<Dataset, Int64> {
        Creation(row: dataset) { id in
            var saved = dataset
            saved.id = id
            return Decision(saved, events: [.dataset(.datasetCreated, saved)])
        }
    }

    public static func deleteDataset(_ dataset: Dataset) -> Decision<Int64> {
        Decision(dataset.id, events: [.dataset(.datasetDeleted, dataset)])
    }

    /// What a submission becomes, given what the store holds for its cache key.
    public enum Submission: Sendable {
        /// The owner's own run of this configuration is still queued or running: they share it.
        case shared(BacktestJob)
        /// A new row: queued, or (with `cached`) completed at once with an earlier run's result.
        case created(Creation<BacktestJob, Int64>)
    }

    /// - Parameters:
    ///   - running: the owner's queued or running job with this cache key, if any.
    ///   - completed: a completed job with this cache key (anyone's: the key covers the data's content).
    ///   - waiting: how many runs wait or run now, the owner's and everyone's, against their limits.
    public static func submit(
        _ request: BacktestRequest, ownerId: Int64, cacheKey: String, running: BacktestJob?, completed: BacktestJob?,
        waiting: QueueLoad = .init(), at now: Timestamp
    ) throws(QueueFull) -> Submission {
        if let running { return .shared(running) }
        if completed?.result == nil {
            if waiting.owner >= waiting.ownerLimit {
                throw QueueFull(message: "at most \(waiting.ownerLimit) backtests of a user wait or run at once")
            }
            if waiting.total >= waiting.totalLimit {
                throw QueueFull(message: "the backtest queue is full (\(waiting.totalLimit) runs)")
            }
        }
        var row = BacktestJob(
            id: 0, ownerId: ownerId, request: request, cacheKey: cacheKey, status: .queued, progress: 0,
            createdAt: now)
        if let completed, let result = completed.result {
            row.status = .completed
            row.progress = 1
            row.result = result
            row.cached = true
            row.cachedFrom = completed.cachedFrom ?? completed.id
            row.finishedAt = now
        }
        let job = row
        return .created(
            Creation(row: job) { id in
                var saved = job
                saved.id = id
                return Decision(saved, events: [.backtest(saved.cached ? .backtestCompleted : .backtestQueued, saved)])
            })
    }

    /// A worker takes a queued job, or takes over a running one whose worker stopped renewing its lease (its node
    /// died): that run starts again from the beginning.
    public static func start(_ job: BacktestJob) throws(CommandConflict) -> Decision<BacktestJob> {
        guard job.status == .queued || job.status == .running else {
            throw CommandConflict("backtest \(job.id) is \(job.status.rawValue)")
        }
        var started = job
        started.status = .running
        started.progress = 0
        return Decision(started, events: [.backtest(.backtestProgress, started)])
    }

    /// Progress of a running job (the worker sends at most a few per second).
    public static func progress(_ job: BacktestJob, _ fraction: Double) -> Decision<BacktestJob> {
        guard job.status == .running, fraction.isFinite else { return .unchanged(job) }
        var moved = job
        moved.progress = min(1, max(job.progress, fraction))
        guard moved.progress > job.progress else { return .unchanged(job) }
        return Decision(moved, events: [.backtest(.backtestProgress, moved)])
    }

    /// A running job ends with its result or an error. A job cancelled meanwhile stays cancelled: its result is
    /// dropped.
    public static func finish(_ job: BacktestJob, result: Result<String, BacktestFailure>, at now: Timestamp)
        -> Decision<BacktestJob>
    {
        guard job.status == .running else { return .unchanged(job) }
        var ended = job
        ended.finishedAt = now
        switch result {
        case .success(let json):
            ended.status = .completed
            ended.progress = 1
            ended.result = json
            return Decision(ended, events: [.backtest(.backtestCompleted, ended)])
        case .failure(let failure):
            ended.status = .failed
            ended.error = failure.message
            return Decision(ended, events: [.backtest(.backtestFailed, ended)])
        }
    }

    /// Cancelling a queued or running job; a finished one cannot be.
    public static func cancel(_ job: BacktestJob, at now: Timestamp) throws(CommandConflict) -> Decision<BacktestJob> {
        guard !job.status.isFinal else {
            throw CommandConflict("backtest \(job.id) is already \(job.status.rawValue)")
        }
        var cancelled = job
        cancelled.status = .cancelled
        cancelled.finishedAt = now
        return Decision(cancelled, events: [.backtest(.backtestCancelled, cancelled)])
    }

    /// A job that was running when its process stopped runs again.
    public static func requeue(_ job: BacktestJob) -> Decision<BacktestJob> {
        guard job.status == .running else { return .unchanged(job) }
        var queued = job
        queued.status = .queued
        queued.progress = 0
        return Decision(queued, events: [.backtest(.backtestQueued, queued)])
    }
}

/// How full the queue is when a run is submitted.
public struct QueueLoad: Sendable, Equatable {
    public var owner: Int
    public var ownerLimit: Int
    public var total: Int
    public var totalLimit: Int

    public init(owner: Int = 0, ownerLimit: Int = .max, total: Int = 0, totalLimit: Int = .max) {
        self.owner = owner
        self.ownerLimit = ownerLimit
        self.total = total
        self.totalLimit = totalLimit
    }
}

/// The backtest queue is full for this user or for everyone (HTTP 429 with `Retry-After`).
public struct QueueFull: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// Why a backtest could not run (the dataset was deleted, its bars do not cover the range, ...).
public struct BacktestFailure: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
