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
