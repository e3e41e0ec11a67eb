import TickwireModel

/// A deterministic synthetic market: each ticker follows geometric Brownian motion,
/// `S(t+dt) = S(t) · exp((μ − σ²/2)·dt + σ·√dt·Z)`, with its own drift μ and volatility σ (both annualized) and
/// `Z` drawn from one seeded generator. The same seed, tickers and step give the same prices, tick for tick.
public struct SyntheticFeed: Sendable {
    public struct Instrument: Sendable, Equatable {
        public var ticker: String
        public var startPrice: Double
        /// Annualized volatility, e.g. 0.6 for a volatile crypto pair.
        public var volatility: Double
        /// Annualized drift.
        public var drift: Double

        public init(ticker: String, startPrice: Double, volatility: Double = 0.5, drift: Double = 0) {
            self.ticker = ticker
            self.startPrice = startPrice
            self.volatility = volatility
            self.drift = drift
        }
    }

    static let secondsPerYear = 365.25 * 86400

    public let instruments: [Instrument]
    /// Simulated time between ticks.
    public let step: Duration
    private var generator: SeededGenerator
    private var prices: [Double]
    private var time: Timestamp

    public init(instruments: [Instrument], step: Duration, seed: UInt64, start: Timestamp) throws(ValidationError) {
        guard !instruments.isEmpty else { throw ValidationError("instruments", "must not be empty") }
        for instrument in instruments {
            guard instrument.startPrice > 0, instrument.startPrice.isFinite else {
                throw ValidationError("start_price", "must be a positive number (\(instrument.ticker))")
            }
            guard instrument.volatility >= 0, instrument.volatility <= 10 else {
                throw ValidationError("volatility", "must be between 0 and 10 (\(instrument.ticker))")
            }
        }
        guard step > .zero else { throw ValidationError("step", "must be positive") }
        self.instruments = instruments
        self.step = step
        self.generator = SeededGenerator(seed: seed)
        self.prices = instruments.map(\.startPrice)
        self.time = start
    }

    /// The next tick of every instrument, in instrument order.
    public mutating func next() -> [Tick] {
        let (seconds, attoseconds) = step.components
        let stepSeconds = Double(seconds) + Double(attoseconds) / 1e18
        let dt = stepSeconds / Self.secondsPerYear
        time = Timestamp(milliseconds: time.milliseconds &+ step.milliseconds)
        var ticks: [Tick] = []
        ticks.reserveCapacity(instruments.count)
        for (index, instrument) in instruments.enumerated() {
            let sigma = instrument.volatility
            let z = generator.nextGaussian()
            let exponent = (instrument.drift - sigma * sigma / 2) * dt + sigma * dt.squareRoot() * z
            prices[index] *= _exp(exponent)
            let volume = (generator.nextUnit() * 100).rounded() / 10
            ticks.append(
                Tick(ticker: instrument.ticker, price: Self.round(prices[index]), volume: volume, timestamp: time))
        }
        return ticks
    }

    /// Prices to 8 significant digits: what an exchange would quote, and stable to print and compare.
    static func round(_ price: Double) -> Double {
        guard price > 0 else { return price }
        var magnitude = 1.0
        while price * magnitude < 1e7 { magnitude *= 10 }
        while price * magnitude >= 1e8 { magnitude /= 10 }
        return (price * magnitude).rounded() / magnitude
    }

    /// `count` synthetic tickers (`SYN000`…) with prices spread from 10 to 500 and volatilities from 0.2 to 0.8,
    /// chosen from `seed`: the intraday universe.
    public static func universe(count: Int, seed: UInt64) -> [Instrument] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let digits = String(index)
            let ticker = "SYN" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
            return Instrument(
                ticker: ticker, startPrice: round(10 + generator.nextUnit() * 490),
                volatility: 0.2 + generator.nextUnit() * 0.6, drift: (generator.nextUnit() - 0.5) * 0.2)
        }
    }
}
