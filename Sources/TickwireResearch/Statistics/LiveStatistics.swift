import TickwireModel

/// A live bot's statistics, with the same keys and definitions as a backtest's: its fills marked to market at each
/// candle's close make the equity curve (cash after fees plus the position at the close), and its closed round trips
/// are the trades.
public enum LiveStatistics {
    /// - Parameters:
    ///   - fills: the bot's fills, in the order they happened.
    ///   - candles: its instrument's candles over the period, oldest first (the bars). A fill after the last
    ///     candle's start counts in the last bar (no price has come since).
    public static func compute(
        fills: [Fill], candles: [Candle], startingCash: Double, ticker: String, exchange: String
    ) -> PerformanceStatistics {
        let times = candles.map(\.start.milliseconds)
        let closes = candles.map(\.close)
        var equity: [Double] = []
        equity.reserveCapacity(candles.count)
        var position = Position(botId: 0, updatedAt: Timestamp(milliseconds: 0))
        var next = 0
        for (index, candle) in candles.enumerated() {
            let end = index + 1 < candles.count ? candles[index + 1].start.milliseconds : Int64.max
            while next < fills.count, fills[next].timestamp.milliseconds < end {
                let fill = fills[next]
                position = position.applying(
                    side: fill.side, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: fill.timestamp)
                next += 1
            }
            equity.append(
                startingCash + position.realizedPnl - position.fees + position.unrealizedPnl(at: candle.close))
        }
        let trades = RoundTrips.group(fills, ticker: ticker, exchange: exchange).compactMap {
            trip -> ClosedTrade? in
            guard !trip.isOpen, let closedAt = trip.closedAt, let exitPrice = trip.exitPrice else { return nil }
            return ClosedTrade(
                size: trip.direction == .long ? trip.size : -trip.size, entryBar: bar(of: trip.openedAt, in: times),
                exitBar: bar(of: closedAt, in: times), entryPrice: trip.entryPrice, exitPrice: exitPrice,
                commission: trip.fees, entryTime: trip.openedAt.milliseconds, exitTime: closedAt.milliseconds)
        }
        return PerformanceStatistics(times: times, equity: equity, closes: closes, trades: trades)
    }

    /// The index of the last bar starting at or before `time` (0 before the first).
    static func bar(of time: Timestamp, in times: [Int64]) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= time.milliseconds { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }
}
