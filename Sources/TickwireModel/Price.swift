public struct Price: Codable, Sendable, Equatable {
    public var ticker: String
    public var exchange: String
    public var price: Double
    public var timestamp: Timestamp

    public init(ticker: String, exchange: String, price: Double, timestamp: Timestamp) {
        self.ticker = ticker
        self.exchange = exchange
        self.price = price
        self.timestamp = timestamp
    }
}

/// One entry of `POST /prices`; `timestamp` defaults to the time the server receives it.
public struct NewPrice: Codable, Sendable, Equatable {
    public var ticker: String
    public var exchange: String
    public var price: Double
    public var timestamp: Timestamp?

    public init(ticker: String, exchange: String, price: Double, timestamp: Timestamp? = nil) {
        self.ticker = ticker
        self.exchange = exchange
        self.price = price
        self.timestamp = timestamp
    }

    public func validate() throws(ValidationError) {
        try Check.ticker(ticker)
        try Check.nonEmpty(exchange, "exchange", maxLength: 40)
        try Check.positive(price, "price")
    }
}

public struct PriceFilter: Sendable, Equatable {
    public var ticker: String?
    public var exchange: String?

    public init(ticker: String? = nil, exchange: String? = nil) {
        self.ticker = ticker
        self.exchange = exchange
    }
}
