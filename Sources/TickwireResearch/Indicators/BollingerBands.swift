/// Bollinger Bands: a simple moving average and bands `deviations` population standard deviations above and
/// below it, with TA-Lib's running sums of values and squares.
public struct BollingerBands: Sendable {
    public struct Value: Sendable, Equatable {
        public var upper: Double
        public var middle: Double
        public var lower: Double
    }

    public let period: Int
    public let deviationsUp: Double
    public let deviationsDown: Double
    private var average: SMA
    private var squares: Window
    private var squareTotal = 0.0

    public init(period: Int = 20, deviationsUp: Double = 2, deviationsDown: Double = 2) {
        self.period = max(1, period)
        self.deviationsUp = deviationsUp
        self.deviationsDown = deviationsDown
        average = SMA(period: self.period)
        squares = Window(capacity: self.period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ value: Double) -> Value? {
        let square = value * value
        squareTotal += square
        squares.append(square)
        guard let middle = average.update(value) else { return nil }
        var meanOfSquares = squareTotal / Double(period)
        squareTotal -= squares.oldest
        meanOfSquares -= middle * middle
        let deviation = meanOfSquares > 0.00000001 ? meanOfSquares.squareRoot() : 0
        if deviationsUp == deviationsDown {
            let width = deviationsUp == 1 ? deviation : deviation * deviationsUp
            return Value(upper: middle + width, middle: middle, lower: middle - width)
        }
        let up = deviationsUp == 1 ? deviation : deviation * deviationsUp
        let down = deviationsDown == 1 ? deviation : deviation * deviationsDown
        return Value(upper: middle + up, middle: middle, lower: middle - down)
    }

    public static func batch(_ values: [Double], period: Int = 20, deviationsUp: Double = 2, deviationsDown: Double = 2)
        -> (upper: [Double], middle: [Double], lower: [Double])
    {
        var indicator = BollingerBands(period: period, deviationsUp: deviationsUp, deviationsDown: deviationsDown)
        var upper = [Double](repeating: .nan, count: values.count)
        var middle = upper
        var lower = upper
        for index in values.indices {
            guard let value = indicator.update(values[index]) else { continue }
            upper[index] = value.upper
            middle[index] = value.middle
            lower[index] = value.lower
        }
        return (upper, middle, lower)
    }
}

/// Rolling population standard deviation (TA-Lib's STDDEV): running sums of values and of squares.
public struct RollingStandardDeviation: StreamingIndicator {
    public let period: Int
    public let deviations: Double
    private var window: Window
    private var total = 0.0
    private var squareTotal = 0.0

    public init(period: Int, deviations: Double = 1) {
        self.period = max(1, period)
        self.deviations = deviations
        window = Window(capacity: self.period)
    }

    public var lookback: Int { period - 1 }

    public mutating func update(_ value: Double) -> Double? {
        total += value
        squareTotal += value * value
        window.append(value)
        guard window.isFull else { return nil }
        let mean = total / Double(period)
        let meanOfSquares = squareTotal / Double(period)
        let trailing = window.oldest
        total -= trailing
        squareTotal -= trailing * trailing
        let variance = meanOfSquares - mean * mean
        guard variance > 0.00000001 else { return 0 }
        let deviation = variance.squareRoot()
        return deviations == 1 ? deviation : deviation * deviations
    }
}
