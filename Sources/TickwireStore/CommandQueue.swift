import Synchronization
import TickwireModel

/// The commands waiting for the next shared write transaction (group commit), in arrival order. Both stores queue
/// their commands here; each runs a batch in its own kind of transaction.
struct CommandQueue<Job> {
    private var jobs: [Job] = []
    private var draining = false

    init() {}

    /// Commands waiting (not counting a batch being written).
    var depth: Int { jobs.count }

    /// Queues `job`; true when no drain is running, so the caller must start one.
    mutating func enqueue(_ job: Job) -> Bool {
        jobs.append(job)
        if draining { return false }
        draining = true
        return true
    }

    /// The next batch, oldest first; an empty one ends the drain.
    mutating func take(upTo limit: Int = .max) -> [Job] {
        let taken = Array(jobs.prefix(limit))
        jobs.removeFirst(taken.count)
        if taken.isEmpty { draining = false }
        return taken
    }
}

/// One queued command's outcome, kept while its shared transaction runs and given to its caller exactly once: the
/// command's own result once the transaction has committed, or the transaction's error if it failed as a whole.
final class CommandOutcome<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Committed<Value>, any Error>?>(nil)
    private let continuation: CheckedContinuation<Committed<Value>, any Error>

    init(_ continuation: CheckedContinuation<Committed<Value>, any Error>) {
        self.continuation = continuation
    }

    /// What the command itself did, inside the transaction; returns the events to publish after the commit.
    @discardableResult
    func record(_ result: Result<Committed<Value>, any Error>) -> [Event] {
        self.result.withLock { $0 = result }
        return (try? result.get())?.events ?? []
    }

    func finish(transactionError: (any Error)?) {
        if let transactionError {
            continuation.resume(throwing: transactionError)
        } else {
            continuation.resume(with: result.withLock { $0 } ?? .failure(CancellationError()))
        }
    }
}
