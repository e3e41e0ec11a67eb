/// Whether an external bot's process is alive: it reports with `POST /bots/{id}/heartbeat` (its order and log writes
/// count too), and a bot with `config.heartbeat_seconds` that stays silent longer than that is flagged stale, so a
/// dead process no longer looks ACTIVE.
public struct Liveness: Codable, Sendable, Equatable {
    public var botId: Int64
    public var lastSeen: Timestamp
    public var stale: Bool
    /// `config.heartbeat_seconds`, when the bot sets it.
    public var intervalSeconds: Double?

    public init(botId: Int64, lastSeen: Timestamp, stale: Bool, intervalSeconds: Double? = nil) {
        self.botId = botId
        self.lastSeen = lastSeen
        self.stale = stale
        self.intervalSeconds = intervalSeconds
    }

    enum CodingKeys: String, CodingKey {
        case stale
        case botId = "bot_id"
        case lastSeen = "last_seen"
        case intervalSeconds = "interval_seconds"
    }
}

extension Bot {
    /// `config.heartbeat_seconds`: a number from 1 to 86,400, or nil (the bot is never flagged stale).
    public var heartbeatSeconds: Double? {
        guard case .number(let seconds)? = config["heartbeat_seconds"], seconds.isFinite, (1...86_400).contains(seconds)
        else { return nil }
        return seconds
    }
}

public enum LivenessCommands {
    /// A `bot_seen` event at most this often per bot: enough for a dashboard's "seen N s ago".
    public static let seenEventInterval: Int64 = 30_000

    /// A heartbeat: the bot was seen now. Tells `bot_alive` if it was stale, else `bot_seen` when this report is the
    /// first of its `seenEventInterval` window (so a bot reporting every few seconds is told once per window).
    public static func heartbeat(_ bot: Bot, previous: Liveness?, at now: Timestamp) -> Decision<Liveness> {
        let seen = Liveness(botId: bot.id, lastSeen: now, stale: false, intervalSeconds: bot.heartbeatSeconds)
        if previous?.stale == true { return Decision(seen, events: [.liveness(.botAlive, seen, bot: bot)]) }
        if let previous, now.milliseconds / seenEventInterval == previous.lastSeen.milliseconds / seenEventInterval {
            return Decision(seen, events: [])
        }
        return Decision(seen, events: [.liveness(.botSeen, seen, bot: bot)])
    }

    /// The bots whose flag changes at `now`: those silent past their interval become stale (`bot_stale`), those
    /// seen again within it stop being stale (`bot_alive`). Only ACTIVE bots and those managing a position are
    /// watched: a stopped bot has no process to miss.
    public static func sweep(_ watched: [(bot: Bot, liveness: Liveness)], at now: Timestamp) -> Decision<[Liveness]> {
        var changed: [Liveness] = []
        var events: [EventDraft] = []
        for (bot, liveness) in watched {
            guard let seconds = bot.heartbeatSeconds, bot.status.fillsOrders else { continue }
            let silent = Double(now.milliseconds) - Double(liveness.lastSeen.milliseconds) > seconds * 1000
            guard silent != liveness.stale else { continue }
            var next = liveness
            next.stale = silent
            next.intervalSeconds = seconds
            changed.append(next)
            events.append(.liveness(silent ? .botStale : .botAlive, next, bot: bot))
        }
        return Decision(changed, events: events)
    }
}

extension EventType {
    public static let botSeen = EventType(rawValue: "bot_seen")
    public static let botStale = EventType(rawValue: "bot_stale")
    public static let botAlive = EventType(rawValue: "bot_alive")
}

extension EventDraft {
    static func liveness(_ type: EventType, _ liveness: Liveness, bot: Bot) -> EventDraft {
        EventDraft(
            topic: .bots, type: type, data: JSONCoding.encodeToString(liveness), botId: bot.id, ticker: bot.ticker,
            ownerId: bot.ownerId)
    }
}
