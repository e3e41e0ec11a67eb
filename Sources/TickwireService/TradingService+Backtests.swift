import Crypto
import Foundation
import TickwireModel
import TickwireResearch
import TickwireStore

/// Datasets and backtest runs, owned like bots: a user sees and changes only their own; another's id is `notFound`.
extension TradingService {
    /// Bumped when the backtester's results change for the same input: results cached by an older version are not
    /// served again.
    public static let backtesterVersion = "1"

    // MARK: Datasets

    /// Parses the CSV (a bad row is refused with its line number; nothing is stored), then stores it whole.
    public func createDataset(name: String, ticker: String, csv: String, by actor: Actor) async throws -> Dataset {
        guard let ownerId = actor.userId else { throw ValidationError("owner", "a dataset belongs to a user") }
        try Check.nonEmpty(name, "name", maxLength: 200)
        try Check.ticker(ticker)
        let bars = try OHLCVReader.read(csv)
        guard let first = bars.times.first, let last = bars.times.last else {
            throw ValidationError("csv", "has no bars")
        }
        let count = try await store.datasets(ownerId: ownerId).count
        if !actor.isAdmin { try quotas.check(count, below: quotas.datasetsPerUser, "datasets") }
        let dataset = Dataset(
            id: 0, ownerId: ownerId, name: name, ticker: ticker, barCount: bars.count, firstTime: first,
            lastTime: last, frequency: Self.typicalInterval(bars.times), contentHash: Self.sha256(csv),
            createdAt: clock())
        return try await store.createDataset(dataset, content: csv, at: clock()).value
    }

    /// The market the server records (the engine's synthetic or replayed tickers, and every price an external bot
    /// reports) as datasets to backtest on: each instrument with its candles of `interval`.
    public func marketInstruments(interval: CandleInterval) async throws -> [MarketInstrument] {
        var instruments: [MarketInstrument] = []
        for price in try await store.latestPrices(PriceFilter()) {
            let candles = try await store.candles(
                ticker: price.ticker, exchange: price.exchange, interval: interval,
                from: Timestamp(milliseconds: .min), to: Timestamp(milliseconds: .max), limit: 100_000)
            guard let first = candles.first, let last = candles.last else { continue }
            instruments.append(
                MarketInstrument(
                    ticker: price.ticker, exchange: price.exchange, interval: interval, barCount: candles.count,
                    firstTime: first.start, lastTime: last.start))
        }
        return instruments
    }

    /// A dataset of the caller's made from the recorded candles of one instrument (at most the newest 100,000): a
    /// snapshot, so a backtest on it is cached and repeatable while the market moves on.
    public func snapshotMarket(
        ticker: String, exchange: String, interval: CandleInterval, by actor: Actor
    ) async throws -> Dataset {
        let candles = try await store.candles(
            ticker: ticker, exchange: exchange, interval: interval, from: Timestamp(milliseconds: .min),
            to: Timestamp(milliseconds: .max), limit: 100_000)
        guard !candles.isEmpty else {
            throw StoreError.notFound(
                entity: "market", id: "\(ticker) on \(exchange) (no \(interval.rawValue) candles yet)")
        }
        var csv = "time,open,high,low,close,volume\n"
        csv.reserveCapacity(candles.count * 64)
        for candle in candles {
            csv += "\(candle.start.milliseconds),\(candle.open),\(candle.high),\(candle.low),\(candle.close),"
            csv += "\(candle.volume)\n"
        }
        return try await createDataset(
            name: "market \(exchange) \(ticker) \(interval.rawValue)", ticker: ticker, csv: csv, by: actor)
    }

    public func datasets(by actor: Actor) async throws -> [Dataset] {
        try await store.datasets(ownerId: actor.isAdmin ? nil : actor.userId ?? -1)
    }

    public func dataset(id: Int64, by actor: Actor) async throws -> Dataset {
        let dataset = try await store.dataset(id: id)
        guard actor.canSee(ownerId: dataset.ownerId) else {
            throw StoreError.notFound(entity: "dataset", id: String(id))
        }
        return dataset
    }

    public func deleteDataset(id: Int64, by actor: Actor) async throws {
        _ = try await dataset(id: id, by: actor)
        _ = try await store.deleteDataset(id: id, at: clock())
    }

