import TickwireModel

/// One price observation of one instrument.
public struct Tick: Sendable, Equatable {
    public var ticker: String
    public var price: Double
    public var volume: Double
    public var timestamp: Timestamp

    public init(ticker: String, price: Double, volume: Double = 0, timestamp: Timestamp) {
        self.ticker = ticker
        self.price = price
        self.volume = volume
        self.timestamp = timestamp
    }
}
