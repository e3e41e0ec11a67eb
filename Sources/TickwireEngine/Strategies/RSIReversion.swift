import TickwireModel

/// Mean reversion on Wilder's relative strength index: buy when RSI falls below `oversold`, sell when it rises
/// above `overbought` (each once per crossing).
public struct RSIReversion: Strategy {
    public let period: Int
    public let oversold: Double
    public let overbought: Double
    private var last: Double?
    private var seedGains: [Double] = []
    private var averageGain = 0.0
    private var averageLoss = 0.0
    private var previousRSI: Double?

    public init(period: Int, oversold: Double, overbought: Double) throws(ValidationError) {
        guard oversold < overbought else {
            throw ValidationError("config.oversold", "must be less than config.overbought")
        }
        self.period = period
        self.oversold = oversold
        self.overbought = overbought
    }

    /// The current RSI once `period` changes have been seen.
    public private(set) var rsi: Double?

    public mutating func onPrice(_ price: Double) -> Signal? {
        defer { last = price }
        guard let last else { return nil }
        let change = price - last
        if seedGains.count < period {
            // The first average is a plain mean of `period` changes (gains positive, losses negative).
            seedGains.append(change)
            guard seedGains.count == period else { return nil }
            averageGain = seedGains.filter { $0 > 0 }.reduce(0, +) / Double(period)
            averageLoss = -seedGains.filter { $0 < 0 }.reduce(0, +) / Double(period)
        } else {
            let n = Double(period)
            averageGain = (averageGain * (n - 1) + max(change, 0)) / n
            averageLoss = (averageLoss * (n - 1) + max(-change, 0)) / n
        }
        let value = averageLoss == 0 ? 100 : 100 - 100 / (1 + averageGain / averageLoss)
        rsi = value
        defer { previousRSI = value }
        guard let previousRSI else { return nil }
        if previousRSI >= oversold, value < oversold {
            return Signal(
                .buy, "RSI\(period) \(SMACrossover.format(value)) fell below \(SMACrossover.format(oversold)): oversold"
            )
        }
        if previousRSI <= overbought, value > overbought {
            return Signal(
                .sell,
                "RSI\(period) \(SMACrossover.format(value)) rose above \(SMACrossover.format(overbought)): overbought")
        }
        return nil
    }
}
