/// Average true range with Wilder's smoothing, as TA-Lib: true range from the second bar on
/// (`max(high, previous close) - min(low, previous close)`), the first ATR at index `period` as the plain average of
/// the first `period` true ranges.
public struct ATR: Sendable {
    public let period: Int
    private var previousClose: Double?
    private var seedTotal = 0.0
    private var ranges = 0
    private var atr: Double?

    public init(period: Int = 14) { self.period = max(1, period) }

    public var lookback: Int { period }

    public mutating func update(high: Double, low: Double, close: Double) -> Double? {
        defer { previousClose = close }
        guard let previousClose else { return nil }
        let trueRange = max(high, previousClose) - min(low, previousClose)
        if let atr {
            let n = Double(period)
            var next = atr * (n - 1)
            next += trueRange
            next /= n
            self.atr = next
            return next
        }
        seedTotal += trueRange
        ranges += 1
        guard ranges == period else { return nil }
        let seed = seedTotal / Double(period)
        atr = seed
        return seed
    }

    public static func batch(high: [Double], low: [Double], close: [Double], period: Int = 14) -> [Double] {
        var indicator = ATR(period: period)
        let count = min(high.count, low.count, close.count)
        var out = [Double](repeating: .nan, count: count)
        for index in 0..<count {
            if let value = indicator.update(high: high[index], low: low[index], close: close[index]) {
                out[index] = value
            }
        }
        return out
    }
}
