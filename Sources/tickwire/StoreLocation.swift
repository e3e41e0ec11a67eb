import Logging
import TickwireStore

/// Opens the store a `--database` value names: `postgres://user:password@host:port/database` (or `postgresql://`)
/// for PostgreSQL, otherwise a SQLite file path (`sqlite://path` accepted too).
enum StoreLocation {
    static func open(
        _ location: String, poolSize: Int = 16, logLevel: Logger.Level = .warning,
        equityInterval: Duration = .seconds(60)
    ) async throws -> any Store {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            var logger = Logger(label: "tickwire.postgres")
            logger.logLevel = logLevel
            return try await PostgresStore.connect(
                url: location, poolSize: poolSize, logger: logger, equityInterval: equityInterval)
        }
        let path = location.hasPrefix("sqlite://") ? String(location.dropFirst("sqlite://".count)) : location
        return try SQLiteStore(path: path, equityInterval: equityInterval)
    }

    /// The location as it may be printed: a PostgreSQL URL's password is replaced by `***`.
    static func redacted(_ location: String) -> String { PostgresStore.redacted(url: location) }
}
