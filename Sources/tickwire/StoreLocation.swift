import TickwireStore

/// Opens the store a `--database` value names: `postgres://user:password@host:port/database` (or `postgresql://`)
/// for PostgreSQL, otherwise a SQLite file path (`sqlite://path` accepted too).
enum StoreLocation {
    static func open(_ location: String, poolSize: Int = 16) async throws -> any Store {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await PostgresStore.connect(url: location, poolSize: poolSize)
        }
        let path = location.hasPrefix("sqlite://") ? String(location.dropFirst("sqlite://".count)) : location
        return try SQLiteStore(path: path)
    }
}
