import Foundation
import Testing
import TickwireModel

@testable import TickwireEngine

@Suite struct MarketFeedTests {
    static let start = Timestamp(milliseconds: 1_700_000_000_000)

    @Test func theSameSeedReplaysTheSamePricesAndAnotherSeedDoesNot() throws {
        let instruments = SyntheticFeed.universe(count: 5, seed: 7)
        var a = try SyntheticFeed(instruments: instruments, step: .seconds(1), seed: 42, start: Self.start)
        var b = try SyntheticFeed(instruments: instruments, step: .seconds(1), seed: 42, start: Self.start)
        var c = try SyntheticFeed(instruments: instruments, step: .seconds(1), seed: 43, start: Self.start)
        var differs = false
        for _ in 0..<1000 {
            let (x, y, z) = (a.next(), b.next(), c.next())
            #expect(x == y)
            if x.map(\.price) != z.map(\.price) { differs = true }
        }
        #expect(differs)
        #expect(a.next()[0].timestamp.milliseconds == Self.start.milliseconds + 1001 * 1000)
    }

    @Test func logReturnsHaveTheConfiguredVolatility() throws {
        let sigma = 0.8
        var feed = try SyntheticFeed(
            instruments: [.init(ticker: "X", startPrice: 100, volatility: sigma)], step: .seconds(60), seed: 1,
            start: Self.start)
        var previous = 100.0
        var returns: [Double] = []
        for _ in 0..<20_000 {
            let price = feed.next()[0].price
            returns.append(log(price / previous))
            previous = price
        }
        let mean = returns.reduce(0, +) / Double(returns.count)
        let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count - 1)
        let expected = sigma * sigma * 60 / SyntheticFeed.secondsPerYear
        // 20,000 samples: the sample variance is within about 1% of the true one; 5% is five standard errors.
        #expect(abs(variance / expected - 1) < 0.05)
    }

    @Test func withoutVolatilityThePriceFollowsTheDriftExactly() throws {
        var feed = try SyntheticFeed(
            instruments: [.init(ticker: "X", startPrice: 100, volatility: 0, drift: 0.1)],
            step: .seconds(Int64(SyntheticFeed.secondsPerYear)), seed: 9, start: Self.start)
        #expect(abs(feed.next()[0].price - 100 * exp(0.1)) < 1e-5)
    }

    @Test func feedSettingsAreValidated() {
        #expect(throws: ValidationError.self) {
            try SyntheticFeed(instruments: [], step: .seconds(1), seed: 1, start: Self.start)
        }
        #expect(throws: ValidationError.self) {
            try SyntheticFeed(
                instruments: [.init(ticker: "X", startPrice: -1)], step: .seconds(1), seed: 1, start: Self.start)
        }
        #expect(throws: ValidationError.self) {
            try SyntheticFeed(instruments: [.init(ticker: "X", startPrice: 1)], step: .zero, seed: 1, start: Self.start)
        }
    }

    @Test func csvBarsReplayAsOpenExtremesClose() throws {
        var feed = try CSVReplayFeed(
            ticker: "AAPL",
            csv: """
                date,open,high,low,close,volume
                2024-01-02,100,110,95,108,1000
                2024-01-03T00:00:00Z,108,109,90,92,2000

                """)
        #expect(feed.bars.count == 2)
        let up = feed.next()
        #expect(up?.map(\.price) == [100, 95, 110, 108])  // up bar: low before high
        let next = feed.next()
        let down = try #require(next)
        #expect(down.map(\.price) == [108, 109, 90, 92])  // down bar: high before low
        #expect(down.last?.volume == 2000)
        let end = feed.next()
        #expect(end == nil)
    }

    @Test(arguments: [
        ("time,open,high,low,close,volume\n2024-01-02,1,1,1,1,1", "line 1"),
        ("date,open,high,low,close,volume\n2024-01-02,1,1,1", "line 2: expected 6 fields"),
        ("date,open,high,low,close,volume\n2024-01-02,1,2,1,1,1\nnope,1,1,1,1,1", "line 3: 'nope' is not a date"),
        ("date,open,high,low,close,volume\n2024-01-02,1,2,1.5,1,1", "line 2: prices must satisfy"),
        ("date,open,high,low,close,volume\n2024-01-02,1,x,1,1,1", "line 2: high 'x'"),
        ("date,open,high,low,close,volume\n2024-01-03,1,1,1,1,1\n2024-01-02,1,1,1,1,1", "increasing date order"),
        ("date,open,high,low,close,volume\n", "no bars"),
    ])
    func malformedCSVIsRefusedWithTheLine(csv: String, message: String) {
        do {
            _ = try CSVReplayFeed(ticker: "X", csv: csv)
            Issue.record("accepted: \(csv)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func theCoalescerPublishesEachTickerAtMostOncePerInterval() {
        var coalescer = PriceCoalescer(intervalMilliseconds: 1000)
        func tick(_ ticker: String, _ price: Double) -> Tick {
            Tick(ticker: ticker, price: price, timestamp: Self.start)
        }
        func at(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: Self.start.milliseconds + ms) }
        #expect(coalescer.offer(tick("A", 1), now: at(0)) == tick("A", 1))
        #expect(coalescer.offer(tick("A", 2), now: at(100)) == nil)
        #expect(coalescer.offer(tick("B", 7), now: at(120)) == tick("B", 7))
        #expect(coalescer.offer(tick("A", 3), now: at(150)) == nil)
        #expect(coalescer.drain(now: at(999)).isEmpty)
        #expect(coalescer.drain(now: at(1000)) == [tick("A", 3)])  // the newest waiting price, once
        #expect(coalescer.drain(now: at(5000)).isEmpty)
        #expect(coalescer.waitingCount == 0)
    }
}