    /// The dataset's bars between `from` and `to` (milliseconds), at most `points` of them: every bar when they fit,
    /// else one per bucket, carrying the bucket's open, high, low, close and volume, so no extreme is lost.
    public func datasetBars(id: Int64, from: Int64?, to: Int64?, points: Int, by actor: Actor) async throws -> Bars {
        _ = try await dataset(id: id, by: actor)
        let bars = try OHLCVReader.read(try await store.datasetContent(id: id)).between(from: from, to: to)
        return Self.downsample(bars, to: points)
    }

    /// An indicator of the research core over the dataset's bars, for chart overlays.
    public func datasetIndicator(id: Int64, name: String, period: Int?, by actor: Actor) async throws -> (
        times: [Int64], series: [String: [Double]]
    ) {
        _ = try await dataset(id: id, by: actor)
        let bars = try OHLCVReader.read(try await store.datasetContent(id: id))
        return (bars.times, try Indicators.series(named: name, period: period, over: bars))
    }

    // MARK: Backtests

    /// Validates at once (the strategy's parameters against its schema, the options, the dataset's ownership) and
    /// queues the run, or answers it from the cache. Returns the job and whether it is new.
    public func submitBacktest(_ request: BacktestRequest, by actor: Actor) async throws -> BacktestJob {
        guard let ownerId = actor.userId else { throw ValidationError("owner", "a backtest belongs to a user") }
        try request.validate()
        let dataset = try await dataset(id: request.datasetId, by: actor)
        let canonical: [String: JSONValue]
        do {
            canonical = try Self.canonical(request)
        } catch {
            // The research core names a strategy's parameters as a bot's config; here they are `params`.
            throw ValidationError(
                error.field.hasPrefix("config.") ? "params." + error.field.dropFirst(7) : error.field, error.message)
        }
        let key = Self.sha256(
            JSONCoding.encodeToString(canonical) + "\u{0}" + dataset.contentHash + "\u{0}" + Self.backtesterVersion)
        let limits = (
            owner: actor.isAdmin ? Int.max : quotas.queuedBacktestsPerUser, total: quotas.queuedBacktestsTotal
        )
        return try await store.submitBacktest(request, ownerId: ownerId, cacheKey: key, limits: limits, at: clock())
            .value
    }

    public func backtestJob(id: Int64, by actor: Actor) async throws -> BacktestJob {
        let job = try await store.backtestJob(id: id)
        guard actor.canSee(ownerId: job.ownerId) else { throw StoreError.notFound(entity: "backtest", id: String(id)) }
        return job
    }

    /// Runs waiting for a worker and runs computing, on every node (`/metrics`).
    public func backtestQueue() async throws -> (queued: Int, running: Int) {
        try await store.backtestQueue()
    }

    public func backtestJobs(limit: Int, by actor: Actor) async throws -> [BacktestJob] {
        try await store.backtestJobs(ownerId: actor.isAdmin ? nil : actor.userId ?? -1, limit: limit)
    }

    public func cancelBacktest(id: Int64, by actor: Actor) async throws -> BacktestJob {
        _ = try await backtestJob(id: id, by: actor)
        return try await store.cancelBacktest(id: id, at: clock()).value
    }

    // MARK: For the workers

    /// The next run for this node, leased for `lease`: another node takes it over if the lease is not renewed.
    public func claimBacktest(lease: Duration) async throws -> BacktestJob? {
        let now = clock()
        return try await store.claimBacktest(at: now, leaseUntil: now.adding(lease))?.value
    }

    /// False once the run is no longer running here (finished, cancelled).
    public func renewBacktestLease(id: Int64, lease: Duration) async throws -> Bool {
        try await store.renewBacktestLease(id: id, until: clock().adding(lease))
    }

    /// Whether other processes (nodes) share the store and its queue of runs.
    public var storeIsShared: Bool { store.isContended }

    /// Which node runs the engine now (readiness).
    public func engineLeaseHolder() async throws -> EngineLeaseHolder { try await store.engineLeaseHolder() }

    public func recordBacktestProgress(id: Int64, _ fraction: Double) async throws -> BacktestJob {
        try await store.recordBacktestProgress(id: id, fraction, at: clock()).value
    }

