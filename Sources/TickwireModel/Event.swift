#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An event's kind. Names follow seed 001's WebSocket messages and seed 004's trading-session stream.
public struct EventType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let botCreated = EventType(rawValue: "bot_created")
    public static let botUpdated = EventType(rawValue: "bot_updated")
    public static let botDeleted = EventType(rawValue: "bot_deleted")
    public static let orderUpdate = EventType(rawValue: "order_update")
    public static let orderFilled = EventType(rawValue: "order_filled")
    public static let logCreated = EventType(rawValue: "log_created")
    public static let pnlUpdate = EventType(rawValue: "pnl_update")
    public static let priceUpdate = EventType(rawValue: "price_update")
    public static let system = EventType(rawValue: "system")
    // Trading-model sessions (seed 004).
    public static let connected = EventType(rawValue: "connected")
    public static let status = EventType(rawValue: "status")
    public static let trade = EventType(rawValue: "trade")
    public static let sessionComplete = EventType(rawValue: "session_complete")
    public static let complete = EventType(rawValue: "complete")
    public static let error = EventType(rawValue: "error")
    // For the engine (`Topic.engine`).
    public static let sessionStarted = EventType(rawValue: "session_started")
    public static let sessionEnded = EventType(rawValue: "session_ended")
    // Intraday signal cycles (seeds 000 and 002).
    public static let intradaySnapshot = EventType(rawValue: "intraday_snapshot")

    /// Whether `name` can be an event type: 1-64 of `a-z`, `0-9`, `_`, `.`.
    public static func isValidName(_ name: String) -> Bool { Topic.isValidName(name) }
}

/// A group of events a client subscribes to.
public struct Topic: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let bots = Topic(rawValue: "bots")
    public static let orders = Topic(rawValue: "orders")
    public static let logs = Topic(rawValue: "logs")
    public static let pnl = Topic(rawValue: "pnl")
    public static let prices = Topic(rawValue: "prices")
    public static let system = Topic(rawValue: "system")
    public static let intraday = Topic(rawValue: "intraday")
    /// Every activity log line, unfiltered: the admin console's feed (seed 000's `/events/admin/logs`).
    public static let adminLogs = Topic(rawValue: "admin.logs")
    /// Credentials revoked (logout, key revoked, user disabled): read by the server to close the streams they opened.
    /// Never offered to clients.
    public static let auth = Topic(rawValue: "auth")
    /// Model sessions started and ended (`session_started`, `session_ended`), whichever node wrote them: read by the
    /// node that runs the engine, which runs the agents. Never offered to clients.
    public static let engine = Topic(rawValue: "engine")

    /// One trading model's session events (seed 004's `/api/trading/stream/{model_id}`).
    public static func model(_ id: Int64) -> Topic { Topic(rawValue: "models.\(id)") }

    /// Topics whose events are about one bot: they carry its id and belong to its owner.
    public static let botScoped: Set<Topic> = [.bots, .orders, .logs, .pnl]

    /// The trading model of a `models.{id}` topic.
    public var modelId: Int64? {
        guard rawValue.hasPrefix("models.") else { return nil }
        return Int64(rawValue.dropFirst("models.".count))
    }

    /// Whether `name` can be a topic or type: 1-64 of `a-z`, `0-9`, `_`, `.`; such names need no JSON escaping.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}

/// An event about to be appended to the event log, in the same transaction as the change it describes.
public struct EventDraft: Sendable, Equatable {
    public var topic: Topic
    public var type: EventType
    /// The payload, already encoded as a JSON object: events are serialized once, when they are made.
    public var data: String
    /// Routing keys that let a subscriber narrow a topic (one bot's orders, one ticker's prices).
    public var botId: Int64?
    public var ticker: String?
    /// The user the event belongs to; left nil, the store fills it in from the bot or trading model it is about.
    /// Events without an owner (prices, intraday, system) are for everyone.
    public var ownerId: Int64?

