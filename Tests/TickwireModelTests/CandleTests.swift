import Testing

@testable import TickwireModel

/// Candles from recorded prices, worked out by hand.
@Suite struct CandleTests {
    static let minute: Int64 = 60_000
    /// 2026-01-01T00:00:00Z.
    static let midnight: Int64 = 1_767_225_600_000

    static func price(_ value: Double, at offset: Int64) -> Price {
        Price(
            ticker: "BTC/USDT", exchange: "paper", price: value, timestamp: Timestamp(milliseconds: midnight + offset))
    }

    /// Records `prices` in order, keeping the newest candle of each interval as a store would.
    static func replay(_ prices: [Price]) -> (current: [CandleInterval: Candle], events: [EventDraft]) {
        var current: [CandleInterval: Candle] = [:]
        var events: [EventDraft] = []
        for price in prices {
            let decision = CandleCommands.record(price, current: current)
            for candle in decision.value where candle.start >= (current[candle.interval]?.start ?? candle.start) {
                current[candle.interval] = candle
            }
            events += decision.events
        }
        return (current, events)
    }

    @Test func bucketsStartOnTheIntervalInUTC() {
        let time = Timestamp(milliseconds: Self.midnight + 7 * Self.minute + 12_345)
        #expect(CandleInterval.oneMinute.start(of: time).milliseconds == Self.midnight + 7 * Self.minute)
        #expect(CandleInterval.fiveMinutes.start(of: time).milliseconds == Self.midnight + 5 * Self.minute)
        #expect(CandleInterval.oneDay.start(of: time).milliseconds == Self.midnight)
        #expect(CandleInterval.oneMinute.start(of: Timestamp(milliseconds: -1)).milliseconds == -60_000)
    }

    @Test func pricesOfOneMinuteMakeOneCandle() throws {
        let (current, events) = Self.replay([
            Self.price(100, at: 0), Self.price(104, at: 10_000), Self.price(98, at: 20_500),
            Self.price(101, at: 20_900),
        ])
        let candle = try #require(current[.oneMinute])
        #expect(candle.open == 100)
        #expect(candle.high == 104)
        #expect(candle.low == 98)
        #expect(candle.close == 101)
        #expect(candle.volume == 4)
        // The forming candle: on the first price of each new second only (10 s, 20 s; not 20.9 s).
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.type == .candle && $0.data.contains(#""closed":false"#) })
    }

    @Test func aPriceInALaterBucketClosesTheCandlesItLeaves() {
        let (_, events) = Self.replay([Self.price(100, at: 0), Self.price(101, at: 4 * Self.minute + 59_000)])
        let (_, crossing) = Self.replay([
            Self.price(100, at: 0), Self.price(101, at: 4 * Self.minute + 59_000), Self.price(102, at: 5 * Self.minute),
        ])
        let closed = { (events: [EventDraft]) in
            events.filter { $0.data.contains(#""closed":true"#) }.compactMap { event -> String? in
                guard let range = event.data.range(of: #""interval":""#) else { return nil }
                return String(event.data[range.upperBound...].prefix { $0 != "\"" })
            }
        }
        #expect(closed(events) == ["1m"], "minute 4 starts: minute 0 closes, the 5-minute candle goes on")
        #expect(closed(crossing) == ["1m", "1m", "5m"], "minute 5 closes minute 4 and the first 5 minutes")
    }

    @Test func aLatePriceDoesNotMoveTheClose() {
        let candle = Candle(Self.price(100, at: 30_000), interval: .oneMinute)
        let late = candle.adding(Self.price(90, at: 10_000))
        #expect(late.close == 100, "the close is the newest price's")
        #expect(late.low == 90)
        #expect(late.volume == 2)
    }
}