    public func finishBacktest(id: Int64, _ result: Result<String, BacktestFailure>) async throws -> BacktestJob {
        try await store.finishBacktest(id: id, result, at: clock()).value
    }

    /// Cache eviction: finished runs older than `age` go, unless a kept cached answer still reads their result.
    public func pruneBacktests(olderThan age: Duration) async throws -> Int {
        try await store.pruneBacktests(
            finishedBefore: clock().adding(.zero - age))
    }

    /// Cache eviction by size: the oldest results go until the stored ones take at most `bytes`.
    public func evictBacktests(keepingResultBytes bytes: Int64) async throws -> Int {
        try await store.evictBacktests(keepingResultBytes: bytes)
    }

    public func requeueRunningBacktests() async throws -> [BacktestJob] {
        try await store.requeueRunningBacktests(at: clock()).value
    }

    /// Runs a claimed job: its dataset's bars in range, its strategy and options, computed on a thread of its own
    /// (off the event loops and Swift's cooperative pool); the result as `tickwire backtest --json` prints it. A
    /// failure says why in words.
    /// `shouldStop` is asked between the backtests of a sweep (a cancel, a time limit); a stopped sweep fails with
    /// `stopped`.
    public func runBacktest(
        _ job: BacktestJob, progress: @escaping @Sendable (Double) -> Void,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) async -> Result<String, BacktestFailure> {
        let content: String
        do {
            content = try await store.datasetContent(id: job.request.datasetId)
        } catch {
            return .failure(BacktestFailure("dataset \(job.request.datasetId) is gone"))
        }
        let request = job.request
        return await offloaded {
            Self.compute(request, on: content, progress: progress, shouldStop: shouldStop)
        }
    }

    static func compute(
        _ request: BacktestRequest, on content: String, progress: @escaping @Sendable (Double) -> Void,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) -> Result<String, BacktestFailure> {
        do {
            let bars = try OHLCVReader.read(content).between(
                from: request.from?.milliseconds, to: request.to?.milliseconds)
            guard bars.count >= 2 else { return .failure(BacktestFailure("fewer than two bars in the range")) }
            if let grid = request.grid {
                let result = try sweep(request, grid: grid, bars: bars, progress: progress, shouldStop: shouldStop)
                return shouldStop() ? .failure(BacktestFailure("stopped")) : .success(result)
            }
            let strategy = try Strategies.make(name: request.strategy, config: request.params ?? [:])
            let result = Backtest.run(strategy, on: bars, options: Self.options(request), progress: progress)
            return .success(result.json())
        } catch {
            return .failure(BacktestFailure("\(error.field): \(error.message)"))
        }
    }

    /// A sweep's axes (in name order) and every combination that passes the constraint.
    static func combinations(_ grid: [String: [Double]], constraint: String?) throws(ValidationError) -> (
        axes: [ParameterGrid.Axis], combinations: [[String: Double]]
    ) {
        let axes = grid.keys.sorted().map { ParameterGrid.Axis(name: $0, values: grid[$0] ?? []) }
        let constraints =
            try constraint.map { text throws(ValidationError) in [try ParameterGrid.Constraint(parsing: text)] } ?? []
        let combinations = ParameterGrid(axes: axes, constraints: constraints).combinations
        guard !combinations.isEmpty else { throw ValidationError("constraint", "no combination passes it") }
        return (axes, combinations)
    }

