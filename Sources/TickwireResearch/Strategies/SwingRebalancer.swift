import TickwireModel

/// A swing bot: every `every` prices it rebalances between holding and flat by the trend over `period` prices
/// (price above its moving average: hold; below: flat). Slow on purpose; each rebalance that trades is a signal
/// with the reasoning, and so a log line.
public struct SwingRebalancer: Strategy {
    public let every: Int
    public let period: Int
    private var trend: SMA
    private var seen = 0
    private var holding = false

    public init(every: Int, period: Int) throws(ValidationError) {
        self.every = every
        self.period = period
        trend = SMA(period: period)
    }

    public var warmupBars: Int { period - 1 }

    public mutating func onPrice(_ price: Double) -> Signal? {
        let average = trend.update(price)
        seen += 1
        guard seen % every == 0, let average else { return nil }
        let uptrend = price > average
        let trend = "price \(Signal.format(price)) vs SMA\(period) \(Signal.format(average))"
        if uptrend, !holding {
            holding = true
            return Signal(.buy, "Rebalance: \(trend), trend up: flat → long")
        }
        if !uptrend, holding {
            holding = false
            return Signal(.sell, "Rebalance: \(trend), trend down: long → flat")
        }
        return nil
    }
}
