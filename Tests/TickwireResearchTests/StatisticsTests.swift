import Foundation
import Testing
import TickwireModel

@testable import TickwireResearch

/// The statistics on cases small enough to work out by hand (in the comments).
@Suite struct StatisticsTests {
    static let day: Int64 = 86_400_000
    /// Consecutive weekdays from Monday 2024-01-01.
    static func days(_ count: Int) -> [Int64] {
        let monday: Int64 = 1_704_067_200_000
        return (0..<count).map { monday + Int64($0) * day }
    }

    @Test func flatEquityWithoutTradesHasNoRatios() throws {
        let statistics = PerformanceStatistics(
            times: Self.days(3), equity: [100, 100, 100], closes: [10, 10, 10], trades: [])
        #expect(statistics.returnPct == 0)
        #expect(statistics.returnAnnPct == 0)
        #expect(statistics.volatilityAnnPct == 0)
        #expect(statistics.sharpeRatio?.isNaN != false, "0 / no volatility: undefined")
        #expect(statistics.maxDrawdownPct == 0)
        #expect(statistics.tradeCount == 0)
        #expect(statistics.winRatePct == nil)
        #expect(statistics.exposureTimePct == 0)
        // Undefined statistics are null in JSON, never NaN.
        let json = String(decoding: try JSONCoding.encoder().encode(statistics), as: UTF8.self)
        #expect(json.contains("\"sharpe_ratio\":null"))
        #expect(json.contains("\"beta\":null"))
        #expect(!json.contains("NaN"))
    }

    @Test func aSingleBarHasAReturnOfZeroAndNothingAnnualised() {
        let statistics = PerformanceStatistics(times: Self.days(1), equity: [100], closes: [10], trades: [])
        #expect(statistics.returnPct == 0)
        #expect(statistics.durationDays == 0)
        #expect(statistics.returnAnnPct.map { $0.isNaN } ?? true)
        #expect(statistics.cagrPct == nil)
        #expect(statistics.maxDrawdownDurationDays == nil)
    }

    @Test func oneWinningTrade() {
        // Bought 1 at 100 on day 0, sold at 121 on day 2: +21 %, two days, no drawdown.
        let times = Self.days(4)
        let trade = ClosedTrade(
            size: 1, entryBar: 0, exitBar: 2, entryPrice: 100, exitPrice: 121, commission: 0, entryTime: times[0],
            exitTime: times[2])
        let statistics = PerformanceStatistics(
            times: times, equity: [100, 110, 121, 121], closes: [100, 110, 121, 121], trades: [trade])
        #expect(statistics.returnPct == 21)
        #expect(statistics.tradeCount == 1)
        #expect(statistics.winRatePct == 100)
        #expect(abs((statistics.bestTradePct ?? 0) - 21) < 1e-12)
        #expect(statistics.bestTradePct == statistics.worstTradePct)
        #expect(abs((statistics.avgTradePct ?? 0) - 21) < 1e-12)
        #expect(statistics.maxTradeDurationDays == 2)
        #expect(statistics.exposureTimePct == 75, "bars 0, 1 and 2 of 4")
        #expect(statistics.maxDrawdownPct == 0)
        #expect(statistics.profitFactor.map { !$0.isFinite } ?? true, "no losing trade: undefined")
        #expect(statistics.sqn.map { !$0.isFinite } ?? true, "one trade has no spread")
        #expect(abs((statistics.buyAndHoldReturnPct ?? 0) - 21) < 1e-12)
    }

    @Test func allLosingTrades() {
        // -10 % and -20 %: win rate 0, profit factor 0, average trade sqrt(0.9 × 0.8) - 1, expectancy -15 %,
        // SQN = sqrt(2) × mean(-10, -20) / std(-10, -20) = 1.4142 × -15 / 7.0711 = -3.
        let times = Self.days(4)
        let trades = [
            ClosedTrade(
                size: 1, entryBar: 0, exitBar: 1, entryPrice: 100, exitPrice: 90, commission: 0,
                entryTime: times[0], exitTime: times[1]),
            ClosedTrade(
                size: 1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 80, commission: 0,
                entryTime: times[2], exitTime: times[3]),
        ]
        let statistics = PerformanceStatistics(
            times: times, equity: [1000, 990, 990, 970], closes: [100, 90, 100, 80], trades: trades)
        #expect(statistics.winRatePct == 0)
        #expect(statistics.profitFactor == 0)
        #expect(abs((statistics.avgTradePct ?? 0) - ((0.72).squareRoot() - 1) * 100) < 1e-12)
        #expect(abs((statistics.expectancyPct ?? 0) + 15) < 1e-12)
        #expect(abs((statistics.sqn ?? 0) + 3) < 1e-12)
        #expect(abs((statistics.maxDrawdownPct ?? 0) + 3) < 1e-12, "1000 → 970")
        #expect(statistics.kellyCriterion.map { !$0.isFinite } ?? true, "no winning trade: undefined")
    }

