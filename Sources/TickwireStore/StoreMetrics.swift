import Metrics

/// The database as `/metrics` shows it, per store kind (`sqlite`, `postgres`): how long reads and write
/// transactions take (a shared write transaction counts once, with its batch size), how many commands wait for the
/// next write transaction, and on PostgreSQL how long a connection takes to lease from the pool and how many are
/// leased.
struct StoreMetrics: Sendable {
    let reads: Metrics.Timer
    let writes: Metrics.Timer
    let batchSize: Recorder
    let writeQueueDepth: Meter
    let poolWait: Metrics.Timer
    let poolInUse: Meter

    init(store: String) {
        let dimensions = [("store", store)]
        reads = Metrics.Timer(label: "tickwire_db_read_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        writes = Metrics.Timer(
            label: "tickwire_db_write_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        batchSize = Recorder(label: "tickwire_db_write_batch_commands", dimensions: dimensions, aggregate: true)
        writeQueueDepth = Meter(label: "tickwire_db_write_queue_depth", dimensions: dimensions)
        poolWait = Metrics.Timer(
            label: "tickwire_db_pool_wait_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        poolInUse = Meter(label: "tickwire_db_pool_connections_in_use", dimensions: dimensions)
    }

    /// Runs `body`, recording how long it took in `timer` whether it returns or throws.
    func timed<Value>(_ timer: Metrics.Timer, _ body: () async throws -> Value) async rethrows -> Value {
        let started = ContinuousClock.now
        defer { timer.record(duration: ContinuousClock.now - started) }
        return try await body()
    }
}
