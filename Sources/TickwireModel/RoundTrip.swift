/// A round-trip trade: a bot's position from flat to flat in one direction, built from its fills. Scaling in adds to
/// the trade (the entry price is the fills' weighted average), a partial exit realizes part of it against the average
/// entry at that moment (as `Position` does), and a fill that crosses zero closes the trade with the part that
/// flattens it and opens the next, in the other direction, with the rest. Each fill's fee is shared between the
/// trades it touched in proportion to quantity.
public struct RoundTrip: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable {
        case long, short
    }

    /// The id of the trade's first fill: unique, and increasing with the time a trade opened.
    public var id: Int64
    public var botId: Int64
    public var ticker: String
    public var exchange: String
    public var direction: Direction
    public var isOpen: Bool
    public var openedAt: Timestamp
    public var closedAt: Timestamp?
    /// Everything bought (long) or sold short over the trade's life.
    public var size: Double
    /// What is still open (0 once closed).
    public var openQuantity: Double
    public var entryPrice: Double
    /// The weighted average of the exits so far (nil before the first).
    public var exitPrice: Double?
    /// Realized on what was exited, before fees.
    public var grossPnl: Double
    public var fees: Double
    /// Realized minus fees.
    public var pnl: Double
    /// `pnl` over what the entries cost, in percent.
    public var returnPct: Double
    /// Seconds from the first fill to the last exit (or to the last fill while open).
    public var durationSeconds: Double
    public var fillCount: Int

    enum CodingKeys: String, CodingKey {
        case id, ticker, exchange, direction, size, fees, pnl
        case botId = "bot_id"
        case isOpen = "is_open"
        case openedAt = "opened_at"
        case closedAt = "closed_at"
        case openQuantity = "open_quantity"
        case entryPrice = "entry_price"
        case exitPrice = "exit_price"
        case grossPnl = "gross_pnl"
        case returnPct = "return_pct"
        case durationSeconds = "duration_seconds"
        case fillCount = "fill_count"
    }
}

public enum RoundTrips {
    /// The trades of one bot's fills, oldest first. `fills` must be that bot's, in the order they happened.
    public static func group(_ fills: [Fill], ticker: String, exchange: String) -> [RoundTrip] {
        var trades: [RoundTrip] = []
        var open: Builder?
        for fill in fills where fill.quantity > 0 && fill.quantity.isFinite && fill.price.isFinite {
            let feePerUnit = fill.fee.isFinite ? fill.fee / fill.quantity : 0
            let direction: RoundTrip.Direction = fill.side == .buy ? .long : .short
            var remaining = fill.quantity
            while remaining > tolerance(fill.quantity) {
                guard var trade = open else {
                    open = Builder(fill, direction: direction, quantity: remaining, feePerUnit: feePerUnit)
                    remaining = 0
                    break
                }
                if trade.direction == direction {
                    trade.enter(fill, quantity: remaining, feePerUnit: feePerUnit)
                    open = trade
                    remaining = 0
                    break
                }
                let closing = min(remaining, trade.openQuantity)
                trade.exit(fill, quantity: closing, feePerUnit: feePerUnit)
                remaining -= closing
                if trade.openQuantity <= tolerance(trade.size) {
                    trades.append(trade.trade(botId: fill.botId, ticker: ticker, exchange: exchange, closed: true))
                    open = nil
                } else {
                    open = trade
                }
            }
        }
        if let open, let last = fills.last {
            trades.append(open.trade(botId: last.botId, ticker: ticker, exchange: exchange, closed: false))
        }
        return trades
    }

    /// Quantities this close to zero are zero (floating-point dust of partial fills).
    static func tolerance(_ scale: Double) -> Double { max(abs(scale), 1) * 1e-9 }

    struct Builder {
        let id: Int64
        let direction: RoundTrip.Direction
        let openedAt: Timestamp
        var lastAt: Timestamp
        var size = 0.0
        var entryCost = 0.0
        var openQuantity = 0.0
        var averageEntry = 0.0
        var exited = 0.0
        var exitProceeds = 0.0
        var gross = 0.0
        var fees = 0.0
        var fillIds: Set<Int64> = []

        init(_ fill: Fill, direction: RoundTrip.Direction, quantity: Double, feePerUnit: Double) {
            id = fill.id
            self.direction = direction
            openedAt = fill.timestamp
            lastAt = fill.timestamp
            enter(fill, quantity: quantity, feePerUnit: feePerUnit)
        }