    @Test func drawdownsAndTheirDurations() {
        // Peaks on days 0 and 3; under water on days 1-2 (down 10 %, then 5 %) and 4-5 (down 20 %, to the end).
        let statistics = PerformanceStatistics(
            times: Self.days(6), equity: [100, 90, 95, 110, 88, 99], closes: [1, 1, 1, 1, 1, 1], trades: [])
        #expect(abs((statistics.maxDrawdownPct ?? 0) + 20) < 1e-12)
        #expect(abs((statistics.avgDrawdownPct ?? 0) + 15) < 1e-12)
        #expect(statistics.maxDrawdownDurationDays == 3)
        #expect(statistics.avgDrawdownDurationDays == 3)
    }
}

/// The backtester on bars built for the case.
@Suite struct BacktesterTests {
    static func bars(_ closes: [Double]) -> Bars {
        let times = StatisticsTests.days(closes.count)
        return Bars(times: times, open: closes, high: closes.map { $0 + 1 }, low: closes.map { $0 - 1 }, close: closes)
    }

    static let wave: [Double] = (0..<400).map { (index: Int) -> Double in
        let swing: Double = 20 * sin(Double(index) / 9)
        return 100 + swing + Double(index % 7)
    }

    @Test func aStrategyNeverSeesAFutureBar() throws {
        let bars = Self.bars(Self.wave)
        let strategy = try SMACrossover(fast: 5, slow: 20, short: true)
        let options = BacktestOptions(commission: 0.001, exclusiveOrders: true)
        let full = Backtest.run(strategy, on: bars, options: options)
        for cut in [50, 150, 299] {
            var changed = bars
            for index in (cut + 1)..<bars.count {
                changed.close[index] *= 3
                changed.open[index] *= 0.5
                changed.high[index] = max(changed.open[index], changed.close[index]) + 1
                changed.low[index] = min(changed.open[index], changed.close[index]) - 1
            }
            let other = Backtest.run(strategy, on: changed, options: options)
            #expect(Array(full.equity.prefix(cut + 1)) == Array(other.equity.prefix(cut + 1)))
            #expect(full.trades.filter { $0.exitBar <= cut } == other.trades.filter { $0.exitBar <= cut })
        }
        #expect(full.trades.count > 5)
    }

    @Test func theSameInputGivesTheSameBytes() throws {
        let bars = Self.bars(Self.wave)
        let strategy = try Strategies.make(name: "rsi", config: ["period": .number(7)])
        let first = try JSONCoding.encoder().encode(Backtest.run(strategy, on: bars))
        let second = try JSONCoding.encoder().encode(Backtest.run(strategy, on: bars))
        #expect(first == second)
    }

    @Test func allAvailableCashBuysWholeUnitsCommissionIncluded() throws {
        // Cash 1,000 at an open of 99 with 1 % commission: floor(1000 / (99 × 1.01)) = 10 units.
        // A dip at bar 23 puts SMA2 under SMA3, so bar 25's jump is a cross (a strict one).
        var closes = [Double](repeating: 100, count: 30)
        closes[23] = 95
        closes[25] = 110
        closes[26] = 99
        let bars = Self.bars(closes)
        let result = Backtest.run(
            try SMACrossover(fast: 2, slow: 3), on: bars,
            options: BacktestOptions(cash: 1000, commission: 0.01, finalizeTrades: true))
        let trade = try #require(result.trades.first)
        #expect(trade.entryBar == 26, "signal on bar 25's close, filled at bar 26's open")
        // Then a cross down (bar 27) closes it at bar 28's open, and a cross up (bar 28) opens another at bar 29's,
        // which the end of the data closes at that same open.
        #expect(result.trades.map(\.entryBar) == [26, 29])
        #expect(result.trades.map(\.exitBar) == [28, 29])
        #expect(trade.size == 10)
        #expect(trade.entryPrice == 99)
        #expect(abs(trade.commission - (10 * 99 * 0.01 + 10 * trade.exitPrice * 0.01)) < 1e-9)
        let fractional = Backtest.run(
            try SMACrossover(fast: 2, slow: 3), on: bars,
            options: BacktestOptions(cash: 1000, commission: 0.01, fractional: true, finalizeTrades: true))
        #expect(abs((fractional.trades.first?.size ?? 0) - 1000 / (99 * 1.01)) < 1e-9)
    }

