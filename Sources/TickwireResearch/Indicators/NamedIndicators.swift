import TickwireModel

extension Indicators {
    /// The indicators the API computes by name, with the period each takes by default (TA-Lib's).
    public static let defaultPeriods: [String: Int] = [
        "sma": 20, "ema": 20, "wma": 20, "rsi": 14, "macd": 26, "bollinger": 20, "atr": 14, "stddev": 20,
        "returns": 1, "log_returns": 1,
    ]

    /// Indicator `name` over `bars`, as one or more named series aligned with the bars (NaN before warm-up).
    /// MACD uses 12/26/9 and Bollinger Bands two deviations; `period` sets the others.
    public static func series(named name: String, period: Int?, over bars: Bars) throws(ValidationError)
        -> [String: [Double]]
    {
        guard let fallback = defaultPeriods[name] else {
            throw ValidationError(
                "name",
                "unknown indicator '\(name)'; use one of \(defaultPeriods.keys.sorted().joined(separator: ", "))")
        }
        let period = period ?? fallback
        guard (1...1000).contains(period) else { throw ValidationError("period", "must be between 1 and 1000") }
        let close = bars.close
        switch name {
        case "sma": return ["sma": sma(close, period: period)]
        case "ema": return ["ema": ema(close, period: period)]
        case "wma": return ["wma": wma(close, period: period)]
        case "rsi": return ["rsi": rsi(close, period: period)]
        case "macd":
            let macd = MACD.batch(close, fast: 12, slow: 26, signal: 9)
            return ["macd": macd.macd, "signal": macd.signal, "histogram": macd.histogram]
        case "bollinger":
            let bands = BollingerBands.batch(close, period: period, deviationsUp: 2, deviationsDown: 2)
            return ["upper": bands.upper, "middle": bands.middle, "lower": bands.lower]
        case "atr": return ["atr": ATR.batch(high: bars.high, low: bars.low, close: close, period: period)]
        case "stddev": return ["stddev": standardDeviation(close, period: period)]
        case "returns": return ["returns": returns(close)]
        default: return ["log_returns": logReturns(close)]
        }
    }
}
