/// Where the engine's prices come from: the synthetic market, or recorded bars replayed.
public protocol MarketSource: Sendable {
    /// The instruments it quotes.
    var tickers: [String] { get }
    /// The next tick of every instrument that still moves; nil once the data is exhausted.
    mutating func advance() -> [Tick]?
}

extension SyntheticFeed: MarketSource {
    public var tickers: [String] { instruments.map(\.ticker) }
    public mutating func advance() -> [Tick]? { next() }
}

/// Several OHLCV files replayed side by side, one tick of each per step (four per bar: open, the two extremes,
/// close), until the longest is exhausted.
public struct ReplayMarket: MarketSource {
    public let tickers: [String]
    private var remaining: [[Tick]]
    private var position = 0

    public init(_ feeds: [CSVReplayFeed]) {
        tickers = feeds.map(\.ticker)
        remaining = feeds.map { feed in
            var feed = feed
            var ticks: [Tick] = []
            while let bar = feed.next() { ticks += bar }
            return ticks
        }
    }

    public mutating func advance() -> [Tick]? {
        let ticks = remaining.compactMap { $0.indices.contains(position) ? $0[position] : nil }
        guard !ticks.isEmpty else { return nil }
        position += 1
        return ticks
    }
}
