import GRDB
import Synchronization
import TickwireModel

/// Runs store commands in shared write transactions: while one transaction is being written, the commands that arrive
/// queue up, and the next transaction runs them all, each in its own savepoint.
///
/// A command that throws rolls back its savepoint only and fails alone; the others commit together. The events of
/// the commands that succeeded are handed to the publisher from the commit hook, in command order (which is id
/// order), and their callers resume only once the transaction has committed. One commit (one WAL append and its
/// bookkeeping) then serves many commands, which is what lifts write throughput under concurrency.
final class GroupCommit: Sendable {
    /// One queued command. `run` executes it inside the shared transaction and keeps its outcome; `finish` resumes
    /// the caller exactly once: with the outcome after the commit, or with the transaction's error.
    private final class Job: Sendable {
        let run: @Sendable (Database) -> [Event]
        let finish: @Sendable ((any Error)?) -> Void

        init(run: @escaping @Sendable (Database) -> [Event], finish: @escaping @Sendable ((any Error)?) -> Void) {
            self.run = run
            self.finish = finish
        }
    }

    private let pool: DatabasePool
    private let metrics: StoreMetrics
    private let publisher: @Sendable () -> any EventPublisher
    private let onCommit: @Sendable () -> Void
    private let queue = Mutex(CommandQueue<Job>())

    init(
        pool: DatabasePool, metrics: StoreMetrics, publisher: @escaping @Sendable () -> any EventPublisher,
        onCommit: @escaping @Sendable () -> Void
    ) {
        self.pool = pool
        self.metrics = metrics
        self.publisher = publisher
        self.onCommit = onCommit
    }

    func run<Value: Sendable>(
        _ command: @escaping @Sendable (Database) throws -> Committed<Value>
    ) async throws -> Committed<Value> {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = CommandOutcome<Value>(continuation)
            let job = Job(
                run: { db in
                    var result: Result<Committed<Value>, any Error> = .failure(CancellationError())
                    do {
                        try db.inSavepoint {
                            result = .success(try command(db))
                            return .commit
                        }
                    } catch {
                        result = .failure(StoreError.reporting(error))
                    }
                    return outcome.record(result)
                },
                finish: { outcome.finish(transactionError: $0) })
            let (start, depth) = queue.withLock { ($0.enqueue(job), $0.depth) }
            metrics.writeQueueDepth.set(depth)
            if start { Task { await drain() } }
        }
    }

    private func drain() async {
        while true {
            let (jobs, depth) = queue.withLock { ($0.take(), $0.depth) }
            metrics.writeQueueDepth.set(depth)
            if jobs.isEmpty { return }
            metrics.batchSize.record(jobs.count)
            let publisher = self.publisher()
            let onCommit = self.onCommit
            do {
                try await metrics.timed(metrics.writes) {
                    try await pool.write { db in
                        var collected: [Event] = []
                        for job in jobs { collected += job.run(db) }
                        let events = collected
                        if !events.isEmpty {
                            db.afterNextTransaction(onCommit: { _ in
                                publisher.publish(events)
                                onCommit()
                            })
                        }
                    }
                }
                for job in jobs { job.finish(nil) }
            } catch {
                // The transaction itself failed (begin or commit, database gone): nothing of it was written.
                for job in jobs { job.finish(error) }
            }
        }
    }
}
