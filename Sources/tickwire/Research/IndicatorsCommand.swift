import ArgumentParser
import Foundation
import TickwireModel
import TickwireResearch

/// `tickwire indicators`: every indicator of the research core over a CSV file's bars, with TA-Lib's default
/// periods, as JSON arrays (null during each warm-up). The reference check compares them with TA-Lib.
struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators", abstract: "Compute the indicators over OHLCV bars from a CSV file.")

    @Option(help: "OHLCV CSV file.") var data: String
    @Option(help: "Period of SMA, EMA, WMA, Bollinger Bands and the standard deviation.") var period = 20
    @Flag(help: "Print JSON (the only format for now).") var json = false

    func run() throws {
        let bars = try BacktestDataOptions.bars(inFile: data)
        let close = bars.close
        let macd = MACD.batch(close, fast: 12, slow: 26, signal: 9)
        let bands = BollingerBands.batch(close, period: period, deviationsUp: 2, deviationsDown: 2)
        let series: [(String, [Double])] = [
            ("sma_\(period)", Indicators.sma(close, period: period)),
            ("ema_\(period)", Indicators.ema(close, period: period)),
            ("wma_\(period)", Indicators.wma(close, period: period)),
            ("rsi_14", Indicators.rsi(close, period: 14)),
            ("macd", macd.macd), ("macd_signal", macd.signal), ("macd_histogram", macd.histogram),
            ("bb_upper", bands.upper), ("bb_middle", bands.middle), ("bb_lower", bands.lower),
            ("atr_14", ATR.batch(high: bars.high, low: bars.low, close: close, period: 14)),
            ("stddev_\(period)", Indicators.standardDeviation(close, period: period)),
            ("returns", Indicators.returns(close)), ("log_returns", Indicators.logReturns(close)),
        ]
        var object: [String: JSONValue] = [:]
        for (name, values) in series {
            object[name] = .array(values.map { $0.isFinite ? .number($0) : .null })
        }
        print(JSONCoding.encodeToString(object))
    }
}
