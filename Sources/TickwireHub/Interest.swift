import TickwireModel

/// What a subscriber wants: a set of topics, optionally narrowed to some bots and some tickers.
///
/// The filters narrow the topics whose events carry that routing key: `bot_ids` applies to `bots`, `orders`, `logs`
/// and `pnl` (an event there without a bot is left out), `tickers` to `prices` and `candles`. Other topics are never narrowed.
/// `admin.logs` is every log line, unfiltered, whatever the filters say.
///
/// `ownerId` is not a filter the client chooses but the server's authorization: when set, events that belong to a
/// user (bot-scoped topics and `models.{id}`) pass only if they belong to that user.
public struct Interest: Sendable, Equatable {
    public var topics: Set<Topic>
    public var botIds: Set<Int64>?
    public var tickers: Set<String>?
    public var ownerId: Int64?

    public init(topics: Set<Topic>, botIds: Set<Int64>? = nil, tickers: Set<String>? = nil, ownerId: Int64? = nil) {
        self.topics = topics
        self.botIds = botIds
        self.tickers = tickers
        self.ownerId = ownerId
    }

    static let botScoped = Topic.botScoped

    /// The topics of the events this interest receives, each with whether the filters apply to it.
    var routes: [Topic: Bool] {
        var routes: [Topic: Bool] = [:]
        for topic in topics {
            if topic == .adminLogs {
                routes[.logs] = false
            } else if routes[topic] == nil {
                routes[topic] = true
            }
        }
        return routes
    }

    /// Whether an event of one of the routed topics passes the filters.
    func passes(_ event: Event, filtered: Bool) -> Bool {
        if let ownerId, Self.botScoped.contains(event.topic) || event.topic.modelId != nil,
            event.ownerId != ownerId
        {
            return false
        }
        guard filtered else { return true }
        if let botIds, Self.botScoped.contains(event.topic) {
            guard let botId = event.botId, botIds.contains(botId) else { return false }
        }
        if let tickers, event.topic == .prices || event.topic == .candles {
            guard let ticker = event.ticker, tickers.contains(ticker) else { return false }
        }
        return true
    }

    /// Whether this interest receives `event` at all (used when replaying from the log).
    public func matches(_ event: Event) -> Bool {
        guard let filtered = routes[event.topic] else { return false }
        return passes(event, filtered: filtered)
    }
}