    public init(
        topic: Topic, type: EventType, data: String, botId: Int64? = nil, ticker: String? = nil, ownerId: Int64? = nil
    ) {
        self.topic = topic
        self.type = type
        self.data = data
        self.botId = botId
        self.ticker = ticker
        self.ownerId = ownerId
    }
}

/// An event as stored in the event log. `id` is its position in the log: it orders every event of the server.
public struct Event: Sendable, Equatable {
    public var id: Int64
    public var timestamp: Timestamp
    public var topic: Topic
    public var type: EventType
    public var data: String
    public var botId: Int64?
    public var ticker: String?
    public var ownerId: Int64?

    public init(id: Int64, timestamp: Timestamp, draft: EventDraft) {
        self.id = id
        self.timestamp = timestamp
        self.topic = draft.topic
        self.type = draft.type
        self.data = draft.data
        self.botId = draft.botId
        self.ticker = draft.ticker
        self.ownerId = draft.ownerId
    }

    /// `{"id": "...", "topic": "...", "type": "...", "timestamp": "...", "data": {...}}`.
    ///
    /// Topic and type names are identifiers made by the server (letters, digits, `_`, `.`), so they need no escaping.
    public var envelopeJSON: String {
        "{\"id\":\"\(id)\",\"topic\":\"\(topic.rawValue)\",\"type\":\"\(type.rawValue)\",\"timestamp\":\"\(timestamp.iso8601)\",\"data\":\(data)}"
    }
}

/// The JSON encoder every payload and response shares, so that an event's data and the REST representation of the
/// same object are byte-for-byte the same.
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Validation keeps every number finite; should a non-finite one slip through, it is written as a string
        // instead of failing the encoding of a change that is already being committed.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The model's own types hold only strings, numbers and nested values, so encoding them does not fail; if it
    /// ever did, the payload is `null` rather than a dead process.
    public static func encodeToString(_ value: some Encodable) -> String {
        guard let data = try? encoder().encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension EventDraft {
    public static func botCreated(_ bot: Bot) -> EventDraft {
        EventDraft(
            topic: .bots, type: .botCreated, data: JSONCoding.encodeToString(bot), botId: bot.id, ownerId: bot.ownerId)
    }

    public static func botUpdated(_ bot: Bot) -> EventDraft {
        EventDraft(
            topic: .bots, type: .botUpdated, data: JSONCoding.encodeToString(bot), botId: bot.id, ownerId: bot.ownerId)
    }

    public static func botDeleted(id: Int64, ownerId: Int64?) -> EventDraft {
        EventDraft(topic: .bots, type: .botDeleted, data: "{\"id\":\(id)}", botId: id, ownerId: ownerId)
    }

    public static func orderUpdate(_ order: Order) -> EventDraft {
        EventDraft(topic: .orders, type: .orderUpdate, data: JSONCoding.encodeToString(order), botId: order.botId)
    }

    public static func orderFilled(_ order: Order, fill: FillRequest) -> EventDraft {
        struct Payload: Encodable {
            let order: Order
            let fill: FillRequest
        }
        return EventDraft(
            topic: .orders, type: .orderFilled, data: JSONCoding.encodeToString(Payload(order: order, fill: fill)),
            botId: order.botId)
    }

    public static func logCreated(_ log: ActivityLog) -> EventDraft {
        EventDraft(topic: .logs, type: .logCreated, data: JSONCoding.encodeToString(log), botId: log.botId)
    }

    public static func pnlUpdate(_ pnl: BotPnL) -> EventDraft {
        EventDraft(topic: .pnl, type: .pnlUpdate, data: JSONCoding.encodeToString(pnl), botId: pnl.botId)
    }

    public static func priceUpdate(_ price: Price) -> EventDraft {
        EventDraft(topic: .prices, type: .priceUpdate, data: JSONCoding.encodeToString(price), ticker: price.ticker)
    }
}
