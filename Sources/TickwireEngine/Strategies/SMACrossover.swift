import TickwireModel

/// Trend following: buy when the fast simple moving average crosses above the slow one, sell when it crosses below.
public struct SMACrossover: Strategy {
    public let fast: Int
    public let slow: Int
    private var window: [Double] = []
    private var previous: (fast: Double, slow: Double)?

    public init(fast: Int, slow: Int) throws(ValidationError) {
        guard fast < slow else { throw ValidationError("config.fast", "must be less than config.slow") }
        self.fast = fast
        self.slow = slow
    }

    public mutating func onPrice(_ price: Double) -> Signal? {
        window.append(price)
        if window.count > slow { window.removeFirst() }
        guard window.count == slow else { return nil }
        let fastAverage = window.suffix(fast).reduce(0, +) / Double(fast)
        let slowAverage = window.reduce(0, +) / Double(slow)
        defer { previous = (fastAverage, slowAverage) }
        guard let previous else { return nil }
        if previous.fast <= previous.slow, fastAverage > slowAverage {
            return Signal(
                .buy, "SMA\(fast) \(Self.format(fastAverage)) crossed above SMA\(slow) \(Self.format(slowAverage))")
        }
        if previous.fast >= previous.slow, fastAverage < slowAverage {
            return Signal(
                .sell, "SMA\(fast) \(Self.format(fastAverage)) crossed below SMA\(slow) \(Self.format(slowAverage))")
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }
}
