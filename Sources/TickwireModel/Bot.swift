public enum BotStatus: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    /// Trades: its strategy enters and exits, its orders fill.
    case active = "ACTIVE"
    /// Manages what it holds: its strategy's exits go through, its entries do not; its orders fill.
    case stopEntries = "STOP_ENTRIES"
    /// Its strategy is not asked; its working orders still fill.
    case paused = "PAUSED"
    /// Nothing runs; its working orders wait.
    case stopped = "STOPPED"
    case error = "ERROR"

    /// `POST /bots/{id}/toggle`: ACTIVE becomes STOPPED; every other status becomes ACTIVE.
    public var toggled: BotStatus { self == .active ? .stopped : .active }

    /// Whether the paper broker fills this bot's working orders.
    public var fillsOrders: Bool { self == .active || self == .stopEntries || self == .paused }
}

public struct Bot: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var ticker: String
    public var exchange: String
    public var strategy: String
    public var config: [String: JSONValue]
    public var status: BotStatus
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// The user the bot belongs to; only they (and admins) see it, its orders, logs and PnL.
    public var ownerId: Int64?

    public static let maxConfigBytes = 16 << 10

    public init(
        id: Int64, name: String, ticker: String, exchange: String, strategy: String, config: [String: JSONValue],
        status: BotStatus, createdAt: Timestamp, updatedAt: Timestamp, ownerId: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.ticker = ticker
        self.exchange = exchange
        self.strategy = strategy
        self.config = config
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.ownerId = ownerId
    }

    enum CodingKeys: String, CodingKey {
        case id, name, ticker, exchange, strategy, config, status
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case ownerId = "owner_id"
    }
}

/// Body of `POST /bots`.
public struct NewBot: Codable, Sendable, Equatable {
    public var name: String
    public var ticker: String
    public var exchange: String
    public var strategy: String
    public var config: [String: JSONValue]?
    public var status: BotStatus?
    /// Set by the service from the caller (an admin may name another user).
    public var ownerId: Int64?

    public init(
        name: String, ticker: String, exchange: String, strategy: String, config: [String: JSONValue]? = nil,
        status: BotStatus? = nil, ownerId: Int64? = nil
    ) {
        self.name = name
        self.ticker = ticker
        self.exchange = exchange
        self.strategy = strategy
        self.config = config
        self.status = status
        self.ownerId = ownerId
    }

    enum CodingKeys: String, CodingKey {
        case name, ticker, exchange, strategy, config, status
        case ownerId = "owner_id"
    }

    public func validate() throws(ValidationError) {
        try Check.nonEmpty(name, "name")
        try Check.ticker(ticker)
        try Check.nonEmpty(exchange, "exchange", maxLength: 40)
        try Check.nonEmpty(strategy, "strategy", maxLength: 80)
        if let config { try Check.freeForm(config, "config", maxBytes: Bot.maxConfigBytes) }
    }
}

/// Body of `PATCH /bots/{id}`: every field optional, absent means unchanged.
public struct BotPatch: Codable, Sendable, Equatable {
    public var name: String?
    public var ticker: String?
    public var exchange: String?
    public var strategy: String?
    public var config: [String: JSONValue]?
    public var status: BotStatus?

    public init(
        name: String? = nil, ticker: String? = nil, exchange: String? = nil, strategy: String? = nil,
        config: [String: JSONValue]? = nil, status: BotStatus? = nil
    ) {
        self.name = name
        self.ticker = ticker
        self.exchange = exchange
        self.strategy = strategy
        self.config = config
        self.status = status
    }

    public func validate() throws(ValidationError) {
        if let name { try Check.nonEmpty(name, "name") }
        if let ticker { try Check.ticker(ticker) }
        if let exchange { try Check.nonEmpty(exchange, "exchange", maxLength: 40) }
        if let strategy { try Check.nonEmpty(strategy, "strategy", maxLength: 80) }
        if let config { try Check.freeForm(config, "config", maxBytes: Bot.maxConfigBytes) }
    }

    public var isEmpty: Bool {
        name == nil && ticker == nil && exchange == nil && strategy == nil && config == nil && status == nil
    }

    public func applied(to bot: Bot, at now: Timestamp) -> Bot {
        var bot = bot
        if let name { bot.name = name }
        if let ticker { bot.ticker = ticker }
        if let exchange { bot.exchange = exchange }
        if let strategy { bot.strategy = strategy }
        if let config { bot.config = config }
        if let status { bot.status = status }
        bot.updatedAt = now
        return bot
    }
}

public struct BotFilter: Sendable, Equatable {
    public var status: BotStatus?
    public var exchange: String?
    public var ticker: String?
    /// Only this user's bots (set by the service for every caller who is not an admin).
    public var ownerId: Int64?

    public init(status: BotStatus? = nil, exchange: String? = nil, ticker: String? = nil, ownerId: Int64? = nil) {
        self.status = status
        self.exchange = exchange
        self.ticker = ticker
        self.ownerId = ownerId
    }
}
