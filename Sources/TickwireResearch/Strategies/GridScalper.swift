import TickwireModel

/// A grid scalper: lines every `spacing` (a fraction, 0.005 = 0.5 %) above and below the first price, `levels` on
/// each side. Each line crossed downward is a buy, upward a sell: it buys dips and sells the bounce.
public struct GridScalper: Strategy {
    public let spacing: Double
    public let levels: Int
    private var reference: Double?
    private var level = 0

    public init(spacing: Double, levels: Int) throws(ValidationError) {
        self.spacing = spacing
        self.levels = levels
    }

    /// The grid line at or below `price`, clamped to the grid.
    func line(of price: Double, reference: Double) -> Int {
        let raw = (_log(price / reference) / _log(1 + spacing)).rounded(.down)
        guard !raw.isNaN else { return 0 }
        // Clamped as a Double first: a price far off the reference gives an infinite or huge line number.
        return Int(exactly: Swift.min(Double(levels), Swift.max(-Double(levels), raw))) ?? 0
    }

    /// The first price is the grid's reference: a signal can come from the second.
    public var warmupBars: Int { 0 }

    public mutating func onPrice(_ price: Double) -> Signal? {
        guard let reference else {
            self.reference = price
            return nil
        }
        let current = line(of: price, reference: reference)
        defer { level = current }
        // Band `b` lies between lines `b` and `b + 1`: moving down from band `level` to `current` crossed line
        // `current + 1`, moving up crossed line `current`. One signal per price, however many lines it crossed.
        if current < level {
            return Signal(.buy, "price \(price) crossed down through grid line \(percent(current + 1))")
        }
        if current > level {
            return Signal(.sell, "price \(price) crossed up through grid line \(percent(current))")
        }
        return nil
    }

    /// A line as its distance from the reference, `+1.0%`.
    private func percent(_ line: Int) -> String {
        let value = (spacing * Double(line) * 10_000).rounded() / 100
        return (value >= 0 ? "+" : "") + String(value) + "%"
    }
}
