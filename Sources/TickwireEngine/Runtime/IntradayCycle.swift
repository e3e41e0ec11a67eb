import TickwireModel

/// The intraday signal cycle (seeds 000 and 002): each cycle advances a universe of synthetic symbols and scores
/// each by its momentum over the last `window` prices, in units of its own volatility. Scores above +0.5 are BUY,
/// below −0.5 SELL; confidence is |score| / 3, capped at 0.99. The snapshot lists the signals strongest first,
/// at most `limit` of them.
public struct IntradayCycle: Sendable {
    public static let window = 20

    public let limit: Int
    private var feed: SyntheticFeed
    private var history: [String: [Double]] = [:]

    public init(universeSize: Int, limit: Int, seed: UInt64, step: Duration, start: Timestamp) throws(ValidationError) {
        guard universeSize > 0 else { throw ValidationError("universe_size", "must be positive") }
        guard limit > 0 else { throw ValidationError("intraday_limit", "must be positive") }
        self.limit = limit
        self.feed = try SyntheticFeed(
            instruments: SyntheticFeed.universe(count: universeSize, seed: seed), step: step, seed: seed, start: start)
        for _ in 0..<Self.window { advance() }
    }

    private mutating func advance() {
        for tick in feed.next() {
            var prices = history[tick.ticker] ?? []
            prices.append(tick.price)
            if prices.count > Self.window + 1 { prices.removeFirst() }
            history[tick.ticker] = prices
        }
    }

    /// Scores of every symbol now: (ticker, score, price).
    func scores() -> [(ticker: String, score: Double, price: Double)] {
        history.compactMap { ticker, prices in
            guard prices.count >= 3, let first = prices.first, let last = prices.last else { return nil }
            var returns: [Double] = []
            for index in prices.indices.dropFirst() { returns.append(_log(prices[index] / prices[index - 1])) }
            let mean = returns.reduce(0, +) / Double(returns.count)
            let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count - 1)
            let spread = variance.squareRoot() * Double(returns.count).squareRoot()
            guard spread > 0 else { return nil }
            return (ticker, _log(last / first) / spread, last)
        }
    }

    /// Advances one cycle and returns the snapshot's `data`.
    public mutating func next() -> [String: JSONValue] {
        advance()
        let ranked = scores().filter { abs($0.score) > 0.5 }.sorted {
            abs($0.score) != abs($1.score) ? abs($0.score) > abs($1.score) : $0.ticker < $1.ticker
        }
        let signals = ranked.prefix(limit).map { entry -> JSONValue in
            .object([
                "ticker": .string(entry.ticker),
                "action": .string(entry.score > 0 ? "BUY" : "SELL"),
                "confidence": .number((min(0.99, abs(entry.score) / 3) * 100).rounded() / 100),
                "score": .number((entry.score * 1000).rounded() / 1000),
                "price": .number(entry.price),
            ])
        }
        return [
            "universe": .number(Double(history.count)),
            "buy": .number(Double(ranked.filter { $0.score > 0 }.count)),
            "sell": .number(Double(ranked.filter { $0.score < 0 }.count)),
            "signals": .array(Array(signals)),
        ]
    }
}
