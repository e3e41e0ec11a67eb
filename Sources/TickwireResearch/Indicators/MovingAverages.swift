/// Simple moving average: TA-Lib's running total (add the new value, take the average, subtract the oldest).
public struct SMA: StreamingIndicator {
    public let period: Int
    private var window: Window
    private var total = 0.0

    public init(period: Int) {
        self.period = max(1, period)
        window = Window(capacity: self.period)
    }

    public var lookback: Int { period - 1 }

    @inline(__always)
    public mutating func update(_ value: Double) -> Double? {
        total += value
        window.append(value)
        guard window.isFull else { return nil }
        let average = total / Double(period)
        total -= window.oldest
        return average
    }
}

/// Exponential moving average, k = 2 / (period + 1), seeded (as TA-Lib) with the simple average of the first
/// `period` values.
public struct EMA: StreamingIndicator {
    public let period: Int
    public let k: Double
    private var seedTotal = 0.0
    private var seen = 0
    private var previous: Double?

    public init(period: Int) {
        self.period = max(1, period)
        k = 2 / (Double(self.period) + 1)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ value: Double) -> Double? {
        if let previous {
            let next = ((value - previous) * k) + previous
            self.previous = next
            return next
        }
        seedTotal += value
        seen += 1
        guard seen == period else { return nil }
        let seed = seedTotal / Double(period)
        previous = seed
        return seed
    }
}

/// Linearly weighted moving average (weights 1 … period, newest heaviest), with TA-Lib's running sums.
public struct WMA: StreamingIndicator {
    public let period: Int
    private let divider: Double
    private var window: Window
    private var periodSum = 0.0
    private var periodSub = 0.0
    private var seen = 0

    public init(period: Int) {
        self.period = max(1, period)
        divider = Double(self.period * (self.period + 1)) / 2
        window = Window(capacity: self.period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ value: Double) -> Double? {
        seen += 1
        if seen < period {
            // Warm-up: value i (1-based) carries weight i.
            periodSub += value
            periodSum += value * Double(seen)
            window.append(value)
            return nil
        }
        let trailing = seen > period ? window.oldest : 0
        window.append(value)
        periodSub += value
        periodSub -= trailing
        periodSum += value * Double(period)
        let result = periodSum / divider
        periodSum -= periodSub
        return result
    }
}
