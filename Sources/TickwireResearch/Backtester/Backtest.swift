import TickwireModel

/// A backtest: a strategy run bar by bar over OHLCV bars through the simulated broker.
///
/// Bar `i` goes like this (backtesting.py's loop): the broker fills what bar `i`'s prices fill, the equity is marked
/// at its close, then the strategy sees the close and may place orders for the next bar. The strategy is fed every
/// close from the first bar (its indicators warm up), but trades only from the bar after its warm-up. It never sees
/// a bar before that bar's turn: there is no look-ahead.
public enum Backtest {
    /// backtesting.py's `_FULL_EQUITY`: a size just under 1, "all available cash".
    static let fullEquity = 1 - Double.ulpOfOne

    /// - Parameter market: the bars' `MarketReference`, when many backtests share the bars (a sweep).
    public static func run(
        _ strategy: some Strategy, on bars: Bars, options: BacktestOptions = .init(), market: MarketReference? = nil,
        progress: ((Double) -> Void)? = nil
    ) -> BacktestResult {
        var strategy = strategy
        var broker = Broker(bars: bars, options: options)
        let count = bars.count
        let start = strategy.warmupBars + 1
        var equity = [Double](repeating: .nan, count: count)
        let step = max(1, count / 100)
        var untilProgress = 0
        var bar = 0
        while bar < count {
            defer { bar += 1 }
            if bar >= start {
                let value = broker.next(bar)
                equity[bar] = value
                if value <= 0 {
                    broker.liquidate(at: bar)
                    for rest in bar..<count { equity[rest] = 0 }
                    break
                }
            }
            if let signal = strategy.onPrice(bars.close[bar]), bar >= start {
                let close = bars.close[bar]
                switch signal.side {
                case .buy:
                    broker.place(
                        .fraction(fullEquity), limit: options.entryLimit.map { close * (1 - $0) },
                        stop: options.entryStop.map { close * (1 + $0) },
                        stopLoss: options.stopLoss.map { close * (1 - $0) },
                        takeProfit: options.takeProfit.map { close * (1 + $0) })
                case .sell where strategy.sellsShort:
                    broker.place(
                        .fraction(-fullEquity), limit: options.entryLimit.map { close * (1 + $0) },
                        stop: options.entryStop.map { close * (1 - $0) },
                        stopLoss: options.stopLoss.map { close * (1 + $0) },
                        takeProfit: options.takeProfit.map { close * max(0.000001, 1 - $0) })
                case .sell:
                    broker.closePosition()
                }
            }
            if let progress {
                untilProgress -= 1
                if untilProgress <= 0 {
                    progress(Double(bar) / Double(count))
                    untilProgress = step
                }
            }
        }
        if options.finalizeTrades, !broker.trades.isEmpty, start < count, bar == count {
            equity[count - 1] = broker.finalize(at: count - 1)
        }
        // Bars before the first traded one carry the first recorded equity (pandas' bfill), and any left, the cash.
        if let first = equity.firstIndex(where: { !$0.isNaN }) {
            for index in 0..<first { equity[index] = equity[first] }
        }
        for index in equity.indices where equity[index].isNaN { equity[index] = broker.cash }
        progress?(1)
        let warmup = min(strategy.warmupBars, max(0, count - 1))
        return BacktestResult(
            statistics: PerformanceStatistics(
                times: bars.times, equity: equity, closes: bars.close, trades: broker.closed,
                firstTradingBar: warmup, market: market),
            trades: broker.closed, times: bars.times, equity: equity)
    }
}

/// What a backtest produces: the statistics, the closed trades and the equity and drawdown curves. Encoded as
/// `{"stats": {...}, "trades": [...], "equity": [...]}`, the same bytes for the same input.
public struct BacktestResult: Sendable, Encodable {
    public var statistics: PerformanceStatistics
    public var trades: [ClosedTrade]
    public var times: [Int64]
    public var equity: [Double]

    /// The drawdown at each bar, as a fraction below the running peak.
    public var drawdown: [Double] {
        var peak = -Double.infinity
        return equity.map { value in
            peak = max(peak, value)
            return peak > 0 ? 1 - value / peak : 0
        }
    }

    enum CodingKeys: String, CodingKey { case stats, trades, equity }

    struct TradeRow: Encodable {
        let trade: ClosedTrade
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(trade.size, forKey: .size)
            try container.encode(trade.entryBar, forKey: .entryBar)
            try container.encode(trade.exitBar, forKey: .exitBar)
            try container.encode(Timestamp(milliseconds: trade.entryTime), forKey: .entryTime)
            try container.encode(Timestamp(milliseconds: trade.exitTime), forKey: .exitTime)
            try container.encode(trade.entryPrice, forKey: .entryPrice)
            try container.encode(trade.exitPrice, forKey: .exitPrice)
            try container.encode(finite(trade.pnl), forKey: .pnl)
            try container.encode(finite(trade.returnFraction * 100), forKey: .returnPct)
            try container.encode(trade.commission, forKey: .commission)
            try container.encode(Double(trade.exitTime - trade.entryTime) / 86_400_000, forKey: .durationDays)
        }
        func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }
        enum Keys: String, CodingKey {
            case size, pnl, commission
            case entryBar = "entry_bar"
            case exitBar = "exit_bar"
            case entryTime = "entry_time"
            case exitTime = "exit_time"
            case entryPrice = "entry_price"
            case exitPrice = "exit_price"
            case returnPct = "return_pct"
            case durationDays = "duration_days"
        }
    }

    struct EquityPoint: Encodable {
        let time: Timestamp
        let equity: Double
        let drawdownPct: Double
        enum CodingKeys: String, CodingKey {
            case time, equity
            case drawdownPct = "drawdown_pct"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statistics, forKey: .stats)
        try container.encode(trades.map(TradeRow.init), forKey: .trades)
        let drawdown = self.drawdown
        try container.encode(
            equity.indices.map {
                EquityPoint(
                    time: Timestamp(milliseconds: times[$0]), equity: equity[$0], drawdownPct: drawdown[$0] * 100)
            }, forKey: .equity)
    }
}
