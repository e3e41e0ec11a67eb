import TickwireModel

/// An indicator a strategy decides by that is drawn over its instrument's prices.
public struct StrategyOverlay: Sendable, Equatable {
    /// What the chart's legend says: `sma 5`.
    public let label: String
    public let indicator: String
    public let period: Int
}

extension Strategies {
    /// The price-scale indicators of strategy `name` with `config`'s parameters (defaults filled in): the two SMAs of
    /// a crossover, the SMA a swing rebalancer trades around. RSI (its own 0-100 scale) and the grid (levels around
    /// its own fills) have none. An unknown strategy or an invalid config has none either: the chart still draws.
    public static func overlays(name: String, config: [String: JSONValue]) -> [StrategyOverlay] {
        guard let (canonical, parameters) = try? normalized(name: name, config: config) else { return [] }
        func period(_ key: String) -> Int? {
            guard case .number(let value)? = parameters[key], value.isFinite, value >= 1, value <= 1000 else {
                return nil
            }
            return Int(value)
        }
        let periods: [Int?]
        switch canonical {
        case "sma_crossover": periods = [period("fast"), period("slow")]
        case "swing": periods = [period("period")]
        default: periods = []
        }
        return periods.compactMap { $0 }.map { StrategyOverlay(label: "sma \($0)", indicator: "sma", period: $0) }
    }

    /// Each overlay of the strategy over `bars`, by label, aligned with the bars (NaN before warm-up).
    public static func overlaySeries(name: String, config: [String: JSONValue], over bars: Bars) -> [String: [Double]] {
        var series: [String: [Double]] = [:]
        for overlay in overlays(name: name, config: config) {
            if let values = try? Indicators.series(named: overlay.indicator, period: overlay.period, over: bars)[
                overlay.indicator]
            {
                series[overlay.label] = values
            }
        }
        return series
    }
}
