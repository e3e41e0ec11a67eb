import TickwireModel

/// Bounds on what one user may hold or run, so that no user can fill the database or the event log for everyone.
/// Admins are exempt.
public struct Quotas: Sendable {
    public var botsPerUser: Int
    public var modelsPerUser: Int
    public var runningSessionsPerUser: Int
    public var datasetsPerUser: Int
    /// Backtests queued or running at once.
    public var queuedBacktestsPerUser: Int
    /// Backtests queued or running at once on the whole cluster.
    public var queuedBacktestsTotal: Int
    /// How far ahead of the server's clock a recorded price's timestamp may lie.
    public var priceFutureTolerance: Duration

    public init(
        botsPerUser: Int = 200, modelsPerUser: Int = 50, runningSessionsPerUser: Int = 10, datasetsPerUser: Int = 100,
        queuedBacktestsPerUser: Int = 20, queuedBacktestsTotal: Int = 1_000,
        priceFutureTolerance: Duration = .seconds(300)
    ) {
        self.datasetsPerUser = datasetsPerUser
        self.queuedBacktestsPerUser = queuedBacktestsPerUser
        self.queuedBacktestsTotal = queuedBacktestsTotal
        self.botsPerUser = botsPerUser
        self.modelsPerUser = modelsPerUser
        self.runningSessionsPerUser = runningSessionsPerUser
        self.priceFutureTolerance = priceFutureTolerance
    }

    func check(_ count: Int, below limit: Int, _ what: String) throws(QuotaExceeded) {
        guard count < limit else { throw QuotaExceeded(message: "a user may have at most \(limit) \(what)") }
    }
}

/// A per-user bound was reached (HTTP 409 `quota_exceeded`).
public struct QuotaExceeded: Error, Sendable, Equatable {
    public var message: String
}
