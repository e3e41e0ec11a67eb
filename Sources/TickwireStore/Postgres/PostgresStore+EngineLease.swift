import Logging
import NIOPosix
import PostgresNIO

/// The engine lease is a session-level advisory lock, held by a connection of its own (outside the pool) for as long
/// as the engine runs. PostgreSQL releases it when that connection's backend ends, so a node that dies or loses the
/// database gives the lease up without any timeout; the holder checks its connection every second and stops its
/// engine when the check fails or gets no answer within `checkDeadline` (5 s). Standby nodes try to take the lock
/// every `retry` on their own connection. Between a holder losing its connection and noticing (at most six seconds),
/// another node may start; the old engine's writes are fenced meanwhile (`fenceCheck`): each checks, inside its
/// transaction and after taking the event lock, that its term's backend still holds the lease, so the event log has
/// every write of the old term before every write of the new one.
extension PostgresStore {
    static let engineLockKey: Int64 = 0x7469_636B_0003
    /// How long the holder's connection check may take before the lease counts as lost: long enough that a busy
    /// machine does not hand the engine over for nothing, short enough to bound the overlap after a real loss.
    static let checkDeadline: Duration = .seconds(5)

    public var isContended: Bool { true }

    public func engineLeaseHolder() async throws -> EngineLeaseHolder {
        if leading.withLock({ $0 != nil }) { return .thisNode }
        // A 64-bit advisory lock key shows in pg_locks as two oids: its high and its low 32 bits.
        let high = UInt32(truncatingIfNeeded: Self.engineLockKey >> 32)
        let low = UInt32(truncatingIfNeeded: Self.engineLockKey)
        let rows = try await read { db in
            try await db.rows(
                """
                SELECT l.pid, host(a.client_addr) AS address FROM pg_locks l
                LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.classid = \(unescaped: String(high))::oid
                  AND l.objid = \(unescaped: String(low))::oid AND l.objsubid = 1
                """)
        }
        guard let row = rows.first else { return .nobody }
        return .otherNode(
            session: try row["pid"].decode(Int32.self), address: try row["address"].decode(String?.self))
    }

    public func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                // Not a pooled connection: one could come back to this node still holding the lock (advisory locks
                // are re-entrant within a session) while it is being closed.
                connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: connectionConfiguration,
                    id: 0, logger: logger
                ).get()
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "could not connect to ask for the engine lease", metadata: ["error": "\(String(reflecting: error))"]
                )
                try? await Task.sleep(for: retry)
                continue
            }
            var outcome = Term.notLed
            while outcome == .notLed, !Task.isCancelled {
                outcome = await lead(on: connection, body)
                if outcome == .notLed { try? await Task.sleep(for: retry) }
            }
            await Self.close(connection)
            if outcome == .finished { return }
        }
    }

    private enum Term {
        /// Another node holds the lease (or the connection failed before it could be asked).
        case notLed
        /// `body` returned by itself.
        case finished
        /// The connection was lost (or the task cancelled) while leading.
        case lost
    }

    /// Takes the lock if it is free and runs `body` while the connection lives.
    private func lead(on connection: PostgresConnection, _ body: @escaping @Sendable () async -> Void) async -> Term {
        var acquired = false
        var holder: Int32 = 0
        do {
            // On the connection's loop, where `send` sees a closed connection for sure.
            (acquired, holder) = try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                let rows = try await connection.send(
                    "SELECT pg_try_advisory_lock(\(Self.engineLockKey)), pg_backend_pid()", logger: self.logger)
                for try await (held, pid) in rows.decode((Bool, Int32).self) { return (held, pid) }
                return (false, 0)
            }
        } catch {
            logger.warning("could not ask for the engine lease", metadata: ["error": "\(String(reflecting: error))"])
            return .lost
        }
        guard acquired else { return .notLed }
        let term = LeaseTerm(holder: holder)
        logger.info("this node runs the trading engine")
        let logger = self.logger
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await LeaseTerm.$current.withValue(term) { await body() }
                return true
            }
            group.addTask {
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    if await !Self.isAlive(connection, logger: logger) { return false }
                }
                return false
            }
            // A fenced write learns of the loss first: it ends the term without waiting for the next check.
            let (ended, end) = AsyncStream<Void>.makeStream()
            leading.withLock { $0 = (term, { end.yield() }) }
            group.addTask {
                for await _ in ended { return false }
                return false
            }
            let first = await group.next() ?? false
            leading.withLock { $0 = nil }
            end.finish()
            group.cancelAll()
            return first
        }
        if !finished, !Task.isCancelled {
            logger.warning("lost the database connection that holds the engine lease; the engine stops")
        }
        // The caller closes the connection, which ends the lock with it.
        return finished ? .finished : .lost
    }

    /// The condition a fenced write checks: the term's backend still holds the engine lock. (An advisory lock on a
    /// 64-bit key shows in `pg_locks` as its high and low 32 bits.)
    static func fenceCheck(_ term: LeaseTerm) -> PostgresQuery {
        """
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = \(term.holder)
          AND classid = \(engineLockKey >> 32) AND objid = \(engineLockKey & 0xFFFF_FFFF) AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """
    }

    /// Closes the lease connection (its lock ends with its session), waiting at most `checkDeadline`.
    private static func close(_ connection: PostgresConnection) async {
        _ = await answered(within: checkDeadline) {
            try? await connection.close()
            return true
        }
    }

    /// Whether the connection answers within `checkDeadline`; the caller closes it otherwise, which fails the query
    /// left behind. On the connection's loop, where `send` sees a closed connection for sure.
    private static func isAlive(_ connection: PostgresConnection, logger: Logger) async -> Bool {
        await answered(within: checkDeadline, on: EventLoopExecutor(connection.eventLoop)) {
            (try? await connection.send("SELECT 1", logger: logger)) != nil
        }
    }
}
