import TickwireModel

/// Momentum: buy when the price has risen more than `threshold` percent over the last `lookback` prices, sell when
/// it has fallen more than that (each once per move: a signal fires when the change crosses the threshold).
public struct Momentum: Strategy {
    public let lookback: Int
    public let threshold: Double
    private var window: [Double] = []
    private var side: OrderSide?

    public init(lookback: Int, threshold: Double) throws(ValidationError) {
        self.lookback = lookback
        self.threshold = threshold
    }

    public var warmupBars: Int { lookback }

    /// The change over the lookback, in percent, once `lookback + 1` prices were seen.
    public private(set) var change: Double?

    public var status: String {
        guard let change else { return "gathering \(window.count) of \(lookback + 1) prices" }
        return "change over \(lookback) prices \(Signal.format(change))% (threshold ±\(Signal.format(threshold))%)"
    }

    public mutating func onPrice(_ price: Double) -> Signal? {
        window.append(price)
        if window.count > lookback + 1 { window.removeFirst(window.count - lookback - 1) }
        guard window.count == lookback + 1, let first = window.first, first > 0 else { return nil }
        let change = (price / first - 1) * 100
        self.change = change
        if change > threshold, side != .buy {
            side = .buy
            return Signal(.buy, "Momentum up: \(status)")
        }
        if change < -threshold, side != .sell {
            side = .sell
            return Signal(.sell, "Momentum down: \(status)")
        }
        return nil
    }
}

/// Mean reversion on the z-score of the price against its `period` SMA and standard deviation: buy when the price
/// is more than `entry` deviations below the mean, sell when it is back above the mean plus `exit` deviations.
public struct MeanReversion: Strategy {
    public let period: Int
    public let entry: Double
    public let exit: Double
    private var mean: SMA
    private var deviation: RollingStandardDeviation
    private var holding = false

    public init(period: Int, entry: Double, exit: Double) throws(ValidationError) {
        self.period = period
        self.entry = entry
        self.exit = exit
        mean = SMA(period: period)
        deviation = RollingStandardDeviation(period: period)
    }

    public var warmupBars: Int { period - 1 }

    /// How many deviations the last price is from its mean.
    public private(set) var zScore: Double?

    public var status: String {
        guard let zScore else { return "gathering prices for SMA\(period)" }
        return
            "z-score \(Signal.format(zScore)) (buy below −\(Signal.format(entry)), sell above \(Signal.format(exit)))"
    }

    public mutating func onPrice(_ price: Double) -> Signal? {
        let average = mean.update(price)
        guard let spread = deviation.update(price), let average else { return nil }
        let z = spread > 0 ? (price - average) / spread : 0
        zScore = z
        if !holding, z < -entry {
            holding = true
            return Signal(.buy, "Stretched below the mean: \(status)")
        }
        if holding, z > exit {
            holding = false
            return Signal(.sell, "Back above the mean: \(status)")
        }
        return nil
    }
}

/// The rule-based explainer of seed 004's models: the trend of SMA5 against SMA15, confirmed by RSI7 not being
/// stretched. Long or short: a buy covers a short and goes long, a sell the reverse.
public struct RuleBased: Strategy {
    private var fast = SMA(period: 5)
    private var slow = SMA(period: 15)
    private var strength = RSI(period: 7)
    private var position = 0
    private var facts: String?
    private var seen = 0

    public init() {}

    public var warmupBars: Int { 14 }
    public var sellsShort: Bool { true }

    public var status: String { facts ?? "gathering \(seen) of 15 prices" }

    public mutating func onPrice(_ price: Double) -> Signal? {
        seen += 1
        let fastValue = fast.update(price)
        let rsi = strength.update(price)
        guard let slowValue = slow.update(price), let fastValue, let rsi, slowValue > 0 else { return nil }
        let gap = (fastValue / slowValue - 1) * 100
        facts =
            "SMA5 \(Signal.format(fastValue)) vs SMA15 \(Signal.format(slowValue)) (\(gap >= 0 ? "+" : "")\(Signal.format(gap))%), RSI7 \(Signal.format(rsi))"
        if gap > 0.02, rsi < 70, position <= 0 {
            position = 1
            return Signal(.buy, "Uptrend at \(Signal.format(price)): \(status); buying")
        }
        if gap < -0.02, rsi > 30, position >= 0 {
            position = -1
            return Signal(.sell, "Downtrend at \(Signal.format(price)): \(status); selling")
        }
        return nil
    }
}
