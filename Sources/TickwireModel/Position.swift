/// A bot's net position, kept by the average-cost method: buys and sells in the direction of the position move the
/// average entry price; trades against it realize PnL at the difference to that average.
///
/// It also keeps the bot's running headline figures, so a list of bots shows them without reading any history:
/// the round trips closed and won (as `RoundTrips` groups fills: a fill's fee is shared between the trades it
/// touched by quantity), and the peak of its equity history with the deepest drawdown from it, which the store
/// updates each time it adds an equity point.
public struct Position: Codable, Sendable, Equatable {
    public var botId: Int64
    /// Signed: positive is long, negative is short.
    public var quantity: Double
    public var avgEntryPrice: Double
    public var realizedPnl: Double
    public var fees: Double
    public var updatedAt: Timestamp
    public var closedTrades: Int
    public var winningTrades: Int
    /// What the open trade has realized so far, minus its share of fees.
    public var tradePnl: Double
    /// The highest equity point so far (0 before the first).
    public var peakEquity: Double
    /// The deepest fall of an equity point below the peak before it, in percent.
    public var maxDrawdownPct: Double

    public init(
        botId: Int64, quantity: Double = 0, avgEntryPrice: Double = 0, realizedPnl: Double = 0, fees: Double = 0,
        updatedAt: Timestamp, closedTrades: Int = 0, winningTrades: Int = 0, tradePnl: Double = 0,
        peakEquity: Double = 0, maxDrawdownPct: Double = 0
    ) {
        self.botId = botId
        self.quantity = quantity
        self.avgEntryPrice = avgEntryPrice
        self.realizedPnl = realizedPnl
        self.fees = fees
        self.updatedAt = updatedAt
        self.closedTrades = closedTrades
        self.winningTrades = winningTrades
        self.tradePnl = tradePnl
        self.peakEquity = peakEquity
        self.maxDrawdownPct = maxDrawdownPct
    }

    enum CodingKeys: String, CodingKey {
        case quantity, fees
        case botId = "bot_id"
        case avgEntryPrice = "avg_entry_price"
        case realizedPnl = "realized_pnl"
        case updatedAt = "updated_at"
        case closedTrades = "closed_trades"
        case winningTrades = "winning_trades"
        case tradePnl = "trade_pnl"
        case peakEquity = "peak_equity"
        case maxDrawdownPct = "max_drawdown_pct"
    }

    public static func flat(botId: Int64, at time: Timestamp) -> Position {
        Position(botId: botId, updatedAt: time)
    }

    public func applying(side: OrderSide, quantity fillQuantity: Double, price: Double, fee: Double, at time: Timestamp)
        -> Position
    {
        var next = self
        let signed = side.sign * fillQuantity
        next.fees += fee
        next.updatedAt = time

        if quantity == 0 || (quantity > 0) == (signed > 0) {
            let total = abs(quantity) + fillQuantity
            next.avgEntryPrice = (abs(quantity) * avgEntryPrice + fillQuantity * price) / total
            next.quantity = quantity + signed
            next.tradePnl = (quantity == 0 ? 0 : tradePnl) - fee
            return next
        }

        let closing = min(fillQuantity, abs(quantity))
        let closingFee = fillQuantity > 0 ? fee * closing / fillQuantity : fee
        let direction: Double = quantity > 0 ? 1 : -1
        let realized = closing * (price - avgEntryPrice) * direction
        next.realizedPnl += realized
        next.tradePnl += realized - closingFee
        next.quantity = quantity + signed
        let flipped = fillQuantity > abs(quantity) && abs(next.quantity) >= 1e-12
        if abs(next.quantity) < 1e-12 || flipped {
            next.closedTrades += 1
            if next.tradePnl > 0 { next.winningTrades += 1 }
            next.tradePnl = flipped ? closingFee - fee : 0
        }
        if abs(next.quantity) < 1e-12 {
            next.quantity = 0
            next.avgEntryPrice = 0
        } else if flipped {
            // The fill flipped the position: what is left was opened at this fill's price.
            next.avgEntryPrice = price
        }
        return next
    }

    public func unrealizedPnl(at lastPrice: Double?) -> Double {
        guard let lastPrice, quantity != 0 else { return 0 }
        return (lastPrice - avgEntryPrice) * quantity
    }
}

/// What `GET /bots/{id}/pnl` answers and `pnl_update` carries.
public struct BotPnL: Codable, Sendable, Equatable {
    public var botId: Int64
    public var ticker: String
    public var exchange: String
    public var positionQuantity: Double
    public var avgEntryPrice: Double
    public var lastPrice: Double?
    public var realizedPnl: Double
    public var unrealizedPnl: Double
    public var fees: Double
    /// realized + unrealized - fees
    public var totalPnl: Double
    /// The bot's paper account: `config.cash` (default 100,000) to start with, plus realized PnL, minus fees and
    /// what the open position cost (a short adds its proceeds).
    public var startingCash: Double
    public var cash: Double
    /// cash + position at the last price: starting cash + total PnL.
    public var equity: Double
    /// Total PnL over starting cash, in percent.
    public var returnPct: Double
    /// The deepest drawdown of the equity history so far, counting the equity now.
    public var maxDrawdownPct: Double
    /// Round trips closed, and the share of them that made money (absent before the first).
    public var tradeCount: Int
    public var winRatePct: Double?
    public var updatedAt: Timestamp

    public static let defaultStartingCash = 100_000.0

    /// `config.cash` when it is a number of at least 0, else `defaultStartingCash`.
    public static func startingCash(of bot: Bot) -> Double {
        if case .number(let cash)? = bot.config["cash"], cash.isFinite, cash >= 0 { return cash }
        return defaultStartingCash
    }

    public init(bot: Bot, position: Position, lastPrice: Double?) {
        let unrealized = position.unrealizedPnl(at: lastPrice)
        self.botId = bot.id
        self.ticker = bot.ticker
        self.exchange = bot.exchange
        self.positionQuantity = position.quantity
        self.avgEntryPrice = position.avgEntryPrice
        self.lastPrice = lastPrice
        self.realizedPnl = position.realizedPnl
        self.unrealizedPnl = unrealized
        self.fees = position.fees
        self.totalPnl = position.realizedPnl + unrealized - position.fees
        self.startingCash = Self.startingCash(of: bot)
        self.cash = startingCash + position.realizedPnl - position.fees - position.quantity * position.avgEntryPrice
        self.equity = startingCash + totalPnl
        self.returnPct = startingCash > 0 ? 100 * totalPnl / startingCash : 0
        let drawdownNow = position.peakEquity > 0 ? 100 * (1 - equity / position.peakEquity) : 0
        self.maxDrawdownPct = max(position.maxDrawdownPct, drawdownNow.isFinite ? drawdownNow : 0)
        self.tradeCount = position.closedTrades
        self.winRatePct =
            position.closedTrades > 0 ? 100 * Double(position.winningTrades) / Double(position.closedTrades) : nil
        self.updatedAt = position.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case ticker, exchange, fees
        case botId = "bot_id"
        case positionQuantity = "position_quantity"
        case avgEntryPrice = "avg_entry_price"
        case lastPrice = "last_price"
        case realizedPnl = "realized_pnl"
        case unrealizedPnl = "unrealized_pnl"
        case totalPnl = "total_pnl"
        case startingCash = "starting_cash"
        case cash, equity
        case returnPct = "return_pct"
        case maxDrawdownPct = "max_drawdown_pct"
        case tradeCount = "trade_count"
        case winRatePct = "win_rate_pct"
        case updatedAt = "updated_at"
    }
}
