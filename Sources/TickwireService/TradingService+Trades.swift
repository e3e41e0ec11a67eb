import Foundation
import TickwireModel
import TickwireResearch

/// Fills as recorded, the round-trip trades they make (`RoundTrips`), built on read from each bot's fills, and each
/// bot's equity history.
extension TradingService {
    /// A bot's equity between `from` and `to` (default: all of it), at most `points` points (`EquityHistory`).
    public func equity(botId: Int64, from: Timestamp?, to: Timestamp?, points: Int, by actor: Actor) async throws
        -> [EquityPoint]
    {
        _ = try await bot(id: botId, by: actor)
        let history = try await store.equityPoints(
            botId: botId, from: from ?? Timestamp(milliseconds: .min), to: to ?? Timestamp(milliseconds: .max))
        return await offloaded { EquityHistory.downsample(history, to: points) }
    }

    /// The research core's statistics of a live bot (`LiveStatistics`): its fills marked to its instrument's candles
    /// of `interval` between `from` (default: its first fill) and `to`, at most the newest 10,000 candles.
    public func statistics(
        botId: Int64, interval: CandleInterval, from: Timestamp?, to: Timestamp?, by actor: Actor
    ) async throws -> PerformanceStatistics {
        let bot = try await bot(id: botId, by: actor)
        let fills = try await store.fillsInOrder(FillFilter(botId: botId))
        let start = from ?? fills.first?.timestamp ?? bot.createdAt
        let candles = try await store.candles(
            ticker: bot.ticker, exchange: bot.exchange, interval: interval, from: interval.start(of: start),
            to: to ?? Timestamp(milliseconds: .max), limit: 10_000)
        return await offloaded {
            LiveStatistics.compute(
                fills: fills, candles: candles, startingCash: BotPnL.startingCash(of: bot),
                ticker: bot.ticker, exchange: bot.exchange)
        }
    }

    /// The bot's strategy's overlays (`Strategies.overlays`) over the newest `limit` candles of its instrument at
    /// `interval`: the candles' start times and each overlay's values, NaN before warm-up.
    public func indicators(botId: Int64, interval: CandleInterval, limit: Int, by actor: Actor) async throws -> (
        times: [Int64], series: [String: [Double]]
    ) {
        let bot = try await bot(id: botId, by: actor)
        let candles = try await store.candles(
            ticker: bot.ticker, exchange: bot.exchange, interval: interval, from: Timestamp(milliseconds: .min),
            to: Timestamp(milliseconds: .max), limit: limit)
        return await offloaded {
            let bars = Bars(
                times: candles.map(\.start.milliseconds), open: candles.map(\.open), high: candles.map(\.high),
                low: candles.map(\.low), close: candles.map(\.close), volume: candles.map(\.volume))
            return (bars.times, Strategies.overlaySeries(name: bot.strategy, config: bot.config, over: bars))
        }
    }

    /// Equity history retention: points older than `age` go.
    public func pruneEquity(olderThan age: Duration) async throws -> Int {
        try await store.pruneEquity(before: clock().adding(.zero - age))
    }

    public func fills(_ filter: FillFilter, page: PageRequest, by actor: Actor) async throws -> Page<Fill> {
        var filter = filter
        if let botId = filter.botId { _ = try await bot(id: botId, by: actor) }
        if !actor.isAdmin { filter.ownerId = actor.userId }
        return try await store.fills(filter, page: page)
    }

    /// Trades newest first (by the id of their first fill), keyset-paginated like every list.
    public func trades(_ filter: TradeFilter, page: PageRequest, by actor: Actor) async throws -> Page<RoundTrip> {
        let selected = try await roundTrips(filter, by: actor).trades
            .filter { trade in
                (filter.isOpen.map { $0 == trade.isOpen } ?? true)
                    && (filter.from.map { trade.openedAt >= $0 } ?? true)
                    && (page.before.map { trade.id < $0 } ?? true)
            }
            .sorted { $0.id > $1.id }
        let items = Array(selected.prefix(page.limit))
        return Page(items: items, nextCursor: selected.count > page.limit ? items.last?.id : nil)
    }

    /// Profit by period in `timeZone` (an IANA name), by instrument and in total, over the bots `filter` selects.
    public func profit(
        _ filter: TradeFilter, group: ProfitSummary.Grouping, timeZone: String, by actor: Actor
    ) async throws -> ProfitSummary {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw ValidationError("tz", "unknown time zone '\(timeZone)'; use an IANA name such as Europe/Berlin")
        }
        let (bots, trades) = try await roundTrips(filter, by: actor)
        let startingCash = bots.reduce(0) { $0 + BotPnL.startingCash(of: $1) }
        return await offloaded {
            ProfitSummary.make(trades, startingCash: startingCash, group: group, timeZone: zone.identifier) { time in
                zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time.milliseconds) / 1000))
            }
        }
    }

    /// The bots `filter` selects that `actor` may see, and every round trip of theirs.
    func roundTrips(_ filter: TradeFilter, by actor: Actor) async throws -> (bots: [Bot], trades: [RoundTrip]) {
        var bots: [Bot]
        if let botId = filter.botId {
            bots = [try await bot(id: botId, by: actor)]
        } else {
            bots = try await self.bots(BotFilter(ticker: filter.ticker), by: actor)
        }
        if let ticker = filter.ticker { bots = bots.filter { $0.ticker == ticker } }
        guard !bots.isEmpty else { return ([], []) }
        let fills = try await store.fillsInOrder(
            FillFilter(botId: filter.botId, ownerId: actor.isAdmin ? nil : actor.userId))
        let byBot = Dictionary(grouping: fills, by: \.botId)
        var trades: [RoundTrip] = []
        for bot in bots {
            guard let mine = byBot[bot.id] else { continue }
            trades += RoundTrips.group(mine, ticker: bot.ticker, exchange: bot.exchange)
        }
        return (bots, trades)
    }
}
