import TickwireModel

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
        var bots: [Bot]
        if let botId = filter.botId {
            bots = [try await bot(id: botId, by: actor)]
        } else {
            bots = try await self.bots(BotFilter(ticker: filter.ticker), by: actor)
        }
        if let ticker = filter.ticker { bots = bots.filter { $0.ticker == ticker } }
        guard !bots.isEmpty else { return Page(items: [], nextCursor: nil) }
        let fills = try await store.fillsInOrder(
            FillFilter(botId: filter.botId, ownerId: actor.isAdmin ? nil : actor.userId))
        let byBot = Dictionary(grouping: fills, by: \.botId)
        var trades: [RoundTrip] = []
        for bot in bots {
            guard let mine = byBot[bot.id] else { continue }
            trades += RoundTrips.group(mine, ticker: bot.ticker, exchange: bot.exchange)
        }
        let selected =
            trades
            .filter { trade in
                (filter.isOpen.map { $0 == trade.isOpen } ?? true)
                    && (filter.from.map { trade.openedAt >= $0 } ?? true)
                    && (page.before.map { trade.id < $0 } ?? true)
            }
            .sorted { $0.id > $1.id }
        let items = Array(selected.prefix(page.limit))
        return Page(items: items, nextCursor: selected.count > page.limit ? items.last?.id : nil)
    }
}
