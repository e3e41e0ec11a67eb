import Testing

@testable import TickwireResearch

/// Limit and stop orders against bars built for each case: filled when the bar crosses the price, at that price, or
/// at the open when the bar opens beyond it (backtesting.py's rules).
@Suite struct BrokerTests {
    /// Bars from (open, high, low, close), a day apart.
    static func broker(_ bars: [(Double, Double, Double, Double)], options: BacktestOptions = .init()) -> Broker {
        Broker(
            bars: Bars(
                times: StatisticsTests.days(bars.count), open: bars.map(\.0), high: bars.map(\.1), low: bars.map(\.2),
                close: bars.map(\.3)), options: options)
    }

    @Test func aLimitBuyFillsAtTheLimitOrAtABetterOpen() {
        var crossed = Self.broker([(100, 101, 99, 100), (100, 102, 95, 96)])
        crossed.place(.units(10), limit: 97)
        _ = crossed.next(1)
        #expect(crossed.trades.first?.entryPrice == 97, "the bar traded down through 97")

        var gapped = Self.broker([(100, 101, 99, 100), (94, 96, 93, 95)])
        gapped.place(.units(10), limit: 97)
        _ = gapped.next(1)
        #expect(gapped.trades.first?.entryPrice == 94, "it opened below the limit: filled at the open")

        var missed = Self.broker([(100, 101, 99, 100), (100, 102, 98, 99)])
        missed.place(.units(10), limit: 97)
        _ = missed.next(1)
        #expect(missed.trades.isEmpty)
        #expect(missed.orders.count == 1, "still working")
    }

    @Test func aStopBuyFillsAtTheStopOrAtAWorseOpen() {
        var crossed = Self.broker([(100, 101, 99, 100), (103, 107, 102, 106)])
        crossed.place(.units(10), stop: 105)
        _ = crossed.next(1)
        #expect(crossed.trades.first?.entryPrice == 105)

        var gapped = Self.broker([(100, 101, 99, 100), (108, 110, 107, 109)])
        gapped.place(.units(10), stop: 105)
        _ = gapped.next(1)
        #expect(gapped.trades.first?.entryPrice == 108, "it opened above the stop: filled at the open")
    }

    @Test func aTakeProfitClosesAtItsLimitAndCommissionIsChargedBothWays() {
        var broker = Self.broker(
            [(100, 101, 99, 100), (100, 101, 99, 100), (104, 111, 103, 110)],
            options: BacktestOptions(cash: 10_000, commission: 0.01))
        broker.place(.units(10), takeProfit: 108)
        _ = broker.next(1)
        #expect(broker.trades.count == 1)
        _ = broker.next(2)
        let trade = broker.closed.first
        #expect(trade?.exitPrice == 108)
        let commission: Double = 10 * 100 * 0.01 + 10 * 108 * 0.01
        #expect(trade?.commission == commission)
        let cash: Double = 10_000 - 10 + 80 - 10.8
        #expect(abs(broker.cash - cash) < 1e-9)
    }

    @Test func pythonsFloorDivisionOnFloats() {
        #expect(Broker.pythonFloorDivide(10_000, 169.02 * 1.002) == 59)
        #expect(Broker.pythonFloorDivide(1, 0.1) == 9, "as Python: 1 // 0.1 == 9.0")
        #expect(Broker.pythonFloorDivide(7, 2) == 3)
    }
}
