import TickwireModel

/// Mean reversion on Wilder's relative strength index (TA-Lib's RSI): buy when RSI falls below `oversold`, sell
/// when it rises above `overbought` (each once per crossing).
public struct RSIReversion: Strategy {
    public let period: Int
    public let oversold: Double
    public let overbought: Double
    private var indicator: RSI
    private var previousRSI: Double?

    public init(period: Int, oversold: Double, overbought: Double) throws(ValidationError) {
        guard oversold < overbought else {
            throw ValidationError("config.oversold", "must be less than config.overbought")
        }
        self.period = period
        self.oversold = oversold
        self.overbought = overbought
        indicator = RSI(period: period)
    }

    /// The current RSI once `period` changes have been seen.
    public private(set) var rsi: Double?

    public var warmupBars: Int { period }

    public mutating func onPrice(_ price: Double) -> Signal? {
        guard let value = indicator.update(price) else { return nil }
        rsi = value
        defer { previousRSI = value }
        guard let previousRSI else { return nil }
        if previousRSI >= oversold, value < oversold {
            return Signal(.buy, because: .rsi(period: period, value: value, threshold: oversold))
        }
        if previousRSI <= overbought, value > overbought {
            return Signal(.sell, because: .rsi(period: period, value: value, threshold: overbought))
        }
        return nil
    }
}
