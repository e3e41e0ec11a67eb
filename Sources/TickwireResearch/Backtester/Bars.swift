/// OHLCV bars as columns of contiguous `Double`s (times as epoch milliseconds), the layout the backtester's inner
/// loop and the indicators read without allocating.
public struct Bars: Sendable, Equatable {
    public var times: [Int64]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    public var volume: [Double]

    public init(
        times: [Int64], open: [Double], high: [Double], low: [Double], close: [Double], volume: [Double]? = nil
    ) {
        self.times = times
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume ?? [Double](repeating: 0, count: times.count)
    }

    public var count: Int { times.count }

    /// The bars from index `range` (for `from` / `to` windows).
    public func slice(_ range: Range<Int>) -> Bars {
        Bars(
            times: Array(times[range]), open: Array(open[range]), high: Array(high[range]), low: Array(low[range]),
            close: Array(close[range]), volume: Array(volume[range]))
    }

    /// The bars whose time lies in `from ... to` (either bound optional).
    public func between(from: Int64?, to: Int64?) -> Bars {
        let first = from.map { bound in times.firstIndex { $0 >= bound } ?? count } ?? 0
        let last = to.map { bound in (times.lastIndex { $0 <= bound } ?? -1) + 1 } ?? count
        return slice(first..<max(first, last))
    }
}
