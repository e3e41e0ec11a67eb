/// One point of a bot's equity history: recorded on every fill, and while a position is open at most once per
/// interval as prices move it.
public struct EquityPoint: Codable, Sendable, Equatable {
    public var timestamp: Timestamp
    /// Starting cash + total PnL (`BotPnL.equity`).
    public var equity: Double
    /// Realized + unrealized - fees.
    public var pnl: Double
    public var positionQuantity: Double

    public init(timestamp: Timestamp, equity: Double, pnl: Double, positionQuantity: Double) {
        self.timestamp = timestamp
        self.equity = equity
        self.pnl = pnl
        self.positionQuantity = positionQuantity
    }

    public init(_ figures: BotPnL, at time: Timestamp) {
        self.init(
            timestamp: time, equity: figures.equity, pnl: figures.totalPnl, positionQuantity: figures.positionQuantity)
    }

    enum CodingKeys: String, CodingKey {
        case timestamp, equity, pnl
        case positionQuantity = "position_quantity"
    }
}

public enum EquityHistory {
    /// A series of at most `limit` points for a chart. Each of `limit / 4` buckets of equal count keeps its first,
    /// lowest, highest and last point, in time order, so a drawdown inside a bucket still shows at its depth.
    public static func downsample(_ points: [EquityPoint], to limit: Int) -> [EquityPoint] {
        guard points.count > limit, limit >= 4 else { return points }
        let buckets = limit / 4
        var kept: [EquityPoint] = []
        kept.reserveCapacity(buckets * 4)
        for bucket in 0..<buckets {
            let start = bucket * points.count / buckets
            let end = (bucket + 1) * points.count / buckets
            guard start < end else { continue }
            var low = start
            var high = start
            for index in start..<end {
                if points[index].equity < points[low].equity { low = index }
                if points[index].equity > points[high].equity { high = index }
            }
            for index in Set([start, low, high, end - 1]).sorted() { kept.append(points[index]) }
        }
        return kept
    }
}

extension EventType {
    /// A point added to a bot's equity history: on a fill, and at most once per interval while prices move an open
    /// position (so a chart appends it; `pnl_update` tells every tick).
    public static let equityUpdate = EventType(rawValue: "equity_update")
}

extension EventDraft {
    public static func equityUpdate(botId: Int64, _ point: EquityPoint) -> EventDraft {
        EventDraft(
            topic: .pnl, type: .equityUpdate, data: JSONCoding.encodeToString(BotPoint(botId: botId, point: point)),
            botId: botId)
    }
}

/// An equity point with its bot's id, as `equity_update` carries it.
struct BotPoint: Encodable {
    let botId: Int64
    let point: EquityPoint

    enum CodingKeys: String, CodingKey { case botId = "bot_id" }

    func encode(to encoder: any Encoder) throws {
        try point.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(botId, forKey: .botId)
    }
}
