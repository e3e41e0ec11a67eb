/// Wilder's relative strength index, as TA-Lib computes it: the first value at index `period`, from the plain
/// averages of the first `period` gains and losses, then Wilder's smoothing (α = 1/period). A flat stretch (no gain
/// and no loss) is 0, as in TA-Lib.
public struct RSI: StreamingIndicator {
    public let period: Int
    private var previousValue: Double?
    private var gain = 0.0
    private var loss = 0.0
    private var changes = 0

    public init(period: Int) { self.period = max(1, period) }

    public var lookback: Int { period }

    public mutating func update(_ value: Double) -> Double? {
        guard let previousValue else {
            previousValue = value
            return nil
        }
        self.previousValue = value
        let change = value - previousValue
        changes += 1
        let n = Double(period)
        if changes <= period {
            if change < 0 { loss -= change } else { gain += change }
            guard changes == period else { return nil }
            loss /= n
            gain /= n
        } else {
            loss *= n - 1
            gain *= n - 1
            if change < 0 { loss -= change } else { gain += change }
            loss /= n
            gain /= n
        }
        let total = gain + loss
        return isTALibZero(total) ? 0 : 100 * (gain / total)
    }
}
