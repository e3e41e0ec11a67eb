import Foundation
import Hummingbird
import NIOCore
import TickwireModel
import TickwireResearch
import TickwireService

/// Backtests as a service (seed 003's server, on Tickwire's store, hub and auth): `/api/v1/datasets` (OHLCV CSV
/// uploads), `/api/v1/strategies` (the catalogue with each strategy's parameters as JSON Schema) and
/// `/api/v1/backtests` (queued runs, answered from the cache when the same configuration already ran on the same
/// data). Progress and results are pushed on the `backtests` topic.
struct ResearchRoutes {
    let service: TradingService
    let bodyLimit: Int
    let datasetLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.post("datasets", use: upload)
        api.get("datasets", use: datasets)
        api.get("datasets/market", use: market)
        api.post("datasets/market", use: snapshotMarket)
        api.get("datasets/:id", use: dataset)
        api.get("datasets/:id/bars", use: bars)
        api.get("datasets/:id/indicators", use: indicators)
        api.delete("datasets/:id", use: deleteDataset)
        api.get("strategies", use: strategies)
        api.post("backtests", use: submit)
        api.get("backtests", use: backtests)
        api.get("backtests/:id", use: backtest)
        api.delete("backtests/:id", use: cancel)
        api.post("sweeps", use: sweep)
        api.get("sweeps/:id", use: sweepJob)
        api.delete("sweeps/:id", use: cancelSweep)
    }

    /// Seed 003's listings, at its paths.
    func registerSeedListings(on router: RouterGroup<TickwireRequestContext>) {
        router.get("api/strategies", use: strategies)
        router.get("api/data/available", use: datasets)
        router.get("api/symbols", use: symbols)
    }

    /// `?interval=1d`: the recorded market's instruments, each with its candles' count and range.
    @Sendable func market(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.principal()
        let interval = try QueryParameters(request).enumeration("interval", CandleInterval.self) ?? .oneMinute
        return try JSONResponse.make(ListBody(try await service.marketInstruments(interval: interval)))
    }

    /// `?ticker=&exchange=&interval=`: a dataset of the caller's made of that instrument's recorded candles.
    @Sendable func snapshotMarket(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        guard let ticker = try query.string("ticker") else { throw APIError.invalidParameter("ticker", "is required") }
        guard let exchange = try query.string("exchange") else {
            throw APIError.invalidParameter("exchange", "is required")
        }
        let dataset = try await service.snapshotMarket(
            ticker: ticker, exchange: exchange,
            interval: try query.enumeration("interval", CandleInterval.self) ?? .oneMinute,
            by: try context.principal().actor)
        return try JSONResponse.make(dataset, status: .created)
    }

    @Sendable func upload(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        guard let name = try query.string("name") else { throw APIError.invalidParameter("name", "is required") }
        guard let ticker = try query.string("ticker") else { throw APIError.invalidParameter("ticker", "is required") }
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("text/csv") {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the dataset as text/csv, not \(contentType)")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: datasetLimit)
        } catch {
            throw APIError.payloadTooLarge(limit: datasetLimit)
        }
        guard let csv = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw APIError.invalidParameter("csv", "is not UTF-8 text")
        }
        let dataset = try await service.createDataset(
            name: name, ticker: ticker, csv: csv, by: try context.principal().actor)
        return try JSONResponse.make(
            dataset, status: .created, headers: [.location: "/api/v1/datasets/\(dataset.id)"])
    }

    @Sendable func datasets(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(ListBody(try await service.datasets(by: try context.principal().actor)))
    }

    @Sendable func dataset(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "dataset")
        return try JSONResponse.make(try await service.dataset(id: id, by: try context.principal().actor))
    }

    /// `?from=&to=` (times) and `?points=` (at most this many, default 1,000, each bucket keeping its extremes).
    @Sendable func bars(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "dataset")
        let query = QueryParameters(request)
        let points = try query.int64("points") ?? 1_000
        guard (2...10_000).contains(points) else {
            throw APIError.invalidParameter("points", "must be between 2 and 10000")
        }
        let bars = try await service.datasetBars(
            id: id, from: try query.timestamp("from")?.milliseconds, to: try query.timestamp("to")?.milliseconds,
            points: Int(points), by: try context.principal().actor)
        return try JSONResponse.make(BarsBody(bars))
    }

    /// `?name=rsi&period=14`: one indicator of the research core over every bar, NaN as null.
    @Sendable func indicators(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "dataset")
        let query = QueryParameters(request)
        guard let name = try query.string("name") else { throw APIError.invalidParameter("name", "is required") }
        let period = try query.int64("period")
        if let period, !(1...1000).contains(period) {
            throw APIError.invalidParameter("period", "must be between 1 and 1000")
        }
        let (times, series) = try await service.datasetIndicator(
            id: id, name: name, period: period.map { Int($0) }, by: try context.principal().actor)
        let values = series.mapValues { column in JSONValue.array(column.map { $0.isFinite ? .number($0) : .null }) }
        return try JSONResponse.make(IndicatorBody(times: times, series: values))
    }

    @Sendable func deleteDataset(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "dataset")
        try await service.deleteDataset(id: id, by: try context.principal().actor)
        return Response(status: .noContent)
    }

    @Sendable func strategies(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(
            ListBody(
                Strategies.catalog.map { description in
                    StrategyBody(
                        name: description.name, aliases: description.aliases, description: description.summary,
                        parameters: description.schema)
                }))
    }

    /// Every ticker there is data for: the caller's datasets.
    @Sendable func symbols(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let tickers = Set(try await service.datasets(by: try context.principal().actor).map(\.ticker))
        return try JSONResponse.make(ListBody(tickers.sorted()))
    }

    /// 202 with the queued (or shared, still running) job; 200 when answered from the cache.
    @Sendable func submit(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(BacktestRequest.self, limit: bodyLimit)
        if body.grid != nil || body.constraint != nil || body.maximize != nil {
            throw APIError.invalidRequest("grid, constraint and maximize belong to a sweep: POST /api/v1/sweeps")
        }
        let job = try await service.submitBacktest(body, by: try context.principal().actor)
        return try BacktestBody.response(
            job, status: job.cached ? .ok : .accepted, headers: [.location: "/api/v1/backtests/\(job.id)"])
    }

    /// A parameter sweep, on the same queue and cache as single runs: 202 queued, or 200 from the cache.
    @Sendable func sweep(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(BacktestRequest.self, limit: bodyLimit)
        guard body.grid != nil else { throw APIError.invalidParameter("grid", "is required") }
        let job = try await service.submitBacktest(body, by: try context.principal().actor)
        return try BacktestBody.response(
            job, status: job.cached ? .ok : .accepted, headers: [.location: "/api/v1/sweeps/\(job.id)"])
    }

    @Sendable func sweepJob(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "sweep")
        let job = try await service.backtestJob(id: id, by: try context.principal().actor)
        guard job.request.isSweep else { throw APIError.notFound("sweep \(id) not found") }
        return try BacktestBody.response(job)
    }

    @Sendable func cancelSweep(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "sweep")
        let actor = try context.principal().actor
        guard try await service.backtestJob(id: id, by: actor).request.isSweep else {
            throw APIError.notFound("sweep \(id) not found")
        }
        return try BacktestBody.response(try await service.cancelBacktest(id: id, by: actor))
    }

    @Sendable func backtests(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let limit = try QueryParameters(request).int64("limit") ?? 100
        guard (1...1_000).contains(limit) else {
            throw APIError.invalidParameter("limit", "must be between 1 and 1000")
        }
        let jobs = try await service.backtestJobs(limit: Int(limit), by: try context.principal().actor)
        return try JSONResponse.make(ListBody(jobs.map(BacktestBody.init)))
    }

    @Sendable func backtest(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "backtest")
        return try BacktestBody.response(try await service.backtestJob(id: id, by: try context.principal().actor))
    }

    @Sendable func cancel(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let id = try context.parameters.id(entity: "backtest")
        return try BacktestBody.response(try await service.cancelBacktest(id: id, by: try context.principal().actor))
    }
}

