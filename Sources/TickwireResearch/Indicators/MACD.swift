/// Moving average convergence/divergence, as TA-Lib computes it: both EMAs are seeded with simple averages and
/// aligned on the slow one (the fast EMA's seed is the average of the `fast` values ending where the slow EMA's
/// first value is), the signal line is an EMA of the MACD line, and all three start at index
/// `slow + signal - 2`.
public struct MACD: Sendable {
    public struct Value: Sendable, Equatable {
        public var macd: Double
        public var signal: Double
        public var histogram: Double
    }

    public let fast: Int
    public let slow: Int
    public let signalPeriod: Int
    private var recent: Window
    private var slowEMA: EMA
    private var fastK: Double
    private var fastValue: Double?
    private var signalEMA: EMA

    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9) {
        // TA-Lib swaps the periods when the slow one is the shorter.
        let (a, b) = (max(1, fast), max(1, slow))
        self.fast = min(a, b)
        self.slow = max(a, b)
        signalPeriod = max(1, signal)
        recent = Window(capacity: self.fast)
        slowEMA = EMA(period: self.slow)
        fastK = 2 / (Double(self.fast) + 1)
        signalEMA = EMA(period: signalPeriod)
    }

    public var lookback: Int { slow - 1 + signalPeriod - 1 }

    public mutating func update(_ value: Double) -> Value? {
        recent.append(value)
        let slowValue = slowEMA.update(value)
        let fastNow: Double
        if let fastValue {
            fastNow = ((value - fastValue) * fastK) + fastValue
        } else {
            guard slowValue != nil else { return nil }
            var total = 0.0
            for offset in 0..<recent.count { total += recent[offset] }
            fastNow = total / Double(fast)
        }
        fastValue = fastNow
        guard let slowValue else { return nil }
        let line = fastNow - slowValue
        guard let signal = signalEMA.update(line) else { return nil }
        return Value(macd: line, signal: signal, histogram: line - signal)
    }

    /// The batch form: three arrays, NaN during the warm-up.
    public static func batch(_ values: [Double], fast: Int = 12, slow: Int = 26, signal: Int = 9)
        -> (macd: [Double], signal: [Double], histogram: [Double])
    {
        var indicator = MACD(fast: fast, slow: slow, signal: signal)
        var macd = [Double](repeating: .nan, count: values.count)
        var signalLine = macd
        var histogram = macd
        for index in values.indices {
            guard let value = indicator.update(values[index]) else { continue }
            macd[index] = value.macd
            signalLine[index] = value.signal
            histogram[index] = value.histogram
        }
        return (macd, signalLine, histogram)
    }
}
