/// A trade from entry to exit, as the backtester closes it and as a live bot's fills make it.
public struct ClosedTrade: Sendable, Equatable, Codable {
    /// Units; negative for a short.
    public var size: Double
    public var entryBar: Int
    public var exitBar: Int
    public var entryPrice: Double
    public var exitPrice: Double
    /// Entry and exit commission together.
    public var commission: Double
    /// Epoch milliseconds.
    public var entryTime: Int64
    public var exitTime: Int64

    public init(
        size: Double, entryBar: Int, exitBar: Int, entryPrice: Double, exitPrice: Double, commission: Double,
        entryTime: Int64, exitTime: Int64
    ) {
        self.size = size
        self.entryBar = entryBar
        self.exitBar = exitBar
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.commission = commission
        self.entryTime = entryTime
        self.exitTime = exitTime
    }

    /// Profit or loss in cash, commissions included.
    public var pnl: Double { size * (exitPrice - entryPrice) - commission }

    /// Return as a fraction of the entry value, commissions included (backtesting.py's `ReturnPct`).
    public var returnFraction: Double {
        let gross = (size < 0 ? -1.0 : 1.0) * (exitPrice / entryPrice - 1)
        return gross - commission / (abs(size) * entryPrice)
    }

    enum CodingKeys: String, CodingKey {
        case size, commission
        case entryBar = "entry_bar"
        case exitBar = "exit_bar"
        case entryPrice = "entry_price"
        case exitPrice = "exit_price"
        case entryTime = "entry_time"
        case exitTime = "exit_time"
    }
}
