import TickwireModel

/// Trend following: buy when the fast simple moving average crosses above the slow one, sell when it crosses below
/// (a cross is strict, as backtesting.py's `crossover`: below on the previous price, above on this one). With
/// `short`, a sell opens a short position rather than only closing the long.
public struct SMACrossover: Strategy {
    public let fast: Int
    public let slow: Int
    public let short: Bool
    private var fastAverage: SMA
    private var slowAverage: SMA
    private var previous: (fast: Double, slow: Double)?

    public init(fast: Int, slow: Int, short: Bool = false) throws(ValidationError) {
        guard fast < slow else { throw ValidationError("config.fast", "must be less than config.slow") }
        self.fast = fast
        self.slow = slow
        self.short = short
        fastAverage = SMA(period: fast)
        slowAverage = SMA(period: slow)
    }

    public var warmupBars: Int { slow - 1 }
    public var sellsShort: Bool { short }

    public mutating func onPrice(_ price: Double) -> Signal? {
        let fastValue = fastAverage.update(price)
        guard let slowValue = slowAverage.update(price), let fastValue else { return nil }
        defer { previous = (fastValue, slowValue) }
        guard let previous else { return nil }
        let facts = Signal.Explanation.crossover(fast: fast, slow: slow, fastValue: fastValue, slowValue: slowValue)
        if previous.fast < previous.slow, fastValue > slowValue { return Signal(.buy, because: facts) }
        if previous.fast > previous.slow, fastValue < slowValue { return Signal(.sell, because: facts) }
        return nil
    }
}
