/// An OHLCV series a user uploaded, to backtest on. The CSV itself is kept beside it (`content`), so a backtest reads
/// exactly what was uploaded.
public struct Dataset: Codable, Sendable, Equatable {
    public var id: Int64
    public var ownerId: Int64
    public var name: String
    public var ticker: String
    public var barCount: Int
    /// Milliseconds since 1970 of the first and last bar.
    public var firstTime: Int64
    public var lastTime: Int64
    /// The most common interval between bars, in milliseconds.
    public var frequency: Int64
    /// SHA-256 of the uploaded bytes: a result cached for one content is never served for another.
    public var contentHash: String
    public var createdAt: Timestamp

    public init(
        id: Int64, ownerId: Int64, name: String, ticker: String, barCount: Int, firstTime: Int64, lastTime: Int64,
        frequency: Int64, contentHash: String, createdAt: Timestamp
    ) {
        self.id = id
        self.ownerId = ownerId
        self.name = name
        self.ticker = ticker
        self.barCount = barCount
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.frequency = frequency
        self.contentHash = contentHash
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, ticker, frequency
        case ownerId = "owner_id"
        case barCount = "bar_count"
        case firstTime = "first_time"
        case lastTime = "last_time"
        case contentHash = "content_hash"
        case createdAt = "created_at"
    }
}

public enum BacktestStatus: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case queued, running, completed, failed, cancelled

    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// Body of `POST /api/v1/backtests`: what to run, the same options as `tickwire backtest`.
public struct BacktestRequest: Codable, Sendable, Equatable {
    public var datasetId: Int64
    public var strategy: String
    public var params: [String: JSONValue]?
    public var cash: Double?
    public var commission: Double?
    public var exclusiveOrders: Bool?
    /// Only the bars from / to these times (milliseconds since 1970).
    public var from: Timestamp?
    public var to: Timestamp?
    /// A sweep (`POST /api/v1/sweeps`): the values of each swept parameter, a constraint such as `fast < slow`,
    /// and the statistic to rank by.
    public var grid: [String: [Double]]?
    public var constraint: String?
    public var maximize: String?

    public var isSweep: Bool { grid != nil }

    /// A sweep runs at most this many backtests.
    public static let maxCombinations = 10_000

    public init(
        datasetId: Int64, strategy: String, params: [String: JSONValue]? = nil, cash: Double? = nil,
        commission: Double? = nil, exclusiveOrders: Bool? = nil, from: Timestamp? = nil, to: Timestamp? = nil,
        grid: [String: [Double]]? = nil, constraint: String? = nil, maximize: String? = nil
    ) {
        self.grid = grid
        self.constraint = constraint
        self.maximize = maximize
        self.datasetId = datasetId
        self.strategy = strategy
        self.params = params
        self.cash = cash
        self.commission = commission
        self.exclusiveOrders = exclusiveOrders
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey {
        case strategy, params, cash, commission, from, to, grid, constraint, maximize
        case datasetId = "dataset_id"
        case exclusiveOrders = "exclusive_orders"
    }

    /// The shape of the request; the strategy's parameters are checked by the research core.
    public func validate() throws(ValidationError) {
        guard datasetId > 0 else { throw ValidationError("dataset_id", "must be a positive id") }
        try Check.nonEmpty(strategy, "strategy", maxLength: 64)
        try Check.freeForm(params ?? [:], "params", maxBytes: 16 << 10)
        if let cash {
            guard cash.isFinite, cash > 0, cash <= 1e15 else {
                throw ValidationError("cash", "must be between 0 and 1e15")
            }
        }
        if let commission {
            guard commission.isFinite, (0..<0.1).contains(commission) else {
                throw ValidationError("commission", "must be a fraction between 0 and 0.1")
            }
        }
        if let from, let to, from.milliseconds > to.milliseconds {
            throw ValidationError("from", "must not be after to")
        }
        if let grid {
            guard !grid.isEmpty, grid.count <= 4 else { throw ValidationError("grid", "must sweep 1 to 4 parameters") }
            var combinations = 1
            for (name, values) in grid {
                try Check.nonEmpty(name, "grid", maxLength: 64)
                guard !values.isEmpty, values.allSatisfy(\.isFinite) else {
                    throw ValidationError("grid.\(name)", "must list at least one finite number")
                }
                combinations = combinations.multipliedReportingOverflow(by: values.count).partialValue
                guard combinations <= Self.maxCombinations, values.count <= Self.maxCombinations else {
                    throw ValidationError("grid", "at most \(Self.maxCombinations) combinations")
                }
            }
        }
        if let constraint { try Check.nonEmpty(constraint, "constraint", maxLength: 64) }
        if let maximize { try Check.nonEmpty(maximize, "maximize", maxLength: 64) }
    }
}

/// One backtest run: queued, run by a worker, and its result kept (the cache serves it again).
public struct BacktestJob: Codable, Sendable, Equatable {
    public var id: Int64
    public var ownerId: Int64
    public var request: BacktestRequest
    /// Identifies the configuration, the dataset's content and the backtester's version (`BacktestCommands.cacheKey`).
    public var cacheKey: String
    public var status: BacktestStatus
    public var progress: Double
    /// `{"stats", "trades", "equity"}` as `tickwire backtest --json` prints it, once completed.
    public var result: String?
    public var error: String?
    /// Answered from an earlier run of the same configuration and data.
    public var cached: Bool
    /// The run whose result a cached answer shares (the result is stored once, with that run).
    public var cachedFrom: Int64?
    public var createdAt: Timestamp
    public var finishedAt: Timestamp?

