import Testing
import TickwireModel

@testable import TickwireResearch

/// Each strategy on a fixed price series, against signals worked out by hand (in the comments).
@Suite struct StrategyTests {
    static func signals(_ strategy: some Strategy, _ prices: [Double]) -> [(Int, OrderSide)] {
        var strategy = strategy
        return prices.enumerated().compactMap { index, price in strategy.onPrice(price).map { (index, $0.side) } }
    }

    @Test func smaCrossover() throws {
        // SMA2/SMA3: at index 3 fast 10.5 < slow 10.67 after 11.5 > 11: sell; at index 6 fast 9.5 > slow 9 after
        // 8.5 < 8.67: buy.
        let result = Self.signals(try SMACrossover(fast: 2, slow: 3), [10, 11, 12, 9, 8, 9, 10, 11])
        #expect(result.map(\.0) == [3, 6])
        #expect(result.map(\.1) == [.sell, .buy])
        // A cross is strict, as backtesting.py's `crossover`: from equal averages (10 = 10) to below is none.
        #expect(Self.signals(try SMACrossover(fast: 2, slow: 3), [10, 10, 10, 9, 8]).isEmpty)
        #expect(try SMACrossover(fast: 2, slow: 3).warmupBars == 2)
        #expect(try Strategies.make(name: "sma", config: ["short": .bool(true)]).sellsShort)
        #expect(try !Strategies.make(name: "sma", config: [:]).sellsShort)
    }

    @Test func rsiReversion() throws {
        // RSI2: 100 after two gains, 50, then 25 (< 30: buy at index 4), 12.5, 56.25, then 85.4 (> 70: sell at 7).
        var strategy = try RSIReversion(period: 2, oversold: 30, overbought: 70)
        var fired: [(Int, Signal)] = []
        var values: [Double?] = []
        for (index, price) in [10.0, 11, 12, 11, 10, 9, 10, 12, 14].enumerated() {
            if let signal = strategy.onPrice(price) { fired.append((index, signal)) }
            values.append(strategy.rsi)
        }
        #expect(fired.map(\.0) == [4, 7])
        #expect(fired.map(\.1.side) == [.buy, .sell])
        #expect(values[4] == 25)
        #expect(values[5] == 12.5)
        #expect(fired[0].1.reason == "RSI2 25.0 fell below 30.0: oversold")
    }

    @Test func gridScalper() throws {
        // 1 % lines around 100, two each side: 99.5 crosses 100 (buy), 98.9 crosses 99.01 (buy), 97 stays in the
        // clamped bottom band, 101.5 crosses upward (sell), 103.5 too (sell), 110 stays in the clamped top band.
        let result = Self.signals(
            try GridScalper(spacing: 0.01, levels: 2), [100, 100.5, 99.5, 98.9, 97, 99, 101.5, 103.5, 110])
        #expect(result.map(\.0) == [2, 3, 6, 7])
        #expect(result.map(\.1) == [.buy, .buy, .sell, .sell])
    }

    @Test func swingRebalancer() throws {
        // Checks every 2 prices over a 3-price average: at index 3 (price 13 > avg 12) flat → long: buy; at index 5
        // still above; at index 7 (price 9 < avg 12) long → flat: sell; at index 9 below and flat: nothing.
        let result = Self.signals(try SwingRebalancer(every: 2, period: 3), [10, 11, 12, 13, 14, 15, 12, 9, 8, 7])
        #expect(result.map(\.0) == [3, 7])
        #expect(result.map(\.1) == [.buy, .sell])
    }

    @Test func configIsValidatedWithTheFieldNamed() {
        func error(_ name: String, _ config: [String: JSONValue]) -> String? {
            do {
                _ = try Strategies.make(name: name, config: config)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(error("sma_crossover", ["fast": .number(20), "slow": .number(10)]) == "config.fast")
        #expect(error("sma_crossover", ["fast": .string("5")]) == "config.fast")
        #expect(error("rsi_reversion", ["period": .number(1)]) == "config.period")
        #expect(error("rsi_reversion", ["oversold": .number(80), "overbought": .number(70)]) == "config.oversold")
        #expect(error("grid", ["spacing": .number(0.9)]) == "config.spacing")
        #expect(error("martingale", [:]) == "strategy")
        #expect(error("sma", [:]) == nil)
        #expect(error("grid", ["levels": .number(3)]) == nil)
    }
}
