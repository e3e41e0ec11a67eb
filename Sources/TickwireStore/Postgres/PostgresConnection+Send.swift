import Logging
import PostgresNIO

extension PostgresConnection {
    /// `query`, refused at once on a closed connection. postgres-nio writes a statement to its channel without a
    /// promise: written to a channel that has just closed, it is dropped and its caller waits for ever (seen while
    /// PostgreSQL stops, with the pooled connection then lost for good). The store's operations run on their
    /// connection's event loop (`EventLoopExecutor`), so this check and the write happen in one turn of the loop and
    /// the channel cannot close in between.
    @discardableResult
    func send(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try checkOpen()
        return try await self.query(query, logger: logger)
    }

    /// Throws `unavailable` if the connection has closed (see `send`).
    func checkOpen() throws {
        guard !isClosed else { throw StoreError.unavailable("the PostgreSQL connection has closed") }
    }

    /// `body` in a transaction opened by `begin`, committed if it returns and rolled back if it throws; every
    /// statement through `send` (postgres-nio's `withTransaction` uses `query`).
    func transaction<Value>(
        _ begin: PostgresQuery = "BEGIN", logger: Logger, _ body: () async throws -> Value
    ) async throws -> Value {
        try await send(begin, logger: logger)
        do {
            let value = try await body()
            try await send("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await send("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Every row of a query, for random access by column name.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.send(query, logger: Logger(label: "tickwire.postgres")) {
            rows.append(row.makeRandomAccess())
        }
        return rows
    }

    /// The first column of the only row of a query.
    func one<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, _ type: Value.Type) async throws -> Value {
        for try await (value) in try await self.send(query, logger: Logger(label: "tickwire.postgres")).decode(
            Value.self)
        {
            return value
        }
        throw PostgresDataError(description: "no row for: \(query.sql)")
    }
}
