public enum LogLevel: String, ClosedSet, Sendable, Comparable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case debug = "DEBUG"
    case info = "INFO"
    case warning = "WARNING"
    case error = "ERROR"

    var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

public struct ActivityLog: Codable, Sendable, Equatable {
    /// Monotonic: a later insert always has a larger id.
    public var id: Int64
    public var botId: Int64?
    public var level: LogLevel
    public var message: String
    public var timestamp: Timestamp

    public init(id: Int64, botId: Int64?, level: LogLevel, message: String, timestamp: Timestamp) {
        self.id = id
        self.botId = botId
        self.level = level
        self.message = message
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case id, level, message, timestamp
        case botId = "bot_id"
    }
}

/// One entry of `POST /logs`; `timestamp` defaults to the time the server receives it.
public struct NewLog: Codable, Sendable, Equatable {
    public var botId: Int64?
    public var level: LogLevel
    public var message: String
    public var timestamp: Timestamp?

    public init(botId: Int64?, level: LogLevel, message: String, timestamp: Timestamp? = nil) {
        self.botId = botId
        self.level = level
        self.message = message
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case level, message, timestamp
        case botId = "bot_id"
    }

    public static let maxMessageLength = 10_000

    public func validate() throws(ValidationError) {
        if message.isEmpty { throw ValidationError("message", "must not be empty") }
        if message.unicodeScalars.count > Self.maxMessageLength {
            throw ValidationError("message", "must be at most \(Self.maxMessageLength) code points")
        }
    }
}

public struct LogFilter: Sendable, Equatable {
    public var botId: Int64?
    public var level: LogLevel?
    public var since: Timestamp?
    /// Only log lines of this user's bots.
    public var ownerId: Int64?

    public init(botId: Int64? = nil, level: LogLevel? = nil, since: Timestamp? = nil, ownerId: Int64? = nil) {
        self.botId = botId
        self.level = level
        self.since = since
        self.ownerId = ownerId
    }
}
