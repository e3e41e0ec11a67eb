import Foundation
import TickwireResearch

/// The statistics as backtesting.py prints them: one labelled line each.
enum StatisticsTable {
    static func render(_ statistics: PerformanceStatistics) -> String {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "NaN" }
            return String(format: "%.6f", value)
        }
        let rows: [(String, String)] = [
            ("Start", statistics.start.iso8601), ("End", statistics.end.iso8601),
            ("Duration [days]", number(statistics.durationDays)),
            ("Exposure Time [%]", number(statistics.exposureTimePct)),
            ("Equity Final [$]", number(statistics.equityFinal)), ("Equity Peak [$]", number(statistics.equityPeak)),
            ("Commissions [$]", number(statistics.commissions)), ("Return [%]", number(statistics.returnPct)),
            ("Buy & Hold Return [%]", number(statistics.buyAndHoldReturnPct)),
            ("Return (Ann.) [%]", number(statistics.returnAnnPct)),
            ("Volatility (Ann.) [%]", number(statistics.volatilityAnnPct)), ("CAGR [%]", number(statistics.cagrPct)),
            ("Sharpe Ratio", number(statistics.sharpeRatio)), ("Sortino Ratio", number(statistics.sortinoRatio)),
            ("Calmar Ratio", number(statistics.calmarRatio)), ("Alpha [%]", number(statistics.alphaPct)),
            ("Beta", number(statistics.beta)), ("Max. Drawdown [%]", number(statistics.maxDrawdownPct)),
            ("Avg. Drawdown [%]", number(statistics.avgDrawdownPct)),
            ("Max. Drawdown Duration [days]", number(statistics.maxDrawdownDurationDays)),
            ("Avg. Drawdown Duration [days]", number(statistics.avgDrawdownDurationDays)),
            ("# Trades", String(statistics.tradeCount)), ("Win Rate [%]", number(statistics.winRatePct)),
            ("Best Trade [%]", number(statistics.bestTradePct)), ("Worst Trade [%]", number(statistics.worstTradePct)),
            ("Avg. Trade [%]", number(statistics.avgTradePct)),
            ("Max. Trade Duration [days]", number(statistics.maxTradeDurationDays)),
            ("Avg. Trade Duration [days]", number(statistics.avgTradeDurationDays)),
            ("Profit Factor", number(statistics.profitFactor)), ("Expectancy [%]", number(statistics.expectancyPct)),
            ("SQN", number(statistics.sqn)), ("Kelly Criterion", number(statistics.kellyCriterion)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(
            separator: "\n")
    }
}