    /// A sweep's result: every combination ranked by the statistic, and the best score of each pair of the first two
    /// swept parameters (the heatmap).
    static func sweep(
        _ request: BacktestRequest, grid: [String: [Double]], bars: Bars,
        progress: @escaping @Sendable (Double) -> Void,
        shouldStop: @escaping @Sendable () -> Bool
    ) throws(ValidationError) -> String {
        let (axes, combinations) = try Self.combinations(grid, constraint: request.constraint)
        let maximize = request.maximize ?? "sharpe_ratio"
        let ranked = try Sweep.run(
            strategy: request.strategy, fixed: request.params ?? [:], combinations: combinations, bars: bars,
            options: options(request), jobs: ProcessInfo.processInfo.activeProcessorCount, maximize: maximize,
            progress: progress, shouldStop: shouldStop)
        func score(_ value: Double) -> JSONValue { value.isFinite ? .number(value) : .null }
        var heatmap: JSONValue = .null
        if axes.count >= 2 {
            let (rowName, columnName) = (axes[0].name, axes[1].name)
            let rows = axes[0].values.sorted()
            let columns = axes[1].values.sorted()
            var best: [Double: [Double: Double]] = [:]
            for row in ranked where row.score.isFinite {
                guard let r = row.parameters[rowName], let c = row.parameters[columnName] else { continue }
                best[r, default: [:]][c] = max(best[r]?[c] ?? -.infinity, row.score)
            }
            heatmap = .object([
                "rows": .string(rowName), "columns": .string(columnName),
                "row_values": .array(rows.map(JSONValue.number)),
                "column_values": .array(columns.map(JSONValue.number)),
                "cells": .array(rows.map { r in .array(columns.map { c in best[r]?[c].map(score) ?? .null }) }),
            ])
        }
        let result: JSONValue = .object([
            "maximize": .string(maximize), "combinations": .number(Double(combinations.count)),
            "ranked": .array(
                ranked.map { row in
                    .object(["params": .object(row.parameters.mapValues(JSONValue.number)), "score": score(row.score)])
                }),
            "heatmap": heatmap,
        ])
        return JSONCoding.encodeToString(result)
    }

    // MARK: -

    static func options(_ request: BacktestRequest) -> BacktestOptions {
        BacktestOptions(
            cash: request.cash ?? 10_000, commission: request.commission ?? 0,
            exclusiveOrders: request.exclusiveOrders ?? false)
    }

    /// What identifies a run: the strategy's canonical name, its parameters with defaults filled in, the options.
    static func canonical(_ request: BacktestRequest) throws(ValidationError) -> [String: JSONValue] {
        let (name, parameters) = try Strategies.normalized(name: request.strategy, config: request.params ?? [:])
        let options = options(request)
        try options.validate()
        if let grid = request.grid {
            // Each combination must be valid too: checked before anything runs.
            for combination in try Self.combinations(grid, constraint: request.constraint).combinations {
                let config = (request.params ?? [:]).merging(combination.mapValues { JSONValue.number($0) }) { $1 }
                _ = try Strategies.make(name: request.strategy, config: config)
            }
            let maximize = request.maximize ?? "sharpe_ratio"
            guard PerformanceStatistics.keys.contains(maximize) else {
                throw ValidationError("maximize", "unknown statistic '\(maximize)'")
            }
            return [
                "strategy": .string(name), "params": .object(parameters), "cash": .number(options.cash),
                "commission": .number(options.commission), "exclusive_orders": .bool(options.exclusiveOrders),
                "grid": .object(grid.mapValues { .array($0.map(JSONValue.number)) }),
                "constraint": request.constraint.map(JSONValue.string) ?? .null, "maximize": .string(maximize),
                "from": request.from.map { .number(Double($0.milliseconds)) } ?? .null,
                "to": request.to.map { .number(Double($0.milliseconds)) } ?? .null,
            ]
        }
        return [
            "strategy": .string(name), "params": .object(parameters), "cash": .number(options.cash),
            "commission": .number(options.commission), "exclusive_orders": .bool(options.exclusiveOrders),
            "from": request.from.map { .number(Double($0.milliseconds)) } ?? .null,
            "to": request.to.map { .number(Double($0.milliseconds)) } ?? .null,
        ]
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The median interval between consecutive bars.
    static func typicalInterval(_ times: [Int64]) -> Int64 {
        guard times.count > 1 else { return 0 }
        let gaps = zip(times.dropFirst(), times).map { $0 &- $1 }.sorted()
        return gaps[gaps.count / 2]
    }

    static func downsample(_ bars: Bars, to points: Int) -> Bars {
        guard points > 0, bars.count > points else { return bars }
        var result = Bars(times: [], open: [], high: [], low: [], close: [], volume: [])
        for bucket in 0..<points {
            let start = bucket * bars.count / points
            let end = (bucket + 1) * bars.count / points
            guard start < end else { continue }
            result.times.append(bars.times[start])
            result.open.append(bars.open[start])
            result.high.append(bars.high[start..<end].max() ?? bars.high[start])
            result.low.append(bars.low[start..<end].min() ?? bars.low[start])
            result.close.append(bars.close[end - 1])
            result.volume.append(bars.volume[start..<end].reduce(0, +))
        }
        return result
    }
}
