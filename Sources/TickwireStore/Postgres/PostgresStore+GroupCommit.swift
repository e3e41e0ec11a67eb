import Logging
import PostgresNIO
import Synchronization
import TickwireModel

/// Group commit, as `GroupCommit` does for SQLite: while one write transaction runs, the commands that arrive queue
/// up, and the next transaction runs them all (up to `maxBatch`) under one event lock and one COMMIT. Each command of
/// a shared transaction runs in its own savepoint, so one that throws rolls back alone and the others commit. The
/// events of those that succeeded reach the hub after the commit, in command order (id order), and their callers
/// resume only then. Alone, a command runs as before: BEGIN, the event lock, the command, COMMIT.
extension PostgresStore {
    /// Commands per transaction. Each savepoint that writes is a subtransaction, and PostgreSQL caches 64 of them per
    /// backend; past that every snapshot in the database gets slower.
    static let maxBatch = 32

    /// One queued command: `run` executes it inside the shared transaction and keeps its outcome; `finish` resumes the
    /// caller exactly once, with the outcome after the commit, or with the transaction's error.
    final class WriteJob: Sendable {
        let term: LeaseTerm?
        let run: @Sendable (PostgresConnection) async throws -> [Event]
        let fail: @Sendable (any Error) -> Void
        let finish: @Sendable ((any Error)?) -> Void

        init(
            term: LeaseTerm?, run: @escaping @Sendable (PostgresConnection) async throws -> [Event],
            fail: @escaping @Sendable (any Error) -> Void, finish: @escaping @Sendable ((any Error)?) -> Void
        ) {
            self.term = term
            self.run = run
            self.fail = fail
            self.finish = finish
        }
    }

    func groupWrite<Value: Sendable>(
        fencedBy term: LeaseTerm?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Committed<Value>
    ) async throws -> Committed<Value> {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = CommandOutcome<Value>(continuation)
            let job = WriteJob(
                term: term,
                run: { connection in outcome.record(.success(try await body(connection))) },
                fail: { error in outcome.record(.failure(error)) },
                finish: { outcome.finish(transactionError: $0) })
            let (start, depth) = writeQueue.withLock { ($0.enqueue(job), $0.depth) }
            metrics.writeQueueDepth.set(depth)
            if start { Task { await drainWrites() } }
        }
    }

    private func drainWrites() async {
        while true {
            let (jobs, depth) = writeQueue.withLock { ($0.take(upTo: Self.maxBatch), $0.depth) }
            metrics.writeQueueDepth.set(depth)
            if jobs.isEmpty { return }
            metrics.batchSize.record(jobs.count)
            do {
                let events = try await metrics.timed(metrics.writes) {
                    try await mapErrors { try await leased { try await self.runBatch(jobs, on: $0) } }
                }
                do {
                    try await follower.deliverCommitted(events)
                } catch {
                    // Committed, but not read back (the database went away just now): the commands succeeded, and
                    // the listener delivers their events when it reconnects and catches up on the log.
                    logger.warning(
                        "committed events not read back; the listener delivers them when it catches up",
                        metadata: ["error": "\(String(reflecting: error))"])
                }
                for job in jobs { job.finish(nil) }
            } catch {
                // The transaction failed as a whole (a lone command's error, or the database): nothing was written.
                for job in jobs { job.finish(error) }
            }
        }
    }

    /// One transaction for `jobs`; returns the events of the commands that succeeded, in order.
    private func runBatch(_ jobs: [WriteJob], on connection: PostgresConnection) async throws -> [Event] {
        try await connection.send("BEGIN", logger: logger)
        do {
            try await connection.send("SELECT pg_advisory_xact_lock(\(Self.eventLockKey))", logger: logger)
            var events: [Event] = []
            let shared = jobs.count > 1
            for job in jobs {
                if shared { try await connection.send("SAVEPOINT command", logger: logger) }
                do {
                    events += try await run(job, on: connection)
                } catch {
                    guard shared else { throw error }
                    job.fail(mapped(error))
                    try await connection.send("ROLLBACK TO SAVEPOINT command", logger: logger)
                }
            }
            try await connection.send("COMMIT", logger: logger)
            return events
        } catch {
            _ = try? await connection.send("ROLLBACK", logger: logger)
            throw error
        }
    }

    private func run(_ job: WriteJob, on connection: PostgresConnection) async throws -> [Event] {
        // After the event lock: a new term's writes all come after this one in the log.
        if let term = job.term, try await !connection.one(Self.fenceCheck(term), Bool.self) {
            leading.withLock { $0?.term == term ? $0?.end : nil }?()
            throw StoreError.leaseLost
        }
        return try await job.run(connection)
    }
}
