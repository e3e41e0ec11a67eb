import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Pooled connections with a deadline: a database that is down or a statement that never answers gives the caller
/// `unavailable` in bounded time instead of holding it and every write queued behind it.
extension PostgresStore {

    /// How long an operation may wait for a pooled connection before the database counts as unreachable.
    static let leaseTimeout: Duration = .seconds(3)
    /// How long an operation may take in all before its caller stops waiting (`leased`).
    static let operationDeadline: Duration = .seconds(10)

    /// Runs `operation` on a pooled connection. When none can be had within `leaseTimeout` (the database is down or
    /// unreachable), fails at once with `StoreError.unavailable` (503) instead of waiting: nothing was sent, so
    /// nothing was written. Once the operation has its connection it runs to completion, but its caller waits at
    /// most until `deadline`: a statement postgres-nio loses (see `send`) would otherwise hold it, and every write
    /// queued behind it, for ever. Past the deadline the caller gets `unavailable`, and whether a write whose COMMIT
    /// was already sent took effect is then unknown (the message says so); the connection is closed, which ends the
    /// operation and keeps it out of the pool.
    func leased<Value: Sendable>(
        deadline: Duration? = PostgresStore.operationDeadline,
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await Self.leased(from: client, at: location, deadline: deadline, metrics: metrics, operation)
    }

    static func leased<Value: Sendable>(
        from client: PostgresClient, at location: String, deadline: Duration? = operationDeadline,
        metrics: StoreMetrics? = nil, _ operation: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let asked = ContinuousClock.now
        // The lease runs in its own task and the caller waits on whichever ends first, the operation or the timer:
        // a pool that does not give up a pending lease on cancellation cannot hold the caller. An operation that gets
        // its connection after the caller gave up does nothing (`Lease.begin` refuses it), so a 503 never hides a
        // write that happens later.
        let lease = Lease<Value>()
        let work = Task {
            do {
                for attempt in 1... {
                    // A connection can close while the pool holds it (the server went away) and be handed out before
                    // the pool has seen it close: given back, another is asked for, three times at most.
                    let value: Value? = try await client.withConnection { connection in
                        if connection.isClosed, attempt < 4 { return nil }
                        guard lease.begin(on: connection) else { throw CancellationError() }
                        metrics?.poolWait.record(duration: ContinuousClock.now - asked)
                        metrics?.poolInUse.increment()
                        defer { metrics?.poolInUse.decrement() }
                        return try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                            try await operation(connection)
                        }
                    }
                    if let value {
                        lease.finish(.success(value))
                        return
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            } catch {
                lease.finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: Self.leaseTimeout)
            if lease.abandon() {
                // The answer first: cancelled, the pending lease fails at once with the pool's own error, which
                // must not be the one the caller gets (it once surfaced as a 500 during a database restart).
                lease.finish(
                    .failure(
                        StoreError.unavailable(
                            "PostgreSQL at \(location) gave no connection within \(Self.leaseTimeout)")))
                work.cancel()
                return
            }
            guard let deadline else { return }
            try? await Task.sleep(for: deadline - Self.leaseTimeout)
            guard !Task.isCancelled, let connection = lease.expire() else { return }
            // Closing the connection fails whatever it still waits for, so the operation ends and the pool replaces
            // the connection instead of keeping one that may never answer again (PostgreSQL rolls back a
            // transaction whose connection is gone). The caller is answered once the pool has it back, or after a
            // second: a retry sent before then found the pool still counting the closed connection and waited the
            // whole lease timeout for another. (Not a task group: it would wait for an operation that never ends.)
            let _: EventLoopFuture<Void> = connection.close()
            work.cancel()
            if await !answered(
                within: .seconds(1),
                {
                    await work.value; return true
                })
            {
                // A statement postgres-nio lost (see `send`): the pool counts its connection as leased for good.
                Logger(label: "tickwire.postgres").warning(
                    "a PostgreSQL operation did not end after its connection was closed; its pooled connection is lost",
                    metadata: ["database": "\(location)"])
            }
            lease.finish(
                .failure(
                    StoreError.unavailable(
                        "PostgreSQL at \(location) did not answer within \(deadline); a write may or may not"
                            + " have taken effect")),
                expired: true)
        }
        defer { timer.cancel() }
        return try await lease.result()
    }

}

/// One pooled-connection lease raced against its timeout: started or abandoned, whichever comes first, and one
/// result handed to the waiting caller.
final class Lease<Value: Sendable>: Sendable {
    private struct State {
        var abandoned = false
        var expired = false
        /// Set once the operation has begun.
        var connection: PostgresConnection?
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
    }
    private let state = Mutex(State())

    /// The operation may run on `connection`: false once the caller has given up.
    func begin(on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state.connection = connection
            return true
        }
    }

    /// The operation ran past its deadline: from now on only the deadline's answer counts (`finish(expired:)`).
    /// Returns the connection it runs on, unless it has already finished.
    func expire() -> PostgresConnection? {
        state.withLock { state in
            guard state.result == nil else { return nil }
            state.expired = true
            return state.connection
        }
    }

    /// The caller gives up: true unless the operation already has its connection.
    func abandon() -> Bool {
        state.withLock { state in
            guard state.connection == nil else { return false }
            state.abandoned = true
            return true
        }
    }

    func finish(_ result: Result<Value, any Error>, expired: Bool = false) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.result == nil, state.expired == expired else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func result() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// Whether `body`, run in a task of its own (on `executor` if given), answers true within `limit`. A body that has not
/// answered by then is left behind: a request postgres-nio lost waits for ever and ignores cancellation (see `send`).
func answered(
    within limit: Duration, on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async -> Bool
) async -> Bool {
    let answer = FirstAnswer()
    return await withCheckedContinuation { continuation in
        answer.await(continuation)
        Task(executorPreference: executor) { answer.give(await body()) }
        Task {
            try? await Task.sleep(for: limit)
            answer.give(false)
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
