import Foundation
import NIOHTTP1
import TickwireModel

/// A backtest run as the server answers it: its state, what was asked, and once completed its `result` (statistics,
/// equity curve and trades, as `JSONValue`: their shape is the backtester's, documented in the OpenAPI document).
public struct BacktestRun: Decodable, Sendable, Equatable {
    public var id: Int64
    public var status: BacktestStatus
    public var progress: Double
    public var cached: Bool
    public var error: String?
    public var request: BacktestRequest
    public var createdAt: Timestamp
    public var finishedAt: Timestamp?
    public var result: JSONValue?

    enum CodingKeys: String, CodingKey {
        case id, status, progress, cached, error, request, result
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }
}

/// Typed calls for datasets, backtests, candles and equity history.
extension TickwireClient {
    // MARK: Datasets

    public func datasets() async throws -> [Dataset] {
        try await request(.GET, "/api/v1/datasets", as: ListAnswer<Dataset>.self).data
    }
    public func dataset(id: Int64) async throws -> Dataset { try await request(.GET, "/api/v1/datasets/\(id)") }
    /// Uploads OHLCV bars as CSV (`date,open,high,low,close[,volume]`).
    public func uploadDataset(name: String, ticker: String, csv: String) async throws -> Dataset {
        let bytes = try await perform(
            .POST, "/api/v1/datasets", query: ["name": name, "ticker": ticker], body: Data(csv.utf8),
            contentType: "text/csv")
        return try JSONDecoder().decode(Dataset.self, from: bytes)
    }
    public func deleteDataset(id: Int64) async throws { try await send(.DELETE, "/api/v1/datasets/\(id)") }

    // MARK: Backtests

    public func submitBacktest(_ backtest: BacktestRequest) async throws -> BacktestRun {
        try await request(.POST, "/api/v1/backtests", body: backtest)
    }
    public func backtest(id: Int64) async throws -> BacktestRun { try await request(.GET, "/api/v1/backtests/\(id)") }
    public func backtests() async throws -> [BacktestRun] {
        try await request(.GET, "/api/v1/backtests", as: ListAnswer<BacktestRun>.self).data
    }
    public func cancelBacktest(id: Int64) async throws -> BacktestRun {
        try await request(.DELETE, "/api/v1/backtests/\(id)")
    }

    /// The run once it is completed, failed or cancelled: read again on each of its `backtests` events (pushed, not
    /// polled), from the position the run was read at, so an end in between is not missed.
    public func waitForBacktest(id: Int64) async throws -> BacktestRun {
        let since = try await eventHead()
        var run = try await backtest(id: id)
        if run.status.isFinal { return run }
        for try await item in events(topics: ["backtests"], since: since) {
            guard case .event(let event) = item, case .object(let fields) = event.data,
                fields["id"] == .number(Double(id))
            else { continue }
            run = try await backtest(id: id)
            if run.status.isFinal { return run }
        }
        throw CancellationError()
    }

    // MARK: Market data and equity

    /// An instrument's candles, newest last.
    public func candles(ticker: String, exchange: String, interval: CandleInterval = .oneMinute, limit: Int = 500)
        async throws -> [Candle]
    {
        try await request(
            .GET, "/api/v1/candles",
            query: ["ticker": ticker, "exchange": exchange, "interval": interval.rawValue, "limit": String(limit)],
            as: ListAnswer<Candle>.self
        ).data
    }

    /// A bot's equity history, downsampled to at most `points` points.
    public func equity(botId: Int64, points: Int = 500) async throws -> [EquityPoint] {
        struct Answer: Decodable { let points: [EquityPoint] }
        return try await request(
            .GET, "/api/v1/bots/\(botId)/equity", query: ["points": String(points)], as: Answer.self
        ).points
    }
}

struct EventHead: Decodable {
    let eventId: String
    enum CodingKeys: String, CodingKey { case eventId = "event_id" }
}
