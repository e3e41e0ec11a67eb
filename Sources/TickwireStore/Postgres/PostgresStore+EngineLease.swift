import Logging
import PostgresNIO
import Synchronization

/// The engine lease is a session-level advisory lock, held by one pooled connection for as long as the engine runs.
/// PostgreSQL releases it when that connection's backend ends, so a node that dies or loses the database gives the
/// lease up without any timeout; the holder checks its connection every second and stops its engine when the check
/// fails or gets no answer within 2 s. Standby nodes try to take the lock every `retry`. Between a holder losing its connection and noticing (at
/// most three seconds), another node may start; the old engine's writes then fail with the lost connection's pool anyway
/// (the database was unreachable), so two engines never both write for long.
extension PostgresStore {
    static let engineLockKey: Int64 = 0x7469_636B_0003

    public var isContended: Bool { true }

    public func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do {
                let finished = try await client.withConnection { connection in
                    try await self.lead(on: connection, body)
                }
                if finished { return }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "could not ask for the engine lease", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: retry)
        }
    }

    /// Takes the lock if it is free and runs `body` while the connection lives. True when `body` returned by itself.
    private func lead(on connection: PostgresConnection, _ body: @escaping @Sendable () async -> Void) async throws
        -> Bool
    {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.engineLockKey))", logger: logger)
        var acquired = false
        for try await held in rows.decode(Bool.self) { acquired = held }
        guard acquired else { return false }
        logger.info("this node runs the trading engine")
        let logger = self.logger
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    if await !Self.isAlive(connection, logger: logger) { return false }
                }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if finished {
            // The connection goes back to the pool: it must not keep the lock.
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.engineLockKey))", logger: logger)
        } else {
            // Lost, or shutting down: the connection is closed (the pool discards it), and its lock ends with it.
            if !Task.isCancelled {
                logger.warning("lost the database connection that holds the engine lease; the engine stops")
            }
            Task { try? await connection.close() }
        }
        return finished
    }

    /// Whether the connection answers within 2 s. A query on a connection the server ended was seen to wait for
    /// ever (and to ignore cancellation), so the query runs in a task of its own that is left behind if it does not
    /// answer; the caller then closes the connection, which fails that query.
    private static func isAlive(_ connection: PostgresConnection, logger: Logger) async -> Bool {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.await(continuation)
            Task { answer.give((try? await connection.query("SELECT 1", logger: logger)) != nil) }
            Task {
                try? await Task.sleep(for: .seconds(2))
                answer.give(false)
            }
        }
    }
}

/// The first of several answers, given to one waiting continuation.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func await(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
