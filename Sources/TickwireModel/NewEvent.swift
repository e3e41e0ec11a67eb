/// An event published directly, without a resource change behind it: a system notice, a trading model's session
/// event (`models.{id}`: `status`, `trade`, `session_complete`, ...), an intraday signal snapshot. Bot, order, log,
/// price and PnL events are never published this way: they come only from the command that changes that data, so
/// a snapshot and its events cannot disagree.
public struct NewEvent: Codable, Sendable, Equatable {
    public var topic: String
    public var type: String
    public var data: [String: JSONValue]
    public var botId: Int64?
    public var ticker: String?

    public init(
        topic: String, type: String, data: [String: JSONValue], botId: Int64? = nil, ticker: String? = nil
    ) {
        self.topic = topic
        self.type = type
        self.data = data
        self.botId = botId
        self.ticker = ticker
    }

    enum CodingKeys: String, CodingKey {
        case topic, type, data, ticker
        case botId = "bot_id"
    }

    /// Topics open to direct publication.
    public static func isPublishable(_ topic: String) -> Bool {
        if topic == Topic.system.rawValue || topic == Topic.intraday.rawValue { return true }
        guard topic.hasPrefix("models.") else { return false }
        let id = topic.dropFirst("models.".count)
        return !id.isEmpty && id.count <= 18
            && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    public static let maxDataBytes = 64 << 10

    /// Validates the event and returns it as a draft, its data encoded once (the size bound is checked on that
    /// encoding).
    public func validatedDraft() throws(ValidationError) -> EventDraft {
        guard Self.isPublishable(topic) else {
            throw ValidationError(
                "topic",
                "must be system, intraday or models.{id}; bot, order, log, price and pnl events come from their routes")
        }
        guard EventType.isValidName(type) else {
            throw ValidationError("type", "must be 1-64 characters of a-z, 0-9, _ and .")
        }
        if let ticker { try Check.ticker(ticker) }
        return EventDraft(
            topic: Topic(rawValue: topic), type: EventType(rawValue: type),
            data: try Check.freeForm(data, "data", maxBytes: Self.maxDataBytes), botId: botId, ticker: ticker)
    }
}
