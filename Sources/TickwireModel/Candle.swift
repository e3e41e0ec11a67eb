/// An OHLC candle of one instrument built from the prices the server records, bucketed by each price's own
/// timestamp (so CSV-replayed bars keep theirs). `volume` counts the prices recorded in it: prices carry no traded
/// volume.
public struct Candle: Codable, Sendable, Equatable {
    public var ticker: String
    public var exchange: String
    public var interval: CandleInterval
    public var start: Timestamp
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double
    /// The timestamp of the price that set `close`.
    public var closeTime: Timestamp

    public init(
        ticker: String, exchange: String, interval: CandleInterval, start: Timestamp, open: Double, high: Double,
        low: Double, close: Double, volume: Double, closeTime: Timestamp
    ) {
        self.ticker = ticker
        self.exchange = exchange
        self.interval = interval
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.closeTime = closeTime
    }

    enum CodingKeys: String, CodingKey {
        case ticker, exchange, interval, start, open, high, low, close, volume
        case closeTime = "close_time"
    }

    /// A candle opened by `price`.
    public init(_ price: Price, interval: CandleInterval) {
        self.init(
            ticker: price.ticker, exchange: price.exchange, interval: interval,
            start: interval.start(of: price.timestamp), open: price.price, high: price.price, low: price.price,
            close: price.price, volume: 1, closeTime: price.timestamp)
    }

    /// This candle with `price` (of the same bucket) in it. A price older than the close does not move the close.
    public func adding(_ price: Price) -> Candle {
        var next = self
        next.high = max(high, price.price)
        next.low = min(low, price.price)
        next.volume += 1
        if price.timestamp >= closeTime {
            next.close = price.price
            next.closeTime = price.timestamp
        }
        if price.timestamp < start { next.open = price.price }
        return next
    }
}

public enum CandleInterval: String, ClosedSet, CaseIterable, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    case oneMinute = "1m"
    case fiveMinutes = "5m"
    case fifteenMinutes = "15m"
    case oneHour = "1h"
    case oneDay = "1d"

    public var milliseconds: Int64 {
        switch self {
        case .oneMinute: 60_000
        case .fiveMinutes: 300_000
        case .fifteenMinutes: 900_000
        case .oneHour: 3_600_000
        case .oneDay: 86_400_000
        }
    }

    /// The start of the bucket holding `time` (UTC; days start at midnight UTC).
    public func start(of time: Timestamp) -> Timestamp {
        let ms = time.milliseconds
        let remainder = ms % milliseconds
        return Timestamp(milliseconds: remainder >= 0 ? ms - remainder : ms - remainder - milliseconds)
    }
}

/// What recording a price does to its instrument's candles.
public enum CandleCommands {
    /// `price` merged into the current candle of each interval (`current[interval]`, the newest stored, if any).
    /// Events: each candle `price` closes (it starts a later bucket), and the forming one-minute candle when `price`
    /// is its first in a new second, so a chart gets the forming candle at most once a second per instrument.
    public static func record(_ price: Price, current: [CandleInterval: Candle]) -> Decision<[Candle]> {
        var candles: [Candle] = []
        var events: [EventDraft] = []
        for interval in CandleInterval.allCases {
            let bucket = interval.start(of: price.timestamp)
            guard let latest = current[interval] else {
                candles.append(Candle(price, interval: interval))
                continue
            }
            if bucket > latest.start {
                events.append(.candle(latest, closed: true))
                let opened = Candle(price, interval: interval)
                candles.append(opened)
                if interval == .oneMinute { events.append(.candle(opened, closed: false)) }
            } else if bucket == latest.start {
                let merged = latest.adding(price)
                candles.append(merged)
                if interval == .oneMinute, price.timestamp.milliseconds / 1000 > latest.closeTime.milliseconds / 1000 {
                    events.append(.candle(merged, closed: false))
                }
            } else {
                // A late price for an earlier bucket: the store merges it into that bucket's row.
                candles.append(Candle(price, interval: interval))
            }
        }
        return Decision(candles, events: events)
    }
}

extension Topic {
    /// Candles of every instrument: `candle` events (`closed` true on a close, false for the forming one).
    public static let candles = Topic(rawValue: "candles")
}

extension EventType {
    public static let candle = EventType(rawValue: "candle")
}

extension EventDraft {
    static func candle(_ candle: Candle, closed: Bool) -> EventDraft {
        EventDraft(
            topic: .candles, type: .candle,
            data: JSONCoding.encodeToString(CandleUpdate(candle: candle, closed: closed)),
            ticker: candle.ticker)
    }
}

/// A candle's fields and whether it is closed.
struct CandleUpdate: Encodable {
    let candle: Candle
    let closed: Bool

    enum CodingKeys: String, CodingKey { case closed }

    func encode(to encoder: any Encoder) throws {
        try candle.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(closed, forKey: .closed)
    }
}

/// An instrument the server records prices of, offered as a dataset (`GET /api/v1/datasets/market`).
public struct MarketInstrument: Codable, Sendable, Equatable {
    public var ticker: String
    public var exchange: String
    public var interval: CandleInterval
    public var barCount: Int
    public var firstTime: Timestamp
    public var lastTime: Timestamp

    public init(
        ticker: String, exchange: String, interval: CandleInterval, barCount: Int, firstTime: Timestamp,
        lastTime: Timestamp
    ) {
        self.ticker = ticker
        self.exchange = exchange
        self.interval = interval
        self.barCount = barCount
        self.firstTime = firstTime
        self.lastTime = lastTime
    }

    enum CodingKeys: String, CodingKey {
        case ticker, exchange, interval
        case barCount = "bar_count"
        case firstTime = "first_time"
        case lastTime = "last_time"
    }
}
