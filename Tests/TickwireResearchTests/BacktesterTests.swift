import Foundation
import Testing
import TickwireModel

@testable import TickwireResearch

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