extension BacktestRequest: StrictRequestBody {
    static let knownKeys: Set<String> = [
        "dataset_id", "strategy", "params", "cash", "commission", "exclusive_orders", "from", "to", "grid",
        "constraint",
        "maximize",
    ]
}

struct IndicatorBody: Encodable, Sendable {
    let times: [Int64]
    let series: [String: JSONValue]
}

/// A strategy of the catalogue: its parameters as JSON Schema.
struct StrategyBody: Encodable, Sendable {
    let name: String
    let aliases: [String]
    let description: String
    let parameters: JSONValue
}

/// A job as the API shows it. Its result, stored as JSON text, is spliced in by `response` (lists show none).
struct BacktestBody: Encodable, Sendable {
    let job: BacktestJob

    init(_ job: BacktestJob) { self.job = job }

    enum Keys: String, CodingKey {
        case id, status, progress, cached, error, request
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(job.status, forKey: .status)
        try container.encode(job.progress, forKey: .progress)
        try container.encode(job.cached, forKey: .cached)
        try container.encodeIfPresent(job.error, forKey: .error)
        try container.encode(job.request, forKey: .request)
        try container.encode(job.createdAt, forKey: .createdAt)
        try container.encodeIfPresent(job.finishedAt, forKey: .finishedAt)
    }

    /// One run as a response: its stored result (hundreds of kilobytes for a long series) is written as the text it
    /// is stored as, not decoded and encoded again.
    static func response(_ job: BacktestJob, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
        -> Response
    {
        var summary = job
        summary.result = nil
        var body = ByteBuffer(bytes: try JSONCoding.encoder().encode(BacktestBody(summary)))
        if let result = job.result, body.readableBytes > 1 {
            body.moveWriterIndex(to: body.writerIndex - 1)  // the closing brace
            body.writeString(#","result":"#)
            body.writeString(result)
            body.writeString("}")
        }
        return JSONResponse.make(bytes: body, status: status, headers: headers)
    }
}

/// Bars as columns, times in milliseconds.
struct BarsBody: Encodable {
    let times: [Int64]
    let open: [Double]
    let high: [Double]
    let low: [Double]
    let close: [Double]
    let volume: [Double]

    init(_ bars: Bars) {
        times = bars.times
        open = bars.open
        high = bars.high
        low = bars.low
        close = bars.close
        volume = bars.volume
    }
}
