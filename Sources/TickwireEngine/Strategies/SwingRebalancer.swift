import TickwireModel

/// A swing bot: every `every` prices it rebalances between holding and flat by the trend over `period` prices
/// (price above its moving average: hold; below: flat). Slow on purpose; each rebalance that trades is a signal
/// with the reasoning, and so a log line.
public struct SwingRebalancer: Strategy {
    public let every: Int
    public let period: Int
    private var prices: [Double] = []
    private var seen = 0
    private var holding = false

    public init(every: Int, period: Int) throws(ValidationError) {
        self.every = every
        self.period = period
    }

    public mutating func onPrice(_ price: Double) -> Signal? {
        prices.append(price)
        if prices.count > period { prices.removeFirst() }
        seen += 1
        guard seen % every == 0, prices.count == period else { return nil }
        let average = prices.reduce(0, +) / Double(period)
        let uptrend = price > average
        let trend = "price \(SMACrossover.format(price)) vs SMA\(period) \(SMACrossover.format(average))"
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