    public init(
        id: Int64, ownerId: Int64, request: BacktestRequest, cacheKey: String, status: BacktestStatus,
        progress: Double, result: String? = nil, error: String? = nil, cached: Bool = false, cachedFrom: Int64? = nil,
        createdAt: Timestamp, finishedAt: Timestamp? = nil
    ) {
        self.cachedFrom = cachedFrom
        self.id = id
        self.ownerId = ownerId
        self.request = request
        self.cacheKey = cacheKey
        self.status = status
        self.progress = progress
        self.result = result
        self.error = error
        self.cached = cached
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, request, status, progress, error, cached
        case ownerId = "owner_id"
        case cacheKey = "cache_key"
        case cachedFrom = "cached_from"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }
}

extension Topic {
    /// Each user's datasets and backtest runs: progress, completion, failure.
    public static let backtests = Topic(rawValue: "backtests")
}

extension EventType {
    public static let datasetCreated = EventType(rawValue: "dataset_created")
    public static let datasetDeleted = EventType(rawValue: "dataset_deleted")
    public static let backtestQueued = EventType(rawValue: "backtest_queued")
    public static let backtestProgress = EventType(rawValue: "backtest_progress")
    public static let backtestCompleted = EventType(rawValue: "backtest_completed")
    public static let backtestFailed = EventType(rawValue: "backtest_failed")
    public static let backtestCancelled = EventType(rawValue: "backtest_cancelled")
    public static let sweepQueued = EventType(rawValue: "sweep_queued")
    public static let sweepProgress = EventType(rawValue: "sweep_progress")
    public static let sweepCompleted = EventType(rawValue: "sweep_completed")
    public static let sweepFailed = EventType(rawValue: "sweep_failed")
    public static let sweepCancelled = EventType(rawValue: "sweep_cancelled")
}

extension EventDraft {
    /// A backtest event: the job without its result (a result can be megabytes; `GET /backtests/{id}` has it).
    /// A sweep's events are named `sweep_*` instead of `backtest_*`.
    public static func backtest(_ type: EventType, _ job: BacktestJob) -> EventDraft {
        var summary = job
        summary.result = nil
        let prefix = "backtest_"
        let named =
            job.request.isSweep && type.rawValue.hasPrefix(prefix)
            ? EventType(rawValue: "sweep_" + type.rawValue.dropFirst(prefix.count)) : type
        return EventDraft(
            topic: .backtests, type: named, data: JSONCoding.encodeToString(summary), ownerId: job.ownerId)
    }

    public static func dataset(_ type: EventType, _ dataset: Dataset) -> EventDraft {
        EventDraft(
            topic: .backtests, type: type, data: JSONCoding.encodeToString(dataset), ownerId: dataset.ownerId)
    }
}
