import GRDB
import Synchronization

/// Moves the write-ahead log back into the database file on its own connection, so that no API write waits for it.
///
/// SQLite's default checkpoints inside the commit that crosses 1,000 WAL pages, and that commit pays for the copy and
/// the fsync: tens of milliseconds at p99 under load. Here the store turns the automatic checkpoint off and counts
/// commits; every `commitsPerCheckpoint` commits it wakes this checkpointer, which runs a PASSIVE checkpoint (it never
/// blocks writers or readers). Wake-ups are coalesced: a burst of commits costs at most one pending checkpoint.
final class WALCheckpointer: Sendable {
    static let commitsPerCheckpoint = 500

    private let commits = Mutex<Int>(0)
    private let wakeUps: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    init(path: String) throws {
        let connection = try DatabaseQueue(path: path)
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wakeUps = continuation
        self.task = Task.detached(priority: .utility) {
            for await _ in stream {
                // A failed checkpoint is retried on the next wake-up; the WAL only grows meanwhile.
                _ = try? await connection.writeWithoutTransaction { db in
                    try db.checkpoint(.passive)
                }
            }
        }
    }

    deinit {
        wakeUps.finish()
    }

    /// Called on the writer queue after each commit; never blocks.
    func noteCommit() {
        let due = commits.withLock { count in
            count += 1
            if count < Self.commitsPerCheckpoint { return false }
            count = 0
            return true
        }
        if due { wakeUps.yield() }
    }
}
