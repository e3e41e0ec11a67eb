import Testing
import TickwireModel

@testable import TickwireResearch

/// A live bot's statistics equal a backtest's when its fills are the backtest's trades on the same bars.
@Suite struct LiveStatisticsTests {
    @Test(arguments: [false, true]) func aLiveBotWithTheBacktestsFillsHasTheBacktestsStatistics(short: Bool) throws {
        let bars = BacktesterTests.bars(BacktesterTests.wave)
        let rate = 0.001
        let result = Backtest.run(
            try SMACrossover(fast: 5, slow: 20, short: short), on: bars,
            // The trade open at the end is closed on the last bar, so that every trade has its two fills.
            options: BacktestOptions(cash: 10_000, commission: rate, exclusiveOrders: true, finalizeTrades: true))
        #expect(result.trades.count > 5)

        // The trades as fills: each entry and exit at its bar's time and price, commission as the fee; an exit
        // before an entry on the same bar.
        var fills: [(time: Int64, exit: Bool, fill: Fill)] = []
        for trade in result.trades {
            let quantity = abs(trade.size)
            let (enter, leave): (OrderSide, OrderSide) = trade.size > 0 ? (.buy, .sell) : (.sell, .buy)
            fills.append(
                (
                    trade.entryTime, false,
                    Fill(
                        orderId: 0, botId: 1, side: enter, quantity: quantity, price: trade.entryPrice,
                        fee: quantity * trade.entryPrice * rate, timestamp: Timestamp(milliseconds: trade.entryTime))
                ))
            fills.append(
                (
                    trade.exitTime, true,
                    Fill(
                        orderId: 0, botId: 1, side: leave, quantity: quantity, price: trade.exitPrice,
                        fee: quantity * trade.exitPrice * rate, timestamp: Timestamp(milliseconds: trade.exitTime))
                ))
        }
        let ordered = fills.sorted { ($0.time, $0.exit ? 0 : 1) < ($1.time, $1.exit ? 0 : 1) }.enumerated().map {
            index, item in
            var fill = item.fill
            fill.id = Int64(index + 1)
            return fill
        }
        let candles = bars.times.indices.map { index in
            Candle(
                ticker: "WAVE", exchange: "paper", interval: .oneDay, start: Timestamp(milliseconds: bars.times[index]),
                open: bars.open[index], high: bars.high[index], low: bars.low[index], close: bars.close[index],
                volume: 1, closeTime: Timestamp(milliseconds: bars.times[index]))
        }
        let live = LiveStatistics.compute(
            fills: ordered, candles: candles, startingCash: 10_000, ticker: "WAVE",
            exchange: "paper")
        let backtest = result.statistics
        let near = { (a: Double?, b: Double?) -> Bool in
            guard let a, let b else { return a == nil && b == nil }
            if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
            return abs(a - b) <= 1e-6 * max(1, abs(b))
        }
        #expect(live.tradeCount == backtest.tradeCount)
        #expect(near(live.equityFinal, backtest.equityFinal))
        #expect(near(live.returnPct, backtest.returnPct))
        #expect(near(live.maxDrawdownPct, backtest.maxDrawdownPct))
        #expect(near(live.sharpeRatio, backtest.sharpeRatio))
        #expect(near(live.sortinoRatio, backtest.sortinoRatio))
        #expect(near(live.winRatePct, backtest.winRatePct))
        #expect(near(live.profitFactor, backtest.profitFactor))
        #expect(near(live.exposureTimePct, backtest.exposureTimePct))
        #expect(near(live.commissions, backtest.commissions))
        #expect(near(live.sqn, backtest.sqn))
    }
}