        mutating func enter(_ fill: Fill, quantity: Double, feePerUnit: Double) {
            averageEntry = (averageEntry * openQuantity + fill.price * quantity) / (openQuantity + quantity)
            openQuantity += quantity
            size += quantity
            entryCost += fill.price * quantity
            fees += feePerUnit * quantity
            note(fill)
        }

        mutating func exit(_ fill: Fill, quantity: Double, feePerUnit: Double) {
            let sign: Double = direction == .long ? 1 : -1
            gross += (fill.price - averageEntry) * quantity * sign
            openQuantity -= quantity
            exited += quantity
            exitProceeds += fill.price * quantity
            fees += feePerUnit * quantity
            note(fill)
        }

        mutating func note(_ fill: Fill) {
            lastAt = fill.timestamp
            fillIds.insert(fill.id)
        }

        func trade(botId: Int64, ticker: String, exchange: String, closed: Bool) -> RoundTrip {
            let pnl = gross - fees
            return RoundTrip(
                id: id, botId: botId, ticker: ticker, exchange: exchange, direction: direction, isOpen: !closed,
                openedAt: openedAt, closedAt: closed ? lastAt : nil, size: size,
                openQuantity: closed ? 0 : openQuantity, entryPrice: size > 0 ? entryCost / size : 0,
                exitPrice: exited > 0 ? exitProceeds / exited : nil, grossPnl: gross, fees: fees, pnl: pnl,
                returnPct: entryCost > 0 ? pnl / entryCost * 100 : 0,
                durationSeconds: (Double(lastAt.milliseconds) - Double(openedAt.milliseconds)) / 1000,
                fillCount: fillIds.count)
        }
    }
}

/// Which trades a list returns.
public struct TradeFilter: Sendable, Equatable {
    public var botId: Int64?
    public var ticker: String?
    /// Only open (true) or only closed (false) trades.
    public var isOpen: Bool?
    /// Only trades opened at or after this moment.
    public var from: Timestamp?
    public var ownerId: Int64?

    public init(
        botId: Int64? = nil, ticker: String? = nil, isOpen: Bool? = nil, from: Timestamp? = nil, ownerId: Int64? = nil
    ) {
        self.botId = botId
        self.ticker = ticker
        self.isOpen = isOpen
        self.from = from
        self.ownerId = ownerId
    }
}

/// A trade opening or closing, as a fill tells it (`trade_opened`, `trade_closed` on `orders`): the position left
/// flat (or crossed zero), or a flat position took a side.
public struct TradeChange: Codable, Sendable, Equatable {
    public var botId: Int64
    public var ticker: String
    public var exchange: String
    public var direction: RoundTrip.Direction
    /// Opened: the position taken; closed: what was closed.
    public var quantity: Double
    public var price: Double
    /// Closed: what this fill realized, before fees.
    public var realizedPnl: Double?
    public var timestamp: Timestamp

    enum CodingKeys: String, CodingKey {
        case ticker, exchange, direction, quantity, price, timestamp
        case botId = "bot_id"
        case realizedPnl = "realized_pnl"
    }

    static func events(bot: Bot, before: Position, after: Position, price: Double, at now: Timestamp)
        -> [EventDraft]
    {
        var events: [EventDraft] = []
        let direction = { (quantity: Double) -> RoundTrip.Direction in quantity > 0 ? .long : .short }
        let crossed = before.quantity != 0 && (after.quantity == 0 || (before.quantity > 0) != (after.quantity > 0))
        if crossed {
            let closed = TradeChange(
                botId: bot.id, ticker: bot.ticker, exchange: bot.exchange, direction: direction(before.quantity),
                quantity: abs(before.quantity), price: price, realizedPnl: after.realizedPnl - before.realizedPnl,
                timestamp: now)
            events.append(.trade(.tradeClosed, closed, bot: bot))
        }
        if after.quantity != 0, before.quantity == 0 || crossed {
            let opened = TradeChange(
                botId: bot.id, ticker: bot.ticker, exchange: bot.exchange, direction: direction(after.quantity),
                quantity: abs(after.quantity), price: price, realizedPnl: nil, timestamp: now)
            events.append(.trade(.tradeOpened, opened, bot: bot))
        }
        return events
    }
}

extension EventType {
    public static let tradeOpened = EventType(rawValue: "trade_opened")
    public static let tradeClosed = EventType(rawValue: "trade_closed")
}

extension EventDraft {
    static func trade(_ type: EventType, _ change: TradeChange, bot: Bot) -> EventDraft {
        EventDraft(
            topic: .orders, type: type, data: JSONCoding.encodeToString(change), botId: bot.id, ticker: bot.ticker,
            ownerId: bot.ownerId)
    }
}
