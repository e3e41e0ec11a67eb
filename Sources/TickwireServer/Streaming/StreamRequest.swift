import HTTPTypes
import Hummingbird
import TickwireHub
import TickwireModel

/// What a stream request asks for, parsed from the query (`topics`, `bot_id`, `ticker`, `last_event_id`) and the
/// `Last-Event-ID` header that browsers send when an EventSource reconnects.
struct StreamRequest {
    static let fixedTopics: Set<Topic> = [
        .bots, .orders, .logs, .pnl, .prices, .candles, .intraday, .system, .adminLogs, .backtests,
    ]

    var interest: Interest
    /// The last event the client has seen: replay everything after it.
    var lastEventId: Int64?

    init(_ request: Request) throws(APIError) {
        let query = QueryParameters(request)
        var topics: Set<Topic> = []
        if let list = try query.string("topics") {
            for name in list.split(separator: ",", omittingEmptySubsequences: false) {
                topics.insert(try Self.topic(String(String(name).trimmingWhitespace)))
            }
        } else {
            throw .invalidParameter("topics", "is required, for example topics=bots,orders,logs")
        }
        interest = Interest(
            topics: topics, botIds: try Self.ids(query.string("bot_id")),
            tickers: try Self.tickers(query.string("ticker"))
        )
        lastEventId = try Self.lastEventId(request, query)
    }

    static func topic(_ name: String) throws(APIError) -> Topic {
        let topic = Topic(rawValue: name)
        if fixedTopics.contains(topic) || NewEvent.isPublishable(name) && name.hasPrefix("models.") { return topic }
        throw APIError(
            .badRequest, code: "unknown_topic",
            message:
                "unknown topic '\(name)'; topics are bots, orders, logs, pnl, prices, candles, intraday, system, admin.logs, backtests and models.{id}"
        )
    }

    static func ids(_ list: String?) throws(APIError) -> Set<Int64>? {
        guard let list else { return nil }
        var ids: Set<Int64> = []
        for text in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int64(String(text).trimmingWhitespace), id > 0 else {
                throw .invalidParameter("bot_id", "must be a comma-separated list of positive integers")
            }
            ids.insert(id)
        }
        return ids
    }

    static func tickers(_ list: String?) throws(APIError) -> Set<String>? {
        guard let list else { return nil }
        let tickers = list.split(separator: ",").map { String(String($0).trimmingWhitespace) }.filter { !$0.isEmpty }
        guard !tickers.isEmpty else { throw .invalidParameter("ticker", "must list at least one ticker") }
        return Set(tickers)
    }

    /// The header wins over the query: it is what the browser tracked, the query is what the page was opened with.
    static func lastEventId(_ request: Request, _ query: QueryParameters) throws(APIError) -> Int64? {
        var text = request.headers[.lastEventID]
        if text == nil { text = try query.string("last_event_id") }
        guard let text else { return nil }
        guard let id = Int64(text.trimmingWhitespace), id >= 0 else {
            throw .invalidParameter("last_event_id", "must be an event id this server sent, got '\(text)'")
        }
        return id
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