    @Test func aStopLossClosesTheTradeAtTheStop() throws {
        // Long from bar 26's open at 99 with a 5 % stop under the signal close (110 × 0.95 = 104.5): bar 26 itself
        // reaches down to 98, so the stop fills there at 104.5 (the open, 99, is below: min(99, 104.5) = 99).
        var closes = [Double](repeating: 100, count: 40)
        closes[23] = 95
        closes[25] = 110
        closes[26] = 99
        let result = Backtest.run(
            try SMACrossover(fast: 2, slow: 3), on: Self.bars(closes), options: BacktestOptions(stopLoss: 0.05))
        let trade = try #require(result.trades.first)
        #expect(trade.entryBar == 26)
        #expect(trade.exitBar == 26)
        #expect(trade.exitPrice == 99)
    }

    @Test func limitAndStopEntriesWaitForTheirPrice() throws {
        // The buy signal on bar 25 (close 110): a limit 5 % under it (104.5) waits until bar 26 trades down to it
        // (open 99, below the limit: filled at the open); a stop 5 % over it (115.5) fills only when a bar reaches it.
        var closes = [Double](repeating: 100, count: 40)
        closes[23] = 95
        closes[25] = 110
        closes[26] = 99
        closes[30] = 120
        let strategy = try SMACrossover(fast: 2, slow: 3)
        let limit = Backtest.run(strategy, on: Self.bars(closes), options: BacktestOptions(entryLimit: 0.05))
        #expect(limit.trades.first?.entryBar == 26)
        #expect(limit.trades.first?.entryPrice == 99)
        let stop = Backtest.run(
            strategy, on: Self.bars(closes), options: BacktestOptions(finalizeTrades: true, entryStop: 0.05))
        #expect(stop.trades.first.map { $0.entryBar >= 30 } == true, "no bar before 30 reaches 115.5")
        #expect(throws: ValidationError.self) { try BacktestOptions(entryLimit: 2).validate() }
    }

    @Test func badFilesAreRefusedWithTheLineNumber() {
        func message(_ csv: String) -> String? {
            do {
                _ = try OHLCVReader.read(csv)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(
            message("Date,Open,High,Low,Close\n2024-01-01,1,2,0.5,1.5\n2024-01-02,1,x,0.5,1\n")?.hasPrefix("line 3")
                == true)
        #expect(
            message("Date,Open,High,Low,Close\n2024-01-02,1,2,0.5,1.5\n2024-01-01,1,2,0.5,1\n")?.contains("increase")
                == true)
        #expect(message("time,open,high,low,close\n1704067200,1,2,0.5,1.5\n") == nil, "epoch seconds")
        #expect(message("TIMESTAMP,OPEN,HIGH,LOW,CLOSE,VOLUME\n1704067200000,1,2,0.5,1.5,10\n") == nil, "epoch ms")
        #expect(message(",Open,High,Low,Close,Volume\n2024-01-01 00:00:00,1,2,0.5,1.5,10\n") == nil, "pandas' CSV")
        #expect(message("Date,Open,High,Low\n") != nil)
        #expect(message("Date,Open,High,Low,Close\n2024-01-01,1,2,3,1.5\n")?.contains("low") == true)
    }
}

/// Each indicator's streaming form gives exactly its batch form's values, value by value.
@Suite struct IndicatorFormsTests {
    @Test func streamingAndBatchAgree() {
        let values = BacktesterTests.wave
        var sma = SMA(period: 10)
        var rsi = RSI(period: 14)
        var macd = MACD()
        let batchSMA = Indicators.sma(values, period: 10)
        let batchRSI = Indicators.rsi(values, period: 14)
        let batchMACD = MACD.batch(values)
        for (index, value) in values.enumerated() {
            let streamed = sma.update(value) ?? .nan
            #expect(streamed.bitPattern == batchSMA[index].bitPattern || (streamed.isNaN && batchSMA[index].isNaN))
            let r = rsi.update(value) ?? .nan
            #expect(r.bitPattern == batchRSI[index].bitPattern || (r.isNaN && batchRSI[index].isNaN))
            let m = macd.update(value)?.macd ?? .nan
            #expect(m.bitPattern == batchMACD.macd[index].bitPattern || (m.isNaN && batchMACD.macd[index].isNaN))
        }
        #expect(batchSMA.firstIndex { !$0.isNaN } == 9)
        #expect(batchRSI.firstIndex { !$0.isNaN } == 14)
        #expect(batchMACD.macd.firstIndex { !$0.isNaN } == 33)
    }
}
