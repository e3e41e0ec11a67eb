/// Placing an order, and each change reported for it: a status, an exchange id, a fill. A fill moves the bot's
/// position and with it the bot's PnL.
public enum OrderCommands {
    /// Fills may leave a rounding residue; anything this close to the order's quantity counts as complete.
    static let quantityTolerance = 1e-9

    public static func create(_ new: NewOrder, botId: Int64, at now: Timestamp) -> Creation<Order, Int64> {
        let row = Order(
            id: 0, botId: botId, exchangeOrderId: new.exchangeOrderId, side: new.side, type: new.type,
            quantity: new.quantity, price: new.price, status: .new, filledQuantity: 0, avgFillPrice: nil,
            createdAt: now, updatedAt: now)
        return Creation(row: row) { id in
            var order = row
            order.id = id
            return Decision(order, events: [.orderUpdate(order)])
        }
    }

    /// The order after `patch`; when the patch carries a fill, `settle` decides what the fill does.
    public static func update(_ current: Order, _ patch: OrderPatch, at now: Timestamp) throws(CommandConflict)
        -> OrderTransition
    {
        var order = current
        if let exchangeOrderId = patch.exchangeOrderId { order.exchangeOrderId = exchangeOrderId }

        if let fill = patch.fill {
            guard current.status == .new || current.status == .partiallyFilled else {
                throw CommandConflict("order \(current.id) is \(current.status.rawValue) and cannot be filled")
            }
            let filled = current.filledQuantity + fill.quantity
            guard filled <= current.quantity + quantityTolerance else {
                throw CommandConflict(
                    "fill of \(fill.quantity) exceeds the remaining quantity \(current.remainingQuantity) of order \(current.id)"
                )
            }
            let complete = filled >= current.quantity - quantityTolerance
            if patch.status == .filled, !complete {
                throw CommandConflict("fill of \(fill.quantity) does not complete order \(current.id)")
            }
            if patch.status == .partiallyFilled, complete {
                throw CommandConflict("fill of \(fill.quantity) completes order \(current.id), which is then FILLED")
            }
            order.avgFillPrice =
                ((current.avgFillPrice ?? 0) * current.filledQuantity + fill.price * fill.quantity) / filled
            order.filledQuantity = complete ? current.quantity : filled
            order.status = complete ? .filled : .partiallyFilled
        } else if let next = patch.status, next != current.status {
            guard current.status.canTransition(to: next) else {
                throw CommandConflict(
                    "order \(current.id) cannot go from \(current.status.rawValue) to \(next.rawValue)")
            }
            order.status = next
        } else if let next = patch.status, next == current.status {
            throw CommandConflict("order \(current.id) is already \(current.status.rawValue)")
        }
        order.updatedAt = now
        return OrderTransition(order: order, fill: patch.fill)
    }

    /// What a fill of `transition` does to its bot's `position`, priced at the instrument's `lastPrice`.
    public static func settle(
        _ transition: OrderTransition, bot: Bot, position: Position, lastPrice: Double?, at now: Timestamp
    ) -> Settlement? {
        guard let fill = transition.fill else { return nil }
        let order = transition.order
        let fee = fill.fee ?? 0
        let moved = position.applying(side: order.side, quantity: fill.quantity, price: fill.price, fee: fee, at: now)
        let pnl = BotPnL(bot: bot, position: moved, lastPrice: lastPrice)
        return Settlement(
            fill: Fill(
                orderId: order.id, botId: order.botId, side: order.side, quantity: fill.quantity, price: fill.price,
                fee: fee, timestamp: now),
            position: moved, pnl: pnl,
            events: [.orderFilled(order, fill: fill)]
                + TradeChange.events(bot: bot, before: position, after: moved, price: fill.price, at: now)
                + [.pnlUpdate(pnl)])
    }

    /// The events of an order change: the order as it now is, then what its fill did.
    public static func events(_ transition: OrderTransition, settlement: Settlement?) -> [EventDraft] {
        [.orderUpdate(transition.order)] + (settlement?.events ?? [])
    }

    /// A fill to record, the position it leaves, and what it tells.
    public struct Settlement: Sendable, Equatable {
        public var fill: Fill
        public var position: Position
        /// The bot's figures after the fill: a point of its equity history.
        public var pnl: BotPnL
        public var events: [EventDraft]
    }
}

/// One execution against an order, as the `fills` table keeps it.
public struct Fill: Codable, Sendable, Equatable {
    /// Assigned by the store (0 until the fill is saved).
    public var id: Int64 = 0
    public var orderId: Int64
    public var botId: Int64
    public var side: OrderSide
    public var quantity: Double
    public var price: Double
    public var fee: Double
    public var timestamp: Timestamp

    public init(
        id: Int64 = 0, orderId: Int64, botId: Int64, side: OrderSide, quantity: Double, price: Double, fee: Double,
        timestamp: Timestamp
    ) {
        self.id = id
        self.orderId = orderId
        self.botId = botId
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case id, side, quantity, price, fee, timestamp
        case orderId = "order_id"
        case botId = "bot_id"
    }
}

/// Which fills a list returns.
public struct FillFilter: Sendable, Equatable {
    public var botId: Int64?
    /// Only fills of this user's bots.
    public var ownerId: Int64?

    public init(botId: Int64? = nil, ownerId: Int64? = nil) {
        self.botId = botId
        self.ownerId = ownerId
    }
}
