public enum OrderSide: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case buy, sell

    /// +1 for a buy, -1 for a sell: the sign a fill of this side gives to a position change.
    public var sign: Double { self == .buy ? 1 : -1 }
}

public enum OrderType: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case market, limit
}

public enum OrderStatus: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case new = "NEW"
    case partiallyFilled = "PARTIALLY_FILLED"
    case filled = "FILLED"
    case canceled = "CANCELED"
    case rejected = "REJECTED"

    public var isTerminal: Bool { self == .filled || self == .canceled || self == .rejected }

    /// The legal lifecycle: NEW -> PARTIALLY_FILLED* -> FILLED, and NEW/PARTIALLY_FILLED -> CANCELED;
    /// only a NEW order can be REJECTED (an exchange rejects before it fills anything).
    public func canTransition(to next: OrderStatus) -> Bool {
        switch (self, next) {
        case (.new, .partiallyFilled), (.new, .filled), (.new, .canceled), (.new, .rejected): true
        case (.partiallyFilled, .partiallyFilled), (.partiallyFilled, .filled), (.partiallyFilled, .canceled): true
        default: false
        }
    }
}

public struct Order: Codable, Sendable, Equatable {
    public var id: Int64
    public var botId: Int64
    public var exchangeOrderId: String?
    public var side: OrderSide
    public var type: OrderType
    public var quantity: Double
    public var price: Double?
    public var status: OrderStatus
    public var filledQuantity: Double
    public var avgFillPrice: Double?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Int64, botId: Int64, exchangeOrderId: String?, side: OrderSide, type: OrderType, quantity: Double,
        price: Double?, status: OrderStatus, filledQuantity: Double, avgFillPrice: Double?, createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.botId = botId
        self.exchangeOrderId = exchangeOrderId
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.status = status
        self.filledQuantity = filledQuantity
        self.avgFillPrice = avgFillPrice
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, side, type, quantity, price, status
        case botId = "bot_id"
        case exchangeOrderId = "exchange_order_id"
        case filledQuantity = "filled_quantity"
        case avgFillPrice = "avg_fill_price"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public var remainingQuantity: Double { max(0, quantity - filledQuantity) }
}

/// Body of `POST /bots/{id}/orders`.
public struct NewOrder: Codable, Sendable, Equatable {
    public var side: OrderSide
    public var type: OrderType
    public var quantity: Double
    public var price: Double?
    public var exchangeOrderId: String?

    public init(
        side: OrderSide, type: OrderType, quantity: Double, price: Double? = nil, exchangeOrderId: String? = nil
    ) {
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.exchangeOrderId = exchangeOrderId
    }

    enum CodingKeys: String, CodingKey {
        case side, type, quantity, price
        case exchangeOrderId = "exchange_order_id"
    }

    public func validate() throws(ValidationError) {
        try Check.positive(quantity, "quantity")
        if let price { try Check.positive(price, "price") }
        if type == .limit, price == nil { throw ValidationError("price", "is required for a limit order") }
        if let exchangeOrderId { try Check.nonEmpty(exchangeOrderId, "exchange_order_id", maxLength: 120) }
    }
}

/// One execution against an order.
public struct FillRequest: Codable, Sendable, Equatable {
    public var quantity: Double
    public var price: Double
    public var fee: Double?

    public init(quantity: Double, price: Double, fee: Double? = nil) {
        self.quantity = quantity
        self.price = price
        self.fee = fee
    }

    public func validate() throws(ValidationError) {
        try Check.positive(quantity, "fill.quantity")
        try Check.positive(price, "fill.price")
        if let fee { try Check.nonNegative(fee, "fill.fee") }
    }
}

/// Body of `PATCH /orders/{id}`.
///
/// A fill moves the order to PARTIALLY_FILLED or FILLED by itself; `status` is for the transitions that carry no
/// execution (CANCELED, REJECTED). Asking for FILLED together with a fill checks that the fill completes the order.
public struct OrderPatch: Codable, Sendable, Equatable {
    public var status: OrderStatus?
    public var fill: FillRequest?
    public var exchangeOrderId: String?

    public init(status: OrderStatus? = nil, fill: FillRequest? = nil, exchangeOrderId: String? = nil) {
        self.status = status
        self.fill = fill
        self.exchangeOrderId = exchangeOrderId
    }

    enum CodingKeys: String, CodingKey {
        case status, fill
        case exchangeOrderId = "exchange_order_id"
    }

    public func validate() throws(ValidationError) {
        if status == nil, fill == nil, exchangeOrderId == nil {
            throw ValidationError("body", "give at least one of status, fill, exchange_order_id")
        }
        try fill?.validate()
        if let exchangeOrderId { try Check.nonEmpty(exchangeOrderId, "exchange_order_id", maxLength: 120) }
        if fill == nil, let status, status != .canceled, status != .rejected {
            throw ValidationError(
                "status", "only CANCELED or REJECTED can be set without a fill, not \(status.rawValue)")
        }
        if fill != nil, let status, status != .filled, status != .partiallyFilled {
            throw ValidationError("status", "a fill can only be combined with PARTIALLY_FILLED or FILLED")
        }
    }
}

/// The result of applying a patch: the updated order and, when the patch carried one, the recorded fill.
public struct OrderTransition: Sendable, Equatable {
    public var order: Order
    public var fill: FillRequest?
}

public struct OrderFilter: Sendable, Equatable {
    public var botId: Int64?
    public var status: OrderStatus?
    /// Only orders of this user's bots.
    public var ownerId: Int64?

    public init(botId: Int64? = nil, status: OrderStatus? = nil, ownerId: Int64? = nil) {
        self.botId = botId
        self.status = status
        self.ownerId = ownerId
    }
}
