/// An indicator in its streaming form: one value in, O(1) work, the indicator's value out once its warm-up is over.
///
/// Every indicator also has a batch form over an array (`Indicators.sma(_:period:)`, ...), which runs this form over
/// the array, so the two cannot disagree. Values follow TA-Lib's definitions and seeding, operation for operation,
/// so that they equal TA-Lib's to float noise, with the same first valid bar (`lookback`, counted from 0).
public protocol StreamingIndicator: Sendable {
    /// The index of the first value that is not a warm-up value (TA-Lib's "lookback").
    var lookback: Int { get }
    /// Takes the next input; returns the indicator's value, or nil during the warm-up.
    mutating func update(_ value: Double) -> Double?
}

/// The batch forms: one value per input, NaN during the warm-up (as TA-Lib and pandas return them).
public enum Indicators {
    /// Runs a streaming indicator over `values`.
    public static func run(_ indicator: some StreamingIndicator, over values: [Double]) -> [Double] {
        var indicator = indicator
        var out = [Double](repeating: .nan, count: values.count)
        for index in values.indices {
            if let value = indicator.update(values[index]) { out[index] = value }
        }
        return out
    }

    public static func sma(_ values: [Double], period: Int) -> [Double] { run(SMA(period: period), over: values) }
    public static func ema(_ values: [Double], period: Int) -> [Double] { run(EMA(period: period), over: values) }
    public static func wma(_ values: [Double], period: Int) -> [Double] { run(WMA(period: period), over: values) }
    public static func rsi(_ values: [Double], period: Int) -> [Double] { run(RSI(period: period), over: values) }
    public static func standardDeviation(_ values: [Double], period: Int, deviations: Double = 1) -> [Double] {
        run(RollingStandardDeviation(period: period, deviations: deviations), over: values)
    }
    public static func returns(_ values: [Double]) -> [Double] { run(Returns(), over: values) }
    public static func logReturns(_ values: [Double]) -> [Double] { run(LogReturns(), over: values) }
}

/// The last `capacity` values, oldest first; no allocation after creation.
struct Window: Sendable {
    private var storage: [Double]
    private var start = 0
    private(set) var count = 0

    init(capacity: Int) { storage = [Double](repeating: 0, count: max(1, capacity)) }

    var capacity: Int { storage.count }
    var isFull: Bool { count == storage.count }
    /// The oldest value (the one `append` would drop next).
    var oldest: Double { storage[start] }

    /// Appends `value`; when full, the oldest value is dropped and returned.
    @discardableResult @inline(__always)
    mutating func append(_ value: Double) -> Double? {
        if count < storage.count {
            storage[count] = value  // not yet full: `start` is still 0
            count += 1
            return nil
        }
        let dropped = storage[start]
        storage[start] = value
        start += 1
        if start == storage.count { start = 0 }
        return dropped
    }

    /// The value `offset` places after the oldest.
    subscript(offset: Int) -> Double {
        let index = start + offset
        return storage[index < storage.count ? index : index - storage.count]
    }
}

/// TA-Lib's test for a value too small to divide by (`TA_IS_ZERO`).
@inline(__always) func isTALibZero(_ value: Double) -> Bool { value > -0.00000001 && value < 0.00000001 }
