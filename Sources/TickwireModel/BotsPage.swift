/// The bots-page bundle: every bot with what its row and its detail drawer show, in one response.
public struct BotsPage: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var bot: Bot
        public var pnl: BotPnL
        public var recentOrders: [Order]
        public var recentLogs: [ActivityLog]
        /// The equity of the newest `sparklinePoints` points of its equity history, oldest first.
        public var sparkline: [Double]

        public init(bot: Bot, pnl: BotPnL, recentOrders: [Order], recentLogs: [ActivityLog], sparkline: [Double]) {
            self.bot = bot
            self.pnl = pnl
            self.recentOrders = recentOrders
            self.recentLogs = recentLogs
            self.sparkline = sparkline
        }

        enum CodingKeys: String, CodingKey {
            case bot, pnl, sparkline
            case recentOrders = "recent_orders"
            case recentLogs = "recent_logs"
        }
    }

    /// The event-log position this bundle reflects: every event after it is a change the bundle does not show yet.
    public var eventId: Int64
    public var generatedAt: Timestamp
    public var bots: [Entry]

    public init(eventId: Int64, generatedAt: Timestamp, bots: [Entry]) {
        self.eventId = eventId
        self.generatedAt = generatedAt
        self.bots = bots
    }

    enum CodingKeys: String, CodingKey {
        case bots
        case eventId = "event_id"
        case generatedAt = "generated_at"
    }

    // `event_id` is written as a string, like the `id` of every event envelope.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .eventId)
        guard let eventId = Int64(text) else {
            throw DecodingError.dataCorruptedError(forKey: .eventId, in: container, debugDescription: "not an event id")
        }
        self.eventId = eventId
        self.generatedAt = try container.decode(Timestamp.self, forKey: .generatedAt)
        self.bots = try container.decode([Entry].self, forKey: .bots)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(eventId), forKey: .eventId)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(bots, forKey: .bots)
    }

    public static let ordersPerBot = 10
    public static let logsPerBot = 10
    public static let sparklinePoints = 60
}
